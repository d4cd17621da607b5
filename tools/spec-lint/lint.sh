#!/usr/bin/env bash
# The `spec-lint` step: @redocly/cli (recommended rules, configured in redocly.yaml) and
# Spectral (spectral:oas, .spectral.yaml) over openapi/kontext-management.yaml, then two
# client generators other users point at the spec: openapi-python-client (its output must
# pass mypy --strict) and @hey-api/openapi-ts (its output must pass tsc --strict --noEmit).
# The npm tools are pinned by package-lock.json, the Python ones by requirements.txt; each
# set is installed under target/tools (again only when its pins change), so a warm run
# starts the tools at once. Spectral, the slowest, runs beside the rest. Any error, any
# Redocly warning and any generator warning fails the step.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dest=$root/target/tools/spec-lint
py=$root/target/tools/spec-lint-py
spec=$root/openapi/kontext-management.yaml
bin=$dest/node_modules/.bin

want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$dest/.installed" 2>/dev/null)" != "$want" ]; then
  command -v npm >/dev/null || { echo "spec-lint: npm is required to install the linters" >&2; exit 1; }
  rm -rf "$dest" && mkdir -p "$dest"
  cp "$here/package.json" "$here/package-lock.json" "$dest/"
  # No install scripts: the tools need none (one dependency's only script is telemetry).
  (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" >"$dest/.installed"
fi
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ "$(cat "$py/.installed" 2>/dev/null)" != "$want" ]; then
  command -v python3 >/dev/null || { echo "spec-lint: python3 is required to install openapi-python-client" >&2; exit 1; }
  rm -rf "$py"
  python3 -m venv "$py"
  "$py/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" >"$py/.installed"
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

versions=$(cd "$dest/node_modules" && node -p '["@redocly/cli", "@stoplight/spectral-cli", "@hey-api/openapi-ts", "typescript"]
  .map((p) => `${p} ${require(`./${p}/package.json`).version}`).join(", ")')
echo "spec-lint: $versions, openapi-python-client $("$py/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-python-client"))')"

tmp=$(mktemp -d)
spectral_pid=
cleanup() {
  [ -n "$spectral_pid" ] && kill "$spectral_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
"$bin/spectral" lint --ruleset "$here/.spectral.yaml" --fail-severity error "$spec" >"$tmp/spectral" 2>&1 &
spectral_pid=$!

# Redocly's exit status only reflects errors; warnings are counted from its JSON report, and
# the readable report is printed when there is anything to read.
"$bin/redocly" lint --config "$here/redocly.yaml" --format json "$spec" >"$tmp/redocly.json" 2>/dev/null || true
if ! node -e '
  const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).totals;
  if (!t) { console.error("spec-lint: redocly wrote no report"); process.exit(1); }
  console.log(`spec-lint: redocly ${t.errors} error(s), ${t.warnings} warning(s), ${t.ignored} ignored`);
  if (t.errors + t.warnings > 0) process.exit(1);
' "$tmp/redocly.json"; then
  "$bin/redocly" lint --config "$here/redocly.yaml" --format stylish "$spec" || true
  exit 1
fi

# openapi-python-client -> mypy --strict. --fail-on-warning: a schema it skips fails the step.
out=$dest/generated
rm -rf "$out/python" "$out/ts" && mkdir -p "$out"
"$py/bin/openapi-python-client" generate --path "$spec" --config "$here/openapi-python-client.yaml" \
  --meta none --output-path "$out/python/kontext_management_client" --fail-on-warning >"$tmp/opc" 2>&1 \
  || { cat "$tmp/opc"; echo "spec-lint: openapi-python-client failed" >&2; exit 1; }
# The cache stays under target/tools: typeshed and httpx are analysed once, not on every run.
(cd "$out/python" && "$py/bin/mypy" --strict --cache-dir "$dest/mypy-cache" -p kontext_management_client) \
  | sed 's/^/spec-lint: openapi-python-client output: /'

# @hey-api/openapi-ts -> tsc --strict --noEmit.
"$bin/openapi-ts" --input "$spec" --output "$out/ts" --client @hey-api/client-fetch --no-log-file --silent
[ -f "$out/ts/index.ts" ] || { echo "spec-lint: @hey-api/openapi-ts wrote no client" >&2; exit 1; }
cp "$here/tsconfig.openapi-ts.json" "$out/tsconfig.json"
"$bin/tsc" --project "$out/tsconfig.json"
echo "spec-lint: @hey-api/openapi-ts output: tsc --strict --noEmit found no error"

status=0
wait "$spectral_pid" || status=$?
spectral_pid=
sed 's/^/spec-lint: spectral: /' "$tmp/spectral"
exit "$status"
