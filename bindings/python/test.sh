#!/usr/bin/env bash
# Tests of the Python package (run by `cargo xtask test`): a virtualenv under target/ with
# the pinned tools, the extension built in debug mode (`maturin develop`), the emulator,
# then pytest — every operation with both clients, errors, pagination, threads, fork,
# cancellation, Ctrl-C, the README snippet, mypy --strict and stubtest (the API-change
# drill is tests/drill/drill.py). Exits non-zero on any failure, including when no test ran.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/python-venv"
python="${PYTHON:-python3}"
cargo="${CARGO:-cargo}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
stamp="$venv/.requirements"
if ! cmp -s "$here/requirements-dev.txt" "$stamp"; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-dev.txt"
    cp "$here/requirements-dev.txt" "$stamp"
fi

echo "==> building the emulator and the extension (debug)"
"$cargo" build --quiet -p kontext-mgmt-emulator --bin kontext-emulator
"$cargo" build --quiet -p kontext-mgmt-hostile --bin kontext-hostile
VIRTUAL_ENV="$venv" "$venv/bin/maturin" develop --quiet --features test-hooks --manifest-path "$here/Cargo.toml"

echo "==> pytest"
export KONTEXT_EMULATOR_BIN="$target/debug/kontext-emulator"
export KONTEXT_HOSTILE_BIN="$target/debug/kontext-hostile"
cd "$here"
# -p no:cacheprovider: nothing written into the source tree.
"$venv/bin/python" -m pytest -p no:cacheprovider -q "$@"

# With arguments (one test, one file) that is all; the full run also installs the wheel as a
# user would and runs the test kit's user-style suite from it.
[ $# -eq 0 ] || exit 0
echo "==> the test kit from the wheel: a fresh virtualenv, no Rust toolchain on PATH"
kit="$target/python-kit"
rm -rf "$kit"
VIRTUAL_ENV="$venv" "$venv/bin/maturin" build --quiet --manifest-path "$here/Cargo.toml" --out "$kit/wheel"
"$python" -m venv "$kit/venv"
"$kit/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$kit"/wheel/*.whl \
    "$(grep '^pytest==' "$here/requirements-dev.txt")"
mkdir -p "$kit/user"
cp "$here/tests/kit/test_user_automation.py" "$kit/user/"
cd "$kit/user"
# Only the venv and the system's basic tools: no cargo, no rustc, nothing of the repository.
env -i HOME="$HOME" PATH="$kit/venv/bin:/usr/bin:/bin" \
    "$kit/venv/bin/python" -m pytest -p no:cacheprovider -q test_user_automation.py
