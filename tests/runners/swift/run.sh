#!/usr/bin/env bash
# Conformance runner for the Swift binding (tests/scenarios/README.md). Uses the `swift` on
# PATH, or else the pinned toolchain (`cargo xtask swift-toolchain`).
# Usage: run.sh --url http://127.0.0.1:PORT --out target/scenarios/swift.txt [--scenarios DIR]
# Builds the uniffi binding (debug), stages the Swift package (bindings/uniffi/stage.sh) where
# the uniffi tests staged it, puts this runner package beside it and runs it with `swift run`.
# The runner builds in the package's own SwiftPM build directory (--scratch-path), so the
# KontextMgmt module the XCTests compiled is reused, not compiled a second time.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"
url= out= scenarios=$ROOT/tests/scenarios
while [[ $# -gt 0 ]]; do
    case $1 in
        --url) url=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --scenarios) scenarios=$2; shift 2 ;;
        *) echo "swift/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $url && -n $out ]] || { echo "usage: run.sh --url URL --out FILE" >&2; exit 2; }
source "$ROOT/bindings/uniffi/scripts/swift_env.sh"
[[ $SWIFT_SKIP == 0 ]] || { echo "swift/run.sh: KONTEXT_SKIP_SWIFT=1 asks not to run Swift" >&2; exit 1; }
[[ $out == /* ]] || out=$ROOT/$out
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$TARGET/uniffi-binding
cargo="${CARGO:-cargo}"
"$cargo" build --quiet -p kontext-mgmt-uniffi -p kontext-mgmt-uniffi-bindgen
bash bindings/uniffi/stage.sh "$TARGET/debug/uniffi-bindgen" "$TARGET/debug/libkontext_mgmt_uniffi.so" "$WORK"
RUNNER=$WORK/swift/ScenarioRunner
rm -rf "$RUNNER" && mkdir -p "$RUNNER"
cp -rp "$HERE/Package.swift" "$HERE/Sources" "$RUNNER/"
rm -f "$out"
swift run --package-path "$RUNNER" --scratch-path "$WORK/swift/KontextMgmt/.build" -c debug ScenarioRunner --url "$url" --out "$out" --scenarios "$scenarios"
