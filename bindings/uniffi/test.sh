#!/usr/bin/env bash
# Kotlin and Swift bindings (uniffi): build, generate, test against a real emulator.
#
#  1. cargo builds the binding (debug), uniffi-bindgen and the emulator;
#  2. stage.sh runs uniffi-bindgen and stages the Kotlin sources, the native library and
#     the Swift package under target/uniffi-binding;
#  3. Maven (downloads what it needs from Maven Central) compiles the Kotlin binding and
#     runs the JUnit suite against the emulator;
#  4. Swift: first the fast checks that need no toolchain (tree-sitter-swift parse of every
#     Swift file, the Swift scenario runner included; C-header symbols against the library);
#     then `swift build` and `swift test` (XCTest) against the emulator, with the `swift` on
#     PATH or else the pinned toolchain (`cargo xtask swift-toolchain`); at least
#     $MIN_XCTESTS XCTests must pass. Only KONTEXT_SKIP_SWIFT=1 skips compiling (said so);
#  5. Swift: a copy of the package with one generated signature broken must not compile
#     (the Swift step can fail when the generated Swift is wrong).
# (The API-change drill, tests/drill/drill.py, regenerates and rebuilds this binding from a
# changed spec; `cargo xtask test` runs it.)
# Exits non-zero on any failure, including no test run.
#
# Usage: test.sh                         both languages, every test
#        test.sh kotlin [MAVEN ARGS...]   Kotlin only, e.g. -Dtest=ErrorsTest or -Dtest='ErrorsTest#*kind*'
#        test.sh swift [SWIFT TEST ARGS...]  Swift only, e.g. --filter ErrorTests
# (`cargo xtask test --only uniffi -- kotlin -Dtest=ErrorsTest`). With arguments, Swift's
# minimum test count becomes one and the broken-signature check is left out.
set -euo pipefail
only=${1:-}
case $only in
    "") ;;
    kotlin | swift) shift ;;
    *) echo "test.sh: the first argument is kotlin or swift (then that runner's arguments), not $only" >&2; exit 2 ;;
esac
runner_args=("$@")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$TARGET/uniffi-binding
MVN=(mvn -B -q -ntp -Dstyle.color=never -f "$HERE/kotlin/pom.xml" "-Duniffi.work.dir=$WORK")
mkdir -p "$WORK"
# The XCTest methods in swift/Tests: fewer passing means some did not run.
MIN_XCTESTS=29
source "$HERE/scripts/swift_env.sh"
step() { echo "--- uniffi: $*" >&2; }
# Maven 3.8 prints bare colour resets even in batch mode: drop them.
mvn_() { "${MVN[@]}" "$@" 2>&1 | sed 's/\x1b\[0m//g'; }

step "build (debug): binding, uniffi-bindgen, emulator"
cargo build --quiet -p kontext-mgmt-uniffi -p kontext-mgmt-uniffi-bindgen -p kontext-mgmt-emulator -p kontext-mgmt-hostile
LIB=$TARGET/debug/libkontext_mgmt_uniffi.so
BINDGEN=$TARGET/debug/uniffi-bindgen
"$HERE/stage.sh" "$BINDGEN" "$LIB" "$WORK"

step "emulator and hostile server"
source "$ROOT/tests/support/servers.sh"
start_server URL "$WORK/emulator.out" "$TARGET/debug/kontext-emulator" --port 0 --rate-limit 0 || exit 1
start_server KONTEXT_HOSTILE_URL "$WORK/hostile.out" "$TARGET/debug/kontext-hostile" || exit 1
export KONTEXT_EMULATOR_URL=$URL KONTEXT_HOSTILE_URL

kotlin_status=0
if [[ $only != swift ]]; then
    step "Kotlin: mvn test (JUnit 5) against $URL"
    rm -rf "$WORK/maven/surefire-reports"
    mvn_ test ${runner_args[@]+"${runner_args[@]}"} || kotlin_status=$?
    python3 "$HERE/scripts/junit_summary.py" "$WORK/maven/surefire-reports" || kotlin_status=1
fi
if [[ $only == kotlin ]]; then
    echo "uniffi: kotlin exit $kotlin_status (Swift not asked for)"
    exit "$kotlin_status"
fi
if ((${#runner_args[@]})); then MIN_XCTESTS=1; fi

step "Swift: fast checks (tree-sitter-swift parse, header symbols vs nm)"
swift_status=0
swift_all_started=$SECONDS
SWIFT_PKG=$WORK/swift/KontextMgmt
bash "$HERE/scripts/swift_check.sh" "$SWIFT_PKG" "$ROOT/tests/runners/swift" || swift_status=$?
if [[ $SWIFT_SKIP == 1 ]]; then
    echo "swift: SKIPPED (asked: KONTEXT_SKIP_SWIFT=1): the package is neither compiled nor tested"
elif [[ $swift_status == 0 ]]; then
    step "Swift: swift test (XCTest) against $URL with $(swift --version 2>&1 | head -n 1)"
    swift_started=$SECONDS
    swift test --package-path "$SWIFT_PKG" ${runner_args[@]+"${runner_args[@]}"} 2>&1 | tee "$WORK/swift-test.log" || swift_status=$?
    # XCTest's last summary line: "Executed N tests, with M failures (U unexpected) in …".
    summary=$(grep -E '^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?' "$WORK/swift-test.log" | tail -n 1 || true)
    executed=$(sed -E 's/^[[:space:]]*Executed ([0-9]+) .*/\1/' <<<"$summary")
    failed=$(sed -E 's/.* with ([0-9]+) failures?.*/\1/' <<<"$summary")
    passed=$((${executed:-0} - ${failed:-0}))
    if [[ -z $summary ]]; then
        echo "swift: no XCTest summary in the output (build failed?): no test ran" >&2
        swift_status=1
    elif ((failed > 0 || passed < MIN_XCTESTS)); then
        echo "swift: $passed XCTests passed, $failed failed; at least $MIN_XCTESTS must pass" >&2
        swift_status=1
    else
        echo "swift: $passed XCTests passed in $((SECONDS - swift_started)) s"
    fi
    [[ $swift_status != 0 ]] || swift_report xctest "$passed"

    if ((${#runner_args[@]} == 0)); then
        step "Swift: a broken generated signature must fail to compile"
        bash "$HERE/scripts/swift_mutant.sh" "$SWIFT_PKG" || swift_status=1
    fi
fi
swift_time uniffi $((SECONDS - swift_all_started))

echo "uniffi: kotlin exit $kotlin_status, swift exit $swift_status"
[[ $kotlin_status == 0 && $swift_status == 0 ]]
