# Sourced by the test scripts (bash): start the workspace's test servers (`kontext-emulator`,
# `kontext-hostile`), which print `listening on http://HOST:PORT` as their first line.
#
#   start_server VAR OUT BIN [ARGS...]
#
# runs BIN in the background with its stdout in OUT and its stderr in OUT.err, waits (10 s
# at most) for that first line and sets VAR to the URL; fails, showing the server's stderr,
# when the server exits or stays silent. Every server started is stopped when the script
# exits (a trap on EXIT; a script that sets its own EXIT trap calls stop_servers in it).
# The other test supports: tests/support/servers.py (Python), bindings/node/test/helpers.mjs
# (Node), xtask/src/smoke.rs (xtask). Kotlin and Swift tests get the URL in
# $KONTEXT_EMULATOR_URL.
SERVER_PIDS=()

stop_servers() {
    local pid
    for pid in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PIDS=()
}
trap stop_servers EXIT

start_server() {
    local var=$1 out=$2 bin=$3
    shift 3
    "$bin" "$@" >"$out" 2>"$out.err" &
    local pid=$! line= _
    SERVER_PIDS+=("$pid")
    for _ in $(seq 200); do
        line=$(head -n 1 "$out" 2>/dev/null || true)
        if [[ $line == "listening on "* ]]; then
            printf -v "$var" '%s' "${line#listening on }"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "$(basename "$bin") did not start${line:+ (first line: $line)}; its stderr:" >&2
    cat "$out.err" >&2
    return 1
}
