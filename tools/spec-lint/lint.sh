#!/usr/bin/env bash
# The `spec-lint` step: @redocly/cli (recommended rules, configured in redocly.yaml) and
# Spectral (spectral:oas, .spectral.yaml) over openapi/kontext-management.yaml. Both are
# pinned by package-lock.json and installed into target/tools/spec-lint, again only when the
# lock changes, so a warm run starts the linters at once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dest=$root/target/tools/spec-lint
spec=$root/openapi/kontext-management.yaml

want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$dest/.installed" 2>/dev/null)" != "$want" ]; then
  command -v npm >/dev/null || { echo "spec-lint: npm is required to install the linters" >&2; exit 1; }
  rm -rf "$dest" && mkdir -p "$dest"
  cp "$here/package.json" "$here/package-lock.json" "$dest/"
  # No install scripts: the linters need none (one dependency's only script is telemetry).
  (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" >"$dest/.installed"
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

echo "spec-lint: redocly $("$dest/node_modules/.bin/redocly" --version)"
report=$(mktemp)
trap 'rm -f "$report"' EXIT
# Exit status only reflects errors; warnings are counted from the JSON report below.
"$dest/node_modules/.bin/redocly" lint --config "$here/redocly.yaml" --format stylish "$spec" || true
"$dest/node_modules/.bin/redocly" lint --config "$here/redocly.yaml" --format json "$spec" >"$report" 2>/dev/null || true
node -e '
  const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).totals;
  if (!t) { console.error("spec-lint: redocly wrote no report"); process.exit(1); }
  console.log(`spec-lint: redocly ${t.errors} error(s), ${t.warnings} warning(s), ${t.ignored} ignored`);
  if (t.errors + t.warnings > 0) process.exit(1);
' "$report"

echo "spec-lint: spectral $("$dest/node_modules/.bin/spectral" --version)"
"$dest/node_modules/.bin/spectral" lint --ruleset "$here/.spectral.yaml" --fail-severity error "$spec"
