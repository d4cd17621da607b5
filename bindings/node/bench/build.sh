#!/usr/bin/env bash
# Release build of the addon for the benchmarks (shares the workspace's target dir), plus
# the bench's npm packages. Then: node bench/run.mjs --url http://127.0.0.1:PORT
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
[ -d node_modules/openapi-fetch ] || npm ci --no-audit --no-fund --loglevel=error
(cd "$root" && cargo build --release -p kontext-mgmt-node --features test-hooks)
target="${CARGO_TARGET_DIR:-$root/target}"
case "$(uname -s)" in
  Darwin) lib=libkontext_mgmt_node.dylib ;;
  *) lib=libkontext_mgmt_node.so ;;
esac
platform="$(node -p "require('./lib/native.js').platformNames()[0]")"
cp "$target/release/$lib" "kontext-mgmt.$platform.node"
echo "built kontext-mgmt.$platform.node (release)"
