#!/usr/bin/env bash
# Conformance runner for the Kotlin binding (tests/scenarios/README.md).
# Usage: kotlin_runner.sh --url http://127.0.0.1:PORT --out target/scenarios/kotlin.txt
#        (the scenarios of $KONTEXT_SCENARIO_DIR when set, else all of tests/scenarios)
# Builds the uniffi binding (debug), stages it (bindings/uniffi/stage.sh) and runs
# bindings/uniffi/kotlin/src/test/kotlin/dev/kontext/mgmt/ScenarioRunner.kt through Maven.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
url= out=
while [[ $# -gt 0 ]]; do
    case $1 in
        --url) url=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "kotlin_runner.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $url && -n $out ]] || { echo "usage: kotlin_runner.sh --url URL --out FILE" >&2; exit 2; }
[[ $out == /* ]] || out=$ROOT/$out
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$TARGET/uniffi-binding
cargo="${CARGO:-cargo}"
"$cargo" build --quiet -p kontext-mgmt-uniffi -p kontext-mgmt-uniffi-bindgen
bash bindings/uniffi/stage.sh "$TARGET/debug/uniffi-bindgen" "$TARGET/debug/libkontext_mgmt_uniffi.so" "$WORK"
rm -f "$out"
KONTEXT_EMULATOR_URL=$url KONTEXT_SCENARIO_OUT=$out \
    mvn -B -q -ntp -Dstyle.color=never -f bindings/uniffi/kotlin/pom.xml "-Duniffi.work.dir=$WORK" \
    -Dtest=ScenarioRunner -Dsurefire.failIfNoSpecifiedTests=false test 2>&1 | sed 's/\x1b\[0m//g'
[[ ${PIPESTATUS[0]} == 0 ]]
