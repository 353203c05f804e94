#!/usr/bin/env bash
# T650-serve-browser: the search page in headless Chromium, driven through
# Chromium's own DevTools protocol over a pipe (--remote-debugging-pipe; no
# extra packages, one browser start). A person's session: type a query into
# the box and see the highlighted hits appear as they type (highlights are
# byte offsets: the marked text must be the query words), open a document,
# page through results, load /?q=... directly, see a malformed query's error
# at its position, and look at it in dark mode. Screenshots are kept in the
# build folder: tests/artifacts/serve.png and serve-dark.png.
# Chromium is required: without it this test fails (scripts/install-deps.sh
# installs Debian's chromium).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init T650 NINDEX NSEARCH NS_SHARED_DIR

chromium=$(command -v chromium || true)
[ -n "$chromium" ] || fail "chromium is not installed (scripts/install-deps.sh installs it)"
artifacts=$(cd "$NS_TMPDIR/.." && pwd)/artifacts
mkdir -p "$artifacts"
rm -f "$artifacts"/serve.png "$artifacts"/serve-dark.png

index_seeds "$tmp/docs" "$tmp/idx"
# twelve more short documents about relations, so that there is a second page
for i in $(seq 12); do
    printf 'Note %d on relations\nRelations between two towns, note %d.\n' "$i" "$i" \
        >"$tmp/docs/note$i.txt"
done
"$NINDEX" -d "$tmp/idx" "$tmp/docs" >"$tmp/nindex.log" 2>&1 || fail "nindex notes"
start_server browser -d "$tmp/idx"

"$py" - "$chromium" "$base" "$artifacts" "$tmp" "$srv_log" <<'EOF' || fail "browser session"
import base64, json, os, re, subprocess, sys, tempfile, time

chromium, base, artifacts, tmp, server_log = sys.argv[1:6]
profile = tempfile.mkdtemp(dir=tmp)
# The browser reads commands from fd 3 and writes answers to fd 4. The pipe
# ends are first moved above 10 so that placing them cannot clobber each other.
cmd_r, cmd_w = os.pipe()
evt_r, evt_w = os.pipe()
child_in, child_out = (os.dup2(fd, 10 + i, inheritable=True) for i, fd in enumerate((cmd_r, evt_w)))
os.close(cmd_r)
os.close(evt_w)


def place_pipes():
    os.dup2(child_in, 3)
    os.dup2(child_out, 4)


proc = subprocess.Popen(
    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
     "--disable-background-networking", "--disable-component-update", "--disable-sync",
     "--disable-dev-shm-usage", "--disable-extensions", "--hide-scrollbars",
     # never resolve a name: this page talks to 127.0.0.1 only
     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
     "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank"],
    preexec_fn=place_pipes, close_fds=False, stdin=subprocess.DEVNULL,
    stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "chrome.err"), "wb"))
os.close(child_in)
os.close(child_out)
to_browser = os.fdopen(cmd_w, "wb", buffering=0)
from_browser = os.fdopen(evt_r, "rb", buffering=0)
pending, next_id, session = b"", 0, None


def read_message(deadline):
    global pending
    while b"\0" not in pending:
        if time.time() > deadline:
            raise TimeoutError("no message from the browser")
        chunk = from_browser.read(65536)
        if not chunk:
            raise EOFError("the browser went away")
        pending += chunk
    msg, _, pending = pending.partition(b"\0")
    return json.loads(msg)


def send(method, timeout=30, **params):
    global next_id
    next_id += 1
    msg = {"id": next_id, "method": method, "params": params}
    if session and not method.startswith("Target."):
        msg["sessionId"] = session
    to_browser.write(json.dumps(msg).encode() + b"\0")
    deadline = time.time() + timeout
    while True:
        m = read_message(deadline)
        if m.get("id") == next_id:
            if "error" in m:
                raise RuntimeError("%s: %s" % (method, m["error"]))
            return m["result"]


def js(expr):
    r = send("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
    if "exceptionDetails" in r:
        raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
    return r["result"].get("value")


def wait_for(expr, what, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        if js(expr):
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s; the page says: %r" % (
        what, js("document.querySelector('.wrap').innerText.slice(0, 600)")))


