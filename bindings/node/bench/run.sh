#!/usr/bin/env bash
# Entry point for `cargo xtask bench node`:
#   run.sh prepare                      release build of the addon, npm packages, openapi-fetch types
#   run.sh --url URL --scenario S       measure (JSON lines on stdout)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ "${1:-}" = prepare ]; then
  bash "$here/bench/build.sh"
  exec node "$here/bench/run.mjs" --child gen
fi
# One rep per in-process scenario (the orchestrator's rounds give the spread); the
# scenarios it runs once (stream100k, cold_start) keep three fresh-process reps.
reps=1
case " $* " in *" stream100k "* | *" cold_start "*) reps=3 ;; esac
exec node "$here/bench/run.mjs" --reps "$reps" "$@"
