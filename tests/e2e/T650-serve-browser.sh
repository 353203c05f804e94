#!/usr/bin/env bash
# T650-serve-browser: the search page in headless Chromium, driven through
# Chromium's own DevTools protocol over a pipe (--remote-debugging-pipe; no
# extra packages, one browser start). A person's session: type a query into
# the box and see the highlighted hits appear as they type (highlights are
# byte offsets: the marked text must be the query words), open a document,
# ask why a hit ranks where it does (its score in parts, which add up),
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

NS_E2E_DIR=$(dirname "${BASH_SOURCE[0]}") PYTHONDONTWRITEBYTECODE=1 \
    "$py" - "$chromium" "$base" "$artifacts" "$tmp" "$srv_log" <<'EOF' || fail "browser session"
import os, re, sys, time

sys.path.insert(0, os.environ["NS_E2E_DIR"])
import cdp

chromium, base, artifacts, tmp, server_log = sys.argv[1:6]
b = cdp.Browser(chromium, tmp)
send, js, wait_for, navigate = b.send, b.js, b.wait_for, b.navigate


def screenshot(name):
    b.screenshot(os.path.join(artifacts, name))


def marks():
    return js("Array.from(document.querySelectorAll('#hits mark')).map(m => m.textContent)")


try:
    b.open_page(width=1100, height=1000)

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

    # --- why this rank: the hit's score in parts, fetched only when asked -------
    before = sum(" GET /search?" in l and "explain=1" in l for l in open(server_log))
    assert before == 0, "explained before anyone asked"
    js("document.querySelectorAll('#hits button.why')[1].click()")
    wait_for("!!document.querySelector('#hits li.hit:nth-child(2) table.explain tr.total')",
             "the second hit's explanation")
    rows = js("Array.from(document.querySelectorAll('#hits li.hit:nth-child(2) table.explain tr'))"
              ".map(r => [r.cells[0].textContent, r.cells[1].textContent])")
    parts, total = rows[:-1], rows[-1]
    assert total[1] == "score" and len(parts) >= 2, rows
    assert all(w.startswith(("title:", "body:")) for _, w in parts), parts
    assert any(":sever " in w for _, w in parts) and any(":relat " in w for _, w in parts), parts
    shown = sum(float(v) for v, _ in parts)
    assert abs(shown - float(total[0])) <= 1e-4 * len(parts) + 1e-9, (shown, total)
    after = [l for l in open(server_log) if " GET /search?" in l and "explain=1" in l]
    assert len(after) == 1 and "q=sever%20relations" in after[0], after
    js("document.querySelectorAll('#hits button.why')[1].click()")  # closes it
    assert js("document.querySelectorAll('table.explain').length") == 0

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
    b.close()
EOF
echo "screenshots: $artifacts/serve.png $artifacts/serve-dark.png"
stop_server
echo "T650 ok"
