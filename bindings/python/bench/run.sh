#!/usr/bin/env bash
# Entry point for `cargo xtask bench python`:
#   run.sh prepare                  venv with the release wheel, httpx and aiohttp (pinned)
#   run.sh --url URL --scenario S   measure (JSON lines on stdout, see bench.py)
# One rep per in-process scenario (the orchestrator's rounds give the spread); the scenarios
# it runs once (stream100k, cold_start) take three fresh-process reps here.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/bench/python-venv"
if [ "${1:-}" = prepare ]; then
    [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-dev.txt"
    rm -rf "$target/bench/python-wheel"
    "$venv/bin/maturin" build --release --quiet -m "$here/Cargo.toml" -o "$target/bench/python-wheel"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
        "$target/bench/python-wheel"/kontext_mgmt-*.whl
    exit 0
fi
# Half the default request counts per rep: httpx-async and create+get pairs are slow, and
# the rounds already repeat every scenario.
reps=1
case " $* " in *" stream100k "* | *" cold_start "*) reps=3 ;; esac
exec "$venv/bin/python" "$here/bench/bench.py" --reps "$reps" --scale 0.5 "$@"
