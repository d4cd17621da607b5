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
exec node "$here/bench/run.mjs" "$@"
