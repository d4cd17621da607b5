#!/usr/bin/env bash
# Asserts that every transcript in DIR (default target/scenarios) is identical to the
# Rust one; fails with a diff otherwise, and when a transcript is missing or empty.
# Usage: compare.sh [DIR] [LANG...]   (LANGs: the runners that must have produced one)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:-${CARGO_TARGET_DIR:-$root/target}/scenarios}"
shift || true
status=0
for lang in rust "$@"; do
    [ -s "$dir/$lang.txt" ] || { echo "scenarios: $lang produced no transcript ($dir/$lang.txt)" >&2; status=1; }
done
[ "$status" = 0 ] || exit 1
ref="$dir/rust.txt"
ran=()
for t in "$dir"/*.txt; do
    lang="$(basename "$t" .txt)"
    if [ ! -s "$t" ]; then
        echo "scenarios: $lang ran zero steps" >&2
        status=1
        continue
    fi
    if ! diff -u --label rust.txt --label "$lang.txt" "$ref" "$t" >&2; then
        echo "scenarios: the $lang transcript differs from the Rust one" >&2
        status=1
    fi
    ran+=("$lang($(wc -l <"$t"))")
done
[ "$status" = 0 ] && echo "scenarios: identical transcripts: ${ran[*]}"
exit "$status"
