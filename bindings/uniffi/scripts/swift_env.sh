# Sourced (bash) by the scripts that compile or run Swift. Needs ROOT (the repository) set.
#  - KONTEXT_SKIP_SWIFT=1: sets SWIFT_SKIP=1 (the caller runs only what needs no toolchain);
#  - otherwise `swift` from PATH, or the pinned toolchain (`cargo xtask swift-toolchain`,
#    which provisions or reuses it) put first on PATH; failing that, exits non-zero.
# swift_report NAME TEXT records a result for the summary of `cargo xtask test`, swift_time
# PART SECONDS the time spent on Swift.
SWIFT_SKIP=0
case ${KONTEXT_SKIP_SWIFT:-} in
    1) SWIFT_SKIP=1 ;;
    "" | 0) ;;
    *) echo "KONTEXT_SKIP_SWIFT=$KONTEXT_SKIP_SWIFT: set it to 1 to skip Swift, or unset it" >&2; exit 2 ;;
esac
if [[ $SWIFT_SKIP == 0 ]] && ! command -v swift >/dev/null 2>&1; then
    swift_bin=$(cd "$ROOT" && "${CARGO:-cargo}" xtask swift-toolchain) ||
        { echo "no Swift toolchain: cargo xtask swift-toolchain failed (KONTEXT_SKIP_SWIFT=1 skips Swift)" >&2; exit 1; }
    PATH=$swift_bin:$PATH
    export PATH
fi
swift_report() {
    local dir=${CARGO_TARGET_DIR:-$ROOT/target}/swift-report
    mkdir -p "$dir"
    printf '%s\n' "$2" >"$dir/$1"
}
# swift_time PART SECONDS: the wall time a step spent on Swift (the summary adds them up).
swift_time() {
    local dir=${CARGO_TARGET_DIR:-$ROOT/target}/swift-report
    mkdir -p "$dir"
    printf '%s %s\n' "$1" "$2" >>"$dir/times"
}
