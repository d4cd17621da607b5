#!/usr/bin/env bash
# The Swift checks that need no Swift toolchain (scripts/swift_check.py), in a venv with
# tree-sitter-swift (pinned) under the target dir, made on first use.
#   swift_check.sh PKG [MORE_DIRS…]   PKG: a staged Swift package (bindings/uniffi/stage.sh);
#                                     MORE_DIRS: other Swift sources that use it (parsed too)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
VENV=${CARGO_TARGET_DIR:-$ROOT/target}/uniffi-binding/venv
if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c "import tree_sitter, tree_sitter_swift" 2>/dev/null; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check tree-sitter==0.25.2 tree-sitter-swift==0.7.4
fi
exec "$VENV/bin/python" "$HERE/swift_check.py" --lib "$1/lib/libkontext_mgmt_uniffi.so" \
    --header "$1/Sources/KontextMgmtFFI/include/KontextMgmtFFI.h" "$@"
