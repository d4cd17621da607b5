#!/usr/bin/env bash
# The Node binding's tests, from a fresh machine: npm packages (package-lock.json), a debug
# build of the addon and of the emulator, then every node:test suite (each starts its own
# emulator on a free loopback port). Fails on any failure and when no test ran.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

command -v node >/dev/null || { echo "node is required (20+)" >&2; exit 1; }
echo "==> npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "==> cargo build (debug): addon (with its test hooks) + emulator"
(cd "$root" && cargo build -p kontext-mgmt-node --features kontext-mgmt-node/test-hooks -p kontext-mgmt-emulator -p kontext-mgmt-hostile)
target="${CARGO_TARGET_DIR:-$root/target}"
case "$(uname -s)" in
  Darwin) lib=libkontext_mgmt_node.dylib ;;
  MINGW*|MSYS*|CYGWIN*) lib=kontext_mgmt_node.dll ;;
  *) lib=libkontext_mgmt_node.so ;;
esac
platform="$(node -p "require('./lib/native.js').platformNames()[0]")"
rm -f kontext-mgmt.*.node
cp "$target/debug/$lib" "kontext-mgmt.$platform.node"
export KONTEXT_EMULATOR_BIN="$target/debug/kontext-emulator"
export KONTEXT_HOSTILE_BIN="$target/debug/kontext-hostile"
unset KONTEXT_MGMT_NATIVE KONTEXT_BASE_URL KONTEXT_CLIENT_ID KONTEXT_CLIENT_SECRET KONTEXT_TOKEN

echo "==> node --test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# Arguments (test files, --test-name-pattern=…) go to node's test runner; default: every test.
if [ $# -gt 0 ]; then args=("$@"); else args=(test/*.test.mjs test/*.test.cjs test/kit/*.test.mjs); fi
RUST_BACKTRACE=0 node --test --test-concurrency=2 --test-timeout=300000 --test-reporter=spec \
  "${args[@]}" 2>&1 | tee "$log" || status=$?
tests="$(sed -n 's/^ℹ tests \([0-9]*\)$/\1/p' "$log" | tail -1)"
failed="$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$log" | tail -1)"
if [ -z "$tests" ] || [ "$tests" = 0 ]; then
  echo "node tests: no test ran" >&2
  exit 1
fi
if [ "$status" != 0 ] || [ "${failed:-1}" != 0 ]; then
  echo "node tests: ${failed:-?} of $tests failed" >&2
  exit 1
fi
echo "node: $tests passed, 0 failed"
