#!/usr/bin/env bash
# Packages the uniffi binding for `cargo xtask publish`:
#   package.sh DIST_DIR
# DIST_DIR/kontext-mgmt-kotlin-VERSION.jar      Kotlin classes + linux-x86-64 native library
# DIST_DIR/kontext-mgmt-kotlin-VERSION.pom      its Maven coordinates and dependencies
# DIST_DIR/KontextMgmt-swift-VERSION.zip        Swift package: Package.swift, sources, C header,
#                                               module map (xcode/), tests, lib/ (linux-x86_64)
# Release build; Maven downloads what it needs. Other platforms' native libraries would be
# added to the jar's resources and the Swift package's lib/ by their own CI runners.
set -euo pipefail
DIST=$(mkdir -p "$1" && cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
STAGE=$TARGET/uniffi-dist
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)

(cd "$ROOT" && cargo build --release --quiet -p kontext-mgmt-uniffi -p kontext-mgmt-uniffi-bindgen)
"$HERE/stage.sh" "$TARGET/release/uniffi-bindgen" "$TARGET/release/libkontext_mgmt_uniffi.so" "$STAGE"
mvn -B -q -ntp -Dstyle.color=never -f "$HERE/kotlin/pom.xml" -DskipTests "-Duniffi.work.dir=$STAGE" \
    "-Dmain.kotlin.dir=$STAGE/kotlin-src" package 2>&1 | sed "s/\x1b\[0m//g"
JAR=$(ls "$STAGE"/maven/kontext-mgmt-*.jar | head -n 1)
LISTING=$(unzip -l "$JAR")
[[ $LISTING == *"linux-x86-64/libkontext_mgmt_uniffi.so"* ]] || { echo "the jar lacks the native library" >&2; exit 1; }
cp "$JAR" "$DIST/kontext-mgmt-kotlin-$VERSION.jar"
cp "$HERE/kotlin/pom.xml" "$DIST/kontext-mgmt-kotlin-$VERSION.pom"

ZIP=$DIST/KontextMgmt-swift-$VERSION.zip
rm -f "$ZIP"
(cd "$STAGE/swift" && zip -qr -X "$ZIP" KontextMgmt)
echo "$DIST/kontext-mgmt-kotlin-$VERSION.jar"
echo "$ZIP"
