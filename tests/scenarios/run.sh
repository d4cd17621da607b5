#!/usr/bin/env bash
# `cargo xtask test --only scenarios`: runs every scenario of tests/scenarios/ with each
# language's runner against one emulator (reset between scenarios), then asserts the
# normalized transcripts are identical (compare.sh). Runs after the binding steps and
# reuses what they built (the Python venv, the Node addon); builds them the same way when
# missing. A language whose toolchain is absent is skipped with a note, except Rust, Python
# and Swift, which must run (Swift: the pinned toolchain is provisioned if `swift` is not on
# PATH; only KONTEXT_SKIP_SWIFT=1 skips it).
#
# Usage: run.sh [NAME...]   NAMEs (file names without .json, e.g. pagination_resume) run
# only those scenarios, in every language (`cargo xtask test --only scenarios -- NAME`).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo="${CARGO:-cargo}"
# The scenarios to run: all of tests/scenarios, or a copy of the ones named (checked first).
for name in "$@"; do
    [ -f "tests/scenarios/${name%.json}.json" ] || {
        echo "run.sh: no scenario ${name%.json}; the scenarios are:" $(cd tests/scenarios && ls *.json | sed 's/\.json$//') >&2
        exit 2
    }
done
out="$target/scenarios"
rm -rf "$out"
mkdir -p "$out"
scenarios="$root/tests/scenarios"
if [ $# -gt 0 ]; then
    scenarios="$out/selected"
    mkdir -p "$scenarios"
    for name in "$@"; do cp "tests/scenarios/${name%.json}.json" "$scenarios/"; done
    export KONTEXT_SCENARIO_DIR="$scenarios"
fi
unset KONTEXT_BASE_URL KONTEXT_CLIENT_ID KONTEXT_CLIENT_SECRET KONTEXT_TOKEN

echo "==> building the emulator (debug)"
"$cargo" build --quiet -p kontext-mgmt-emulator --bin kontext-emulator
source tests/support/servers.sh
start_server url "$out/emulator.out" "$target/debug/kontext-emulator" --port 0 --rate-limit 0 || exit 1
echo "emulator at $url"
required=(python)

echo "==> rust"
KONTEXT_EMULATOR_URL="$url" KONTEXT_SCENARIO_OUT="$out/rust.txt" \
    "$cargo" test --quiet -p kontext-mgmt --test scenarios

echo "==> python"
venv="$target/python-venv"
if ! "$venv/bin/python" -c "import kontext_mgmt" 2>/dev/null; then
    [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r bindings/python/requirements-dev.txt
    VIRTUAL_ENV="$venv" "$venv/bin/maturin" develop --quiet --manifest-path bindings/python/Cargo.toml
fi
"$venv/bin/python" tests/runners/python_runner.py --url "$url" --out "$out/python.txt" --scenarios "$scenarios"

if [ -f bindings/node/test.sh ] && [ -f tests/runners/node_runner.mjs ] && command -v node >/dev/null; then
    echo "==> node"
    if ! ls bindings/node/kontext-mgmt.*.node >/dev/null 2>&1; then
        (cd bindings/node && npm ci --no-audit --no-fund --loglevel=error)
        "$cargo" build --quiet -p kontext-mgmt-node
        platform="$(cd bindings/node && node -p "require('./lib/native.js').platformNames()[0]")"
        cp "$target/debug/libkontext_mgmt_node.so" "bindings/node/kontext-mgmt.$platform.node"
    fi
    node tests/runners/node_runner.mjs --url "$url" --out "$out/node.txt" --scenarios "$scenarios"
    required+=(node)
else
    echo "==> node: skipped (no node, binding or runner)"
fi

if [ -f tests/runners/kotlin_runner.sh ] && command -v java >/dev/null; then
    echo "==> kotlin"
    bash tests/runners/kotlin_runner.sh --url "$url" --out "$out/kotlin.txt"
    required+=(kotlin)
else
    echo "==> kotlin: skipped (no java or runner)"
fi

ROOT="$root"
source bindings/uniffi/scripts/swift_env.sh
if [ "$SWIFT_SKIP" = 1 ]; then
    echo "==> swift: SKIPPED (asked: KONTEXT_SKIP_SWIFT=1)"
else
    echo "==> swift"
    swift_started=$SECONDS
    bash tests/runners/swift/run.sh --url "$url" --out "$out/swift.txt" --scenarios "$scenarios"
    swift_time scenarios $((SECONDS - swift_started))
    required+=(swift)
fi

bash tests/scenarios/compare.sh "$out" "${required[@]}"
if [ "$SWIFT_SKIP" = 0 ]; then
    # Every scenario must have run in Swift, not only matched what ran.
    total=$(ls "$scenarios"/*.json | wc -l)
    ran=$(cut -f1 "$out/swift.txt" | sort -u | wc -l)
    [ "$ran" = "$total" ] || { echo "scenarios: swift ran $ran of the $total scenarios" >&2; exit 1; }
    swift_report scenarios "$ran ($(wc -l <"$out/swift.txt") steps)"
fi