def screenshot(name):
    data = base64.b64decode(send("Page.captureScreenshot", format="png")["data"])
    with open(os.path.join(artifacts, name), "wb") as f:
        f.write(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000, name


def navigate(url):
    send("Page.navigate", url=url)
    wait_for("document.readyState === 'complete' && !!document.getElementById('q')", "load " + url)


def marks():
    return js("Array.from(document.querySelectorAll('#hits mark')).map(m => m.textContent)")


try:
    target = send("Target.createTarget", url="about:blank")["targetId"]
    session = send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    send("Page.enable")
    send("Emulation.setDeviceMetricsOverride", width=1100, height=1000, deviceScaleFactor=1,
         mobile=False)

    # --- typing: results appear while typing, the address bar follows ----------
    navigate(base + "/")
    assert js("document.activeElement.id") == "q", "the box has no focus"
    assert js("!document.getElementById('empty').hidden"), "no help before typing"
    for ch in "sever relations":
        send("Input.insertText", text=ch)
        time.sleep(0.03)
    wait_for("document.querySelector('#status b') && "
             "document.querySelector('#status b').textContent === '4 results'", "4 results")
    titles = js("Array.from(document.querySelectorAll('#hits h2')).map(h => h.textContent)")
    assert len(titles) == 4, titles
    m = marks()
    assert len(m) >= 8 and all(re.fullmatch(r"(?i)(sever|relation)\w*", w) for w in m), m
    status = js("document.getElementById('status').textContent")
    assert "(AND sever relat)" in status and ("µs" in status or "ms" in status), status
    assert js("location.search") == "?q=sever+relations", js("location.search")
    # debounced: far fewer searches than the 15 keystrokes
    searches = [l for l in open(server_log) if " GET /search?" in l]
    assert 1 <= len(searches) <= 4, searches
    assert js("document.getElementById('pager').hidden"), "a pager for one page"
    screenshot("serve.png")

    # --- a document opens under its hit ----------------------------------------
    js("document.querySelector('#hits h2 a').click()")
    wait_for("document.querySelector('.full') && "
             "document.querySelector('.full').textContent.length > 300", "the document text")

    # --- either word, then paging -----------------------------------------------
    js("document.getElementById('q').value = ''; document.getElementById('q').focus()")
    send("Input.insertText", text="relations")
    wait_for("/^1[2-7] results$/.test((document.querySelector('#status b') || {}).textContent)",
             "the notes and the seeds")
    total = int(js("document.querySelector('#status b').textContent").split()[0])
    assert js("!document.getElementById('pager').hidden"), "no pager for %d results" % total
    assert js("document.getElementById('page').textContent") == "Page 1 of 2"
    js("document.getElementById('next').click()")
    wait_for("document.getElementById('page').textContent === 'Page 2 of 2'", "page 2")
    wait_for("document.querySelectorAll('#hits li.hit').length === %d" % (total - 10),
             "the rest on page 2")
    assert js("document.getElementById('next').disabled")
    assert "page=2" in js("location.search")

    # --- /?q= loads directly, any=1 ticks the box --------------------------------
    navigate(base + "/?q=sever+relations&any=1")
    wait_for("/^(about )?17 results$/.test((document.querySelector('#status b') || {}).textContent)",
             "any=1")
    assert js("document.getElementById('any').checked")
    assert js("document.getElementById('q').value") == "sever relations"

    # --- a query error at its position (byte 15 is character 14) ----------------
    navigate(base + "/?q=r%C3%A9lations+AND+(sever")
    wait_for("!document.getElementById('error').hidden", "the error box")
    err = js("document.getElementById('error').textContent")
    assert "unbalanced" in err, err
    assert js("document.querySelector('#error .at').textContent") == "("
    assert js("document.querySelector('#error pre').textContent") == "rélations AND (sever"
    assert js("document.querySelectorAll('#hits li').length") == 0

    # --- dark mode ------------------------------------------------------------------
    send("Emulation.setEmulatedMedia",
         features=[{"name": "prefers-color-scheme", "value": "dark"}])
    navigate(base + "/?q=%22diplomatic+ties%22")
    wait_for("document.querySelectorAll('#hits mark').length > 0", "phrase hits")
    bg = js("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(20, 20, 22)", bg
    m = marks()
    assert all(re.fullmatch(r"(?i)diplomatic\s+ties", w) for w in m), m
    screenshot("serve-dark.png")
    print("browser session ok")
finally:
    try:
        send("Browser.close", timeout=5)
    except Exception:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
EOF
echo "screenshots: $artifacts/serve.png $artifacts/serve-dark.png"
stop_server
echo "T650 ok"
