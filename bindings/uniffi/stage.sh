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

# The Swift package is assembled in OUT/swift.new and copied over OUT/swift by content:
# unchanged files keep their mtime, so the SwiftPM build directories there (this package's,
# which the scenario runner shares, and those of packages put beside it) recompile only what
# changed instead of everything (about 40 s per package on a small machine).
sync_tree() {
    local src=$1 dst=$2 rel
    mkdir -p "$dst"
    while IFS= read -r rel; do
        mkdir -p "$dst/$(dirname "$rel")"
        cmp -s "$src/$rel" "$dst/$rel" || cp "$src/$rel" "$dst/$rel"
    done < <(cd "$src" && find . -type f)
    while IFS= read -r rel; do
        [[ -e $src/$rel ]] || rm -f "$dst/$rel"
    done < <(cd "$dst" && find . -name .build -prune -o -type f -print)
}
rm -rf "$OUT/gen" "$OUT/kotlin-generated" "$OUT/native" "$OUT/kotlin-src" "$OUT/swift.new"
mkdir -p "$OUT/gen" "$OUT/kotlin-generated" "$OUT/native/linux-x86-64" "$OUT/kotlin-src"
# Library mode reads the crate's uniffi.toml through cargo metadata: run from the workspace.
(cd "$ROOT" && "$BINDGEN" generate --library "$LIB" --language kotlin --language swift --no-format --out-dir "$OUT/gen" >/dev/null)

cp -r "$OUT/gen/dev" "$OUT/kotlin-generated/"
cp "$LIB" "$OUT/native/linux-x86-64/$LIBNAME"
cp "$HERE/kotlin/src/main/kotlin/dev/kontext/mgmt/Support.kt" "$OUT/kotlin-src/"
cp "$LAYER_ROOT/bindings/uniffi/kotlin/src/main/kotlin/dev/kontext/mgmt/Generated.kt" "$OUT/kotlin-src/"

PKG=$OUT/swift.new/KontextMgmt
mkdir -p "$PKG"
cp -r "$HERE/swift/Package.swift" "$HERE/swift/Sources" "$HERE/swift/Tests" "$PKG/"
cp "$LAYER_ROOT/bindings/uniffi/swift/Sources/KontextMgmt/Generated.swift" "$PKG/Sources/KontextMgmt/"
cp "$OUT/gen/KontextMgmt.swift" "$PKG/Sources/KontextMgmt/KontextMgmt.swift"
mkdir -p "$PKG/Sources/KontextMgmtFFI/include" "$PKG/lib" "$PKG/xcode"
cp "$OUT/gen/KontextMgmtFFI.h" "$PKG/Sources/KontextMgmtFFI/include/"
# uniffi's module map is for Xcode projects; SwiftPM derives its own from include/.
cp "$OUT/gen/KontextMgmtFFI.modulemap" "$PKG/xcode/"
cp "$LIB" "$PKG/lib/$LIBNAME"
sync_tree "$PKG" "$OUT/swift/KontextMgmt"
rm -rf "$OUT/swift.new"
