#!/usr/bin/env bash
# Stages the Kotlin and Swift packages around a built native library:
#   stage.sh BINDGEN LIB OUT [LAYER_ROOT]
# BINDGEN: the workspace's uniffi-bindgen (same uniffi version as the library);
# LIB: libkontext_mgmt_uniffi.so; OUT: output directory (recreated);
# LAYER_ROOT: where the checked-in layers come from (default: this repository; the round
# trip passes the tree `cargo xtask regen --out` wrote).
# Produces OUT/kotlin-generated (uniffi's Kotlin), OUT/native/linux-x86-64/<lib> (JNA's
# resource path), OUT/kotlin-src (the idiomatic layer: Generated.kt + Support.kt) and
# OUT/swift/KontextMgmt (a complete Swift package: sources, header, lib/).
set -euo pipefail
BINDGEN=$1 LIB=$2 OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAYER_ROOT=${4:-$ROOT}
LIBNAME=libkontext_mgmt_uniffi.so

# The SwiftPM build directories of the packages under OUT/swift (this one and those that
# runners put beside it) survive restaging: a rebuild then recompiles what changed instead
# of starting from nothing (minutes on a small machine).
SWIFT_BUILD_KEEP=$OUT/swift-build.keep
rm -rf "$SWIFT_BUILD_KEEP"
for build in "$OUT"/swift/*/.build; do
    [[ -d $build ]] || continue
    name=$(basename "$(dirname "$build")")
    mkdir -p "$SWIFT_BUILD_KEEP/$name"
    mv "$build" "$SWIFT_BUILD_KEEP/$name/.build"
done
rm -rf "$OUT/gen" "$OUT/kotlin-generated" "$OUT/native" "$OUT/kotlin-src" "$OUT/swift"
mkdir -p "$OUT/gen" "$OUT/kotlin-generated" "$OUT/native/linux-x86-64" "$OUT/kotlin-src"
# Library mode reads the crate's uniffi.toml through cargo metadata: run from the workspace.
(cd "$ROOT" && "$BINDGEN" generate --library "$LIB" --language kotlin --language swift --no-format --out-dir "$OUT/gen" >/dev/null)

cp -r "$OUT/gen/dev" "$OUT/kotlin-generated/"
cp "$LIB" "$OUT/native/linux-x86-64/$LIBNAME"
cp "$HERE/kotlin/src/main/kotlin/dev/kontext/mgmt/Support.kt" "$OUT/kotlin-src/"
cp "$LAYER_ROOT/bindings/uniffi/kotlin/src/main/kotlin/dev/kontext/mgmt/Generated.kt" "$OUT/kotlin-src/"

PKG=$OUT/swift/KontextMgmt
mkdir -p "$PKG"
cp -r "$HERE/swift/Package.swift" "$HERE/swift/Sources" "$HERE/swift/Tests" "$PKG/"
cp "$LAYER_ROOT/bindings/uniffi/swift/Sources/KontextMgmt/Generated.swift" "$PKG/Sources/KontextMgmt/"
cp "$OUT/gen/KontextMgmt.swift" "$PKG/Sources/KontextMgmt/KontextMgmt.swift"
mkdir -p "$PKG/Sources/KontextMgmtFFI/include" "$PKG/lib" "$PKG/xcode"
cp "$OUT/gen/KontextMgmtFFI.h" "$PKG/Sources/KontextMgmtFFI/include/"
# uniffi's module map is for Xcode projects; SwiftPM derives its own from include/.
cp "$OUT/gen/KontextMgmtFFI.modulemap" "$PKG/xcode/"
cp "$LIB" "$PKG/lib/$LIBNAME"
for build in "$SWIFT_BUILD_KEEP"/*/.build; do
    [[ -d $build ]] || continue
    name=$(basename "$(dirname "$build")")
    mkdir -p "$OUT/swift/$name"
    mv "$build" "$OUT/swift/$name/.build"
done
rm -rf "$SWIFT_BUILD_KEEP"
