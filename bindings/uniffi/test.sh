#!/usr/bin/env bash
# Kotlin and Swift bindings (uniffi): build, generate, test against a real emulator.
#
#  1. cargo builds the binding (debug), uniffi-bindgen and the emulator;
#  2. stage.sh runs uniffi-bindgen and stages the Kotlin sources, the native library and
#     the Swift package under target/uniffi-binding;
#  3. Maven (downloads what it needs from Maven Central) compiles the Kotlin binding and
#     runs the JUnit suite against the emulator;
#  4. Swift: `swift test` when a toolchain is on PATH; otherwise the fallback checks
#     (tree-sitter-swift parse of every Swift file, the Swift scenario runner included,
#     C-header symbols against the library);
# (The API-change drill, tests/drill/drill.py, regenerates and rebuilds this binding from a
# changed spec; `cargo xtask test` runs it.)
# Exits non-zero on any failure, including no test run.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$TARGET/uniffi-binding
MVN=(mvn -B -q -ntp -Dstyle.color=never -f "$HERE/kotlin/pom.xml" "-Duniffi.work.dir=$WORK")
mkdir -p "$WORK"
step() { echo "--- uniffi: $*" >&2; }
# Maven 3.8 prints bare colour resets even in batch mode: drop them.
mvn_() { "${MVN[@]}" "$@" 2>&1 | sed 's/\x1b\[0m//g'; }

step "build (debug): binding, uniffi-bindgen, emulator"
cargo build --quiet -p kontext-mgmt-uniffi -p kontext-mgmt-uniffi-bindgen -p kontext-mgmt-emulator -p kontext-mgmt-hostile
LIB=$TARGET/debug/libkontext_mgmt_uniffi.so
BINDGEN=$TARGET/debug/uniffi-bindgen
"$HERE/stage.sh" "$BINDGEN" "$LIB" "$WORK"

step "emulator"
"$TARGET/debug/kontext-emulator" --port 0 --rate-limit 0 >"$WORK/emulator.out" 2>"$WORK/emulator.err" &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" 2>/dev/null || true' EXIT
URL=
for _ in $(seq 200); do
    line=$(head -n 1 "$WORK/emulator.out" 2>/dev/null || true)
    if [[ $line == "listening on "* ]]; then URL=${line#listening on }; break; fi
    kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$WORK/emulator.err" >&2; exit 1; }
    sleep 0.05
done
[[ -n $URL ]] || { echo "the emulator did not start" >&2; exit 1; }
export KONTEXT_EMULATOR_URL=$URL

step "hostile server"
"$TARGET/debug/kontext-hostile" >"$WORK/hostile.out" &
HOSTILE_PID=$!
trap 'kill "$EMULATOR_PID" "$HOSTILE_PID" 2>/dev/null || true' EXIT
for _ in $(seq 200); do
    line=$(head -n 1 "$WORK/hostile.out" 2>/dev/null || true)
    if [[ $line == "listening on "* ]]; then export KONTEXT_HOSTILE_URL=${line#listening on }; break; fi
    sleep 0.05
done
[[ -n ${KONTEXT_HOSTILE_URL:-} ]] || { echo "the hostile server did not start" >&2; exit 1; }

step "Kotlin: mvn test (JUnit 5) against $URL"
rm -rf "$WORK/maven/surefire-reports"
kotlin_status=0
mvn_ test || kotlin_status=$?
python3 "$HERE/scripts/junit_summary.py" "$WORK/maven/surefire-reports" || kotlin_status=1

step "Swift"
swift_status=0
SWIFT_PKG=$WORK/swift/KontextMgmt
if command -v swift >/dev/null 2>&1; then
    swift test --package-path "$SWIFT_PKG" || swift_status=$?
else
    echo "swift: no Swift toolchain on PATH, so the XCTest suite is not run; running the fallback checks (tree-sitter-swift parse, header symbols vs nm) instead"
    bash "$HERE/scripts/swift_check.sh" "$SWIFT_PKG" "$ROOT/tests/runners/swift" || swift_status=$?
fi

echo "uniffi: kotlin exit $kotlin_status, swift exit $swift_status"
[[ $kotlin_status == 0 && $swift_status == 0 ]]
