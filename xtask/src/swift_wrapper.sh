#!/usr/bin/env bash
# Made by `cargo xtask swift-toolchain` (xtask/src/swift.rs): runs Swift from the Debian
# root next to this directory. Binds, at the same absolute paths: the git work tree of the
# current directory (or the directory itself), $CARGO_TARGET_DIR, and the directories in
# $KONTEXT_SWIFT_BIND (colon-separated). The mounts are made in a private mount namespace,
# so they vanish with the process on every exit path.
set -euo pipefail
self=$(readlink -f "${BASH_SOURCE[0]}")
rootfs=$(dirname "$(dirname "$self")")/root
if [[ ${_KONTEXT_SWIFT_NS:-} != 1 ]]; then
    export _KONTEXT_SWIFT_NS=1
    exec unshare --mount --propagation private -- "$self" "$@"
fi
unset _KONTEXT_SWIFT_NS
cwd=$(pwd -P)
binds=("$(git -C "$cwd" rev-parse --show-toplevel 2>/dev/null || echo "$cwd")")
[[ -n ${CARGO_TARGET_DIR:-} ]] && binds+=("$CARGO_TARGET_DIR")
if [[ -n ${KONTEXT_SWIFT_BIND:-} ]]; then
    IFS=: read -r -a more <<<"$KONTEXT_SWIFT_BIND"
    binds+=("${more[@]}")
fi
mount -t proc proc "$rootfs/proc"
mount --rbind /dev "$rootfs/dev"
for b in "${binds[@]}"; do
    [[ -n $b ]] || continue
    b=$(readlink -f "$b")
    [[ $b != / ]] || continue # `swift --version` from /: nothing to bind
    [[ -d $b ]] || { echo "swift wrapper: cannot bind $b: not a directory" >&2; exit 1; }
    mkdir -p "$rootfs$b"
    mount --rbind "$b" "$rootfs$b"
done
[[ -d $rootfs$cwd ]] || { echo "swift wrapper: $cwd is not inside a bound directory" >&2; exit 1; }
# The host's library path and temp dir mean nothing in the root.
exec chroot "$rootfs" /usr/bin/env -u LD_LIBRARY_PATH -u TMPDIR HOME=/root PATH=/usr/local/bin:/usr/bin:/bin \
    /bin/sh -c 'cd "$1" && shift && exec swift "$@"' sh "$cwd" "$@"
