"""cdp.py — headless Chromium driven through its DevTools protocol over a pipe
(--remote-debugging-pipe: no extra packages, one browser start), for the
page tests (T650, T655). Usage:

    import cdp
    b = cdp.Browser(chromium, tmp)
    b.open_page(width=1100, height=1000)
    b.navigate(url); b.wait_for("js expression", "what"); b.js("expr")
    b.close()
"""
import base64, json, os, subprocess, tempfile, time


class Browser:
    def __init__(self, chromium, tmp):
        profile = tempfile.mkdtemp(dir=tmp)
        # The browser reads commands from fd 3 and writes answers to fd 4. The
        # pipe ends are first moved above 10 so that placing them cannot
        # clobber each other.
        cmd_r, cmd_w = os.pipe()
        evt_r, evt_w = os.pipe()
        child_in, child_out = (os.dup2(fd, 10 + i, inheritable=True)
                               for i, fd in enumerate((cmd_r, evt_w)))
        os.close(cmd_r)
        os.close(evt_w)

        def place_pipes():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-dev-shm-usage", "--disable-extensions",
             "--hide-scrollbars",
             # never resolve a name: the pages talk to 127.0.0.1 only
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank"],
            preexec_fn=place_pipes, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "chrome.err"), "wb"))
        os.close(child_in)
        os.close(child_out)
        self.to_browser = os.fdopen(cmd_w, "wb", buffering=0)
        self.from_browser = os.fdopen(evt_r, "rb", buffering=0)
        self.pending, self.next_id, self.session = b"", 0, None

    def read_message(self, deadline):
        while b"\0" not in self.pending:
            if time.time() > deadline:
                raise TimeoutError("no message from the browser")
            chunk = self.from_browser.read(65536)
            if not chunk:
                raise EOFError("the browser went away")
            self.pending += chunk
        msg, _, self.pending = self.pending.partition(b"\0")
        return json.loads(msg)

    def send(self, method, timeout=30, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        self.to_browser.write(json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self.read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m["result"]

    def open_page(self, width=1100, height=1000):
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def js(self, expr):
        r = self.send("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait_for(self, expr, what, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            if self.js(expr):
                return
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s; the page says: %r" % (
            what, self.js("document.querySelector('.wrap').innerText.slice(0, 600)")))

    def screenshot(self, path):
        data = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        with open(path, "wb") as f:
            f.write(data)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000, path

    def navigate(self, url):
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && !!document.getElementById('q')",
                      "load " + url)

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
