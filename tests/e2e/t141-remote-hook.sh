# t141-remote-hook.sh — sourced by T140-fields-query.sh for T141 (T140_HOOK):
# every shard of $tmp/reuters and $tmp/bbc is served by xapian-tcpsrv on
# 127.0.0.1, and each index's stub (XAPIANDB) is rewritten to name the
# servers, so every search of T140 goes through remote shards. Servers are
# stopped when the test ends (e2e_on_exit). Without xapian-tcpsrv: said, and
# the shards are searched locally.
if ! command -v xapian-tcpsrv >/dev/null; then
    echo "T141: xapian-tcpsrv not installed, remote shards not tested"
    return 0
fi
hook_servers=()
hook_stop() {
    local pid
    for pid in "${hook_servers[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    sleep 0.2
    for pid in "${hook_servers[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
e2e_on_exit+=(hook_stop)
hook_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
hook_listening() {
    python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()' "$1" 2>/dev/null
}
hook_serve() { # hook_serve DIR: prints the port of a new xapian-tcpsrv serving DIR
    local dir=$1 port pid tries waited
    for tries in 1 2 3 4 5 6 7 8; do
        port=$(hook_port)
        setsid xapian-tcpsrv --interface 127.0.0.1 --port "$port" --quiet "$dir" \
            >"$tmp/srv.$port.log" 2>&1 </dev/null &
        pid=$!
        hook_servers+=("$pid")
        for waited in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break # the port was taken: another one
            if hook_listening "$port"; then
                hook_last=$port
                return 0
            fi
            sleep 0.1
        done
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    fail "xapian-tcpsrv could not serve $dir"
}
for hook_idx in reuters bbc; do
    : >"$tmp/$hook_idx.remote"
    for hook_shard in "$tmp/$hook_idx"/shard-*; do
        hook_serve "$hook_shard"
        echo "remote 127.0.0.1:$hook_last" >>"$tmp/$hook_idx.remote"
    done
    mv "$tmp/$hook_idx.remote" "$tmp/$hook_idx/XAPIANDB"
done
echo "T141: searching $(cat "$tmp"/reuters/XAPIANDB | wc -l) remote shards of Reuters"
