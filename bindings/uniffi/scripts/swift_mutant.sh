#!/usr/bin/env bash
# Shows that the Swift step fails when a generated signature is wrong. In the staged (and
# already built) package PKG, renames the label of the first parameter of every
# `listAll(limit:` in Generated.swift (what a codegen bug would do), requires
# `swift build --build-tests` to fail on the callers in the tests, and puts the file back.
#   swift_mutant.sh PKG
set -euo pipefail
PKG=$1
GEN=$PKG/Sources/KontextMgmt/Generated.swift
LOG=$PKG/.build/mutant.log
cp -p "$GEN" "$GEN.orig"
# Touched when put back: the build directory now holds the mutant's objects, and the next
# build must see the file as changed.
trap 'mv -f "$GEN.orig" "$GEN" && touch "$GEN"' EXIT
sed -i 's/public func listAll(limit: /public func listAll(pageSize limit: /' "$GEN"
grep -q 'listAll(pageSize limit: ' "$GEN" || { echo "swift mutant: nothing to break in $GEN (no listAll(limit:)): the check would prove nothing" >&2; exit 1; }
started=$SECONDS
if swift build --build-tests --package-path "$PKG" >"$LOG" 2>&1; then
    echo "swift mutant: the package with a broken generated signature compiled: the Swift step cannot catch it" >&2
    exit 1
fi
if ! grep -m 4 -E "error: (incorrect argument label|extraneous argument label|missing argument|extra argument)" "$LOG"; then
    echo "swift mutant: the build failed, but not on the broken signature:" >&2
    tail -n 30 "$LOG" >&2
    exit 1
fi
echo "swift mutant: the broken signature fails the build as it must ($((SECONDS - started)) s)"
