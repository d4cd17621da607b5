#!/usr/bin/env bash
# Kotlin and Swift bindings (uniffi): build, generate, test against a real emulator.
#
#  1. cargo builds the binding (debug), uniffi-bindgen and the emulator;
#  2. stage.sh runs uniffi-bindgen and stages the Kotlin sources, the native library and
#     the Swift package under target/uniffi-binding;
#  3. Maven (downloads what it needs from Maven Central) compiles the Kotlin binding and
#     runs the JUnit suite against the emulator;
#  4. Swift: `swift test` when a toolchain is on PATH; otherwise the fallback checks
#     (tree-sitter-swift parse of every Swift file, C-header symbols against the library);
#  5. round trip: a copy of the spec with a new namespace, operations and schemas goes
#     through `cargo xtask regen --out` and a `KONTEXT_SPEC` build; the new method and
#     Record must appear in the compiled Kotlin and the parsed Swift.
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
cargo build --quiet -p kontext-mgmt-uniffi -p kontext-mgmt-uniffi-bindgen -p kontext-mgmt-emulator
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

step "Kotlin: mvn test (JUnit 5) against $URL"
rm -rf "$WORK/maven/surefire-reports"
kotlin_status=0
mvn_ test || kotlin_status=$?
python3 "$HERE/scripts/junit_summary.py" "$WORK/maven/surefire-reports" || kotlin_status=1

step "Swift"
venv_python() {
    if [[ ! -x $WORK/venv/bin/python ]] || ! "$WORK/venv/bin/python" -c "import tree_sitter, tree_sitter_swift" 2>/dev/null; then
        rm -rf "$WORK/venv"
        python3 -m venv "$WORK/venv"
        "$WORK/venv/bin/pip" install -q --disable-pip-version-check tree-sitter==0.25.2 tree-sitter-swift==0.7.4
    fi
    echo "$WORK/venv/bin/python"
}
swift_check() { # DIR: a staged Swift package
    "$(venv_python)" "$HERE/scripts/swift_check.py" --lib "$1/lib/libkontext_mgmt_uniffi.so" \
        --header "$1/Sources/KontextMgmtFFI/include/KontextMgmtFFI.h" "$1"
}
swift_status=0
SWIFT_PKG=$WORK/swift/KontextMgmt
if command -v swift >/dev/null 2>&1; then
    swift test --package-path "$SWIFT_PKG" || swift_status=$?
else
    echo "swift: no Swift toolchain on PATH, so the XCTest suite is not run; running the fallback checks (tree-sitter-swift parse, header symbols vs nm) instead"
    swift_check "$SWIFT_PKG" || swift_status=$?
fi

step "round trip: a new operation and schema in a copy of the spec"
RT=$WORK/roundtrip
rm -rf "$RT" && mkdir -p "$RT"
python3 "$HERE/scripts/roundtrip_spec.py" "$ROOT/openapi/kontext-management.yaml" "$RT/spec.yaml"
cargo xtask regen --spec "$RT/spec.yaml" --out "$RT/tree" >"$RT/regen.log" 2>&1 || { cat "$RT/regen.log" >&2; exit 1; }
KONTEXT_SPEC=$RT/spec.yaml cargo build --quiet -p kontext-mgmt-uniffi
cp "$LIB" "$RT/libkontext_mgmt_uniffi.so"
"$HERE/stage.sh" "$BINDGEN" "$RT/libkontext_mgmt_uniffi.so" "$RT/stage" "$RT/tree"
rt_status=0
expect() { # FILE PATTERN WHAT
    if grep -Eq -- "$2" "$1"; then echo "round trip: $3"; else echo "round trip: MISSING $3 in $1" >&2; rt_status=1; fi
}
KT=$RT/stage/kotlin-generated/dev/kontext/mgmt/kontext_mgmt.kt
expect "$KT" 'suspend fun `frobnicate`\(`id`: kotlin.String, `body`: FrobnicateInput\): Widget' "Kotlin method widgets.frobnicate"
expect "$KT" '^data class Widget \(' "Kotlin Record Widget"
expect "$RT/stage/kotlin-src/Generated.kt" 'val KontextManagementClient.widgets: Widgets' "Kotlin namespace property"
expect "$RT/stage/kotlin-src/Generated.kt" 'fun Widgets.listAll\(' "Kotlin Flow listAll"
mvn_ compile "-Duniffi.work.dir=$RT/stage" "-Dmain.kotlin.dir=$RT/stage/kotlin-src" || rt_status=1
for class in Widget Widgets WidgetKind WidgetList FrobnicateInput; do
    [[ -f $RT/stage/maven/classes/dev/kontext/mgmt/$class.class ]] || { echo "round trip: $class.class not compiled" >&2; rt_status=1; }
done
SW=$RT/stage/swift/KontextMgmt/Sources/KontextMgmt
expect "$SW/KontextMgmt.swift" 'func frobnicate\(id: String, body: FrobnicateInput\) *async throws *-> *Widget' "Swift method widgets.frobnicate"
expect "$SW/KontextMgmt.swift" 'public struct Widget\b' "Swift Record Widget"
expect "$SW/Generated.swift" 'public var widgets: Widgets' "Swift namespace property"
swift_check "$RT/stage/swift/KontextMgmt" || rt_status=1

echo "uniffi: kotlin exit $kotlin_status, swift exit $swift_status, round trip exit $rt_status"
[[ $kotlin_status == 0 && $swift_status == 0 && $rt_status == 0 ]]
