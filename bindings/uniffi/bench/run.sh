#!/usr/bin/env bash
# Kotlin benchmark of the uniffi binding (contenders kontext-kotlin and java-httpclient).
#   run.sh prepare                      build the release library, the jar and the program
#   run.sh --url URL [--scenario S] [--n N] [--contender C]
#                                       measure against an emulator started with --rate-limit 0
# Output: one JSON line per measurement (see src/Bench.kt).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
STAGE=$TARGET/uniffi-bench
if [[ ${1:-} == prepare ]]; then
    (cd "$ROOT" && cargo build --release --quiet -p kontext-mgmt-uniffi -p kontext-mgmt-uniffi-bindgen)
    "$HERE/../stage.sh" "$TARGET/release/uniffi-bindgen" "$TARGET/release/libkontext_mgmt_uniffi.so" "$STAGE"
    mvn -B -q -ntp -Dstyle.color=never -f "$HERE/../kotlin/pom.xml" -Pbench -DskipTests \
        "-Duniffi.work.dir=$STAGE" "-Dmain.kotlin.dir=$STAGE/kotlin-src" package 2>&1 | sed "s/\x1b\[0m//g"
    exit 0
fi
[[ -d $STAGE/maven/classes ]] || "$0" prepare >&2
# Streaming's peak-RSS growth runs with a small fixed young generation (both contenders): it
# should show what a client keeps while walking pages, not how far G1 grows an untouched
# 6 GB heap before its first collection (which swung the same run between 4 and 37 MB).
gc=()
case " $* " in *" stream100k "*) gc=(-XX:+UseSerialGC -Xmn16m) ;; esac
exec java -Xss1m "${gc[@]}" -cp "$STAGE/maven/classes:$STAGE/maven/lib/*" dev.kontext.mgmt.bench.BenchKt "$@"
