#!/usr/bin/env bash
# Packages the uniffi binding for `cargo xtask publish`:
#   package.sh DIST_DIR [JNA_DIR=LIB ...]
# DIST_DIR/kontext-mgmt-kotlin-VERSION.jar      Kotlin classes + native libraries
# DIST_DIR/kontext-mgmt-kotlin-VERSION.pom      its Maven coordinates and dependencies
# DIST_DIR/KontextMgmt-swift-VERSION.zip        Swift package: Package.swift, sources, C header,
#                                               module map (xcode/), tests, lib/ (first LIB)
# Without JNA_DIR=LIB pairs: a release build for this machine (linux-x86-64). With them
# (`cargo xtask publish` passes its cross-built libraries, e.g.
# linux-x86-64=/…/libkontext_mgmt_uniffi.so linux-aarch64=/…) each library goes, stripped, into
# the jar under its JNA resource folder (see below for where the bindings come from). Maven
# downloads what it needs.
# macOS and Windows libraries are added to the jar by the release workflow's gathering job.
set -euo pipefail
DIST=$(mkdir -p "$1" && cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
STAGE=$TARGET/uniffi-dist
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)

shift
LIBS=("$@")
if [ ${#LIBS[@]} -eq 0 ]; then
    (cd "$ROOT" && cargo build --release --quiet -p kontext-mgmt-uniffi -p kontext-mgmt-uniffi-bindgen)
    LIBS=("linux-x86-64=$TARGET/release/libkontext_mgmt_uniffi.so")
    GEN_LIB=$TARGET/release/libkontext_mgmt_uniffi.so BINDGEN=$TARGET/release/uniffi-bindgen
else
    # Libraries linked by zig carry no symbol table (its linker strips it with the debug info),
    # so uniffi-bindgen cannot read their UniFFI metadata: the bindings are generated from this
    # machine's debug build of the same sources (the metadata, and so the checksums the library
    # verifies when it loads, are the same). The debug builds are shared with the tests.
    (cd "$ROOT" && cargo build --quiet -p kontext-mgmt-uniffi -p kontext-mgmt-uniffi-bindgen)
    GEN_LIB=$TARGET/debug/libkontext_mgmt_uniffi.so BINDGEN=$TARGET/debug/uniffi-bindgen
fi
"$HERE/stage.sh" "$BINDGEN" "$GEN_LIB" "$STAGE"
# The shipped copies are stripped (symbols and debug info: ~9.4 MB -> ~7 MB for a native
# release build); the bindings were generated above from an unstripped library.
rm -rf "$STAGE/native"
for pair in "${LIBS[@]}"; do
    dir=${pair%%=*} lib=${pair#*=}
    mkdir -p "$STAGE/native/$dir"
    cp "$lib" "$STAGE/native/$dir/libkontext_mgmt_uniffi.so"
    # STRIP: a strip that knows every target's ELF (publish passes llvm-strip for aarch64).
    "${STRIP:-strip}" --strip-unneeded "$STAGE/native/$dir/libkontext_mgmt_uniffi.so"
done
cp "$STAGE/native/${LIBS[0]%%=*}/libkontext_mgmt_uniffi.so" "$STAGE/swift/KontextMgmt/lib/libkontext_mgmt_uniffi.so"
mvn -B -q -ntp -Dstyle.color=never -f "$HERE/kotlin/pom.xml" -DskipTests "-Duniffi.work.dir=$STAGE" \
    "-Dmain.kotlin.dir=$STAGE/kotlin-src" package 2>&1 | sed "s/\x1b\[0m//g"
JAR=$(ls "$STAGE"/maven/kontext-mgmt-*.jar | head -n 1)
LISTING=$(unzip -l "$JAR")
for pair in "${LIBS[@]}"; do
    [[ $LISTING == *"${pair%%=*}/libkontext_mgmt_uniffi.so"* ]] || { echo "the jar lacks ${pair%%=*}/libkontext_mgmt_uniffi.so" >&2; exit 1; }
done
cp "$JAR" "$DIST/kontext-mgmt-kotlin-$VERSION.jar"
cp "$HERE/kotlin/pom.xml" "$DIST/kontext-mgmt-kotlin-$VERSION.pom"

ZIP=$DIST/KontextMgmt-swift-$VERSION.zip
rm -f "$ZIP"
(cd "$STAGE/swift" && zip -qr -X "$ZIP" KontextMgmt)
echo "$DIST/kontext-mgmt-kotlin-$VERSION.jar"
echo "$ZIP"
