#!/usr/bin/env bash
# Property-based conformance run of the emulator against the project's spec.
#
# Creates a venv under the cargo target dir, installs schemathesis (pinned), starts the
# `kontext-emulator` binary with --rate-limit 0, fetches a token, seeds data, and runs
# `schemathesis run` with the checks not_a_server_error, status_code_conformance,
# content_type_conformance and response_schema_conformance. Fails (non-zero exit) on
# any failure, when fewer than MIN_REQUESTS API requests were made, or when
# schemathesis cannot be installed: it never skips.
#
# Env: CARGO_TARGET_DIR (default <repo>/target), SCHEMATHESIS_VERSION (default 4.32.5),
#      SCHEMATHESIS_MAX_EXAMPLES (default 60 per operation), MIN_REQUESTS (default 1000).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
venv=$target/schemathesis-venv
spec=$root/openapi/kontext-management.yaml
version=${SCHEMATHESIS_VERSION:-4.32.5}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-60}
min_requests=${MIN_REQUESTS:-1000}
report_dir=$target/schemathesis-report

die() { echo "schemathesis.sh: error: $*" >&2; exit 1; }

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
    echo "installing schemathesis $version into $venv" >&2
    python3 -m venv --clear "$venv" || die "cannot create a venv (python3 -m venv) at $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" \
        || die "cannot install schemathesis==$version from PyPI"
fi
"$venv/bin/schemathesis" --version >/dev/null || die "schemathesis is not runnable"
py=$venv/bin/python

(cd "$root" && cargo build --quiet -p kontext-mgmt-emulator --bin kontext-emulator) \
    || die "cannot build kontext-emulator"
bin=$target/debug/kontext-emulator

source "$root/tests/support/servers.sh"
start_server base "$target/schemathesis-emulator.out" "$bin" --port 0 --rate-limit 0 --token-ttl 86400 \
    || die "the emulator did not start"
echo "emulator at $base" >&2

# Token and seed data (a few of every object, so gets/lists return real shapes).
token=$("$py" - "$base" <<'EOF'
import base64, json, sys, urllib.request
base = sys.argv[1]
def call(method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")
basic = base64.b64encode(b"sa_11111111-1111-4111-8111-111111111111:kontext-emulator-secret").decode()
req = urllib.request.Request(base + "/oauth2/token", method="POST",
    data=b"grant_type=client_credentials&scope=management%3Aall",
    headers={"authorization": "Basic " + basic, "content-type": "application/x-www-form-urlencoded"})
with urllib.request.urlopen(req) as r:
    token = json.loads(r.read())["access_token"]
app = "550e8400-e29b-41d4-a716-446655440000"
call("POST", base + "/_emulator/seed", {
    "integrations": [
        {"id": "66666666-6666-4666-8666-666666666666", "name": "GitHub", "url": "https://mcp.github.com/sse", "authMode": "oauth", "oauth": {"provider": "github", "scopes": ["repo"]}},
        {"id": "77777777-7777-4777-8777-777777777777", "name": "Linear", "url": "https://mcp.linear.app/sse", "authMode": "user_token"},
        {"name": "Internal", "url": "http://internal.example/mcp", "authMode": "server_token", "serverToken": "s3cret"},
    ],
    "applications": [
        {"id": app, "name": "PR Reviewer", "description": "Reviews pull requests",
         "oauth": {"type": "confidential", "redirectUris": ["http://localhost:3000/callback"]},
         "integrationIds": ["66666666-6666-4666-8666-666666666666"]},
        {"name": "Public CLI", "oauth": {"type": "public", "redirectUris": []}},
    ],
    "serviceAccounts": [{"id": "33333333-3333-4333-8333-333333333333", "name": "ci-bot"}],
    "sessions": [
        {"id": "44444444-4444-4444-8444-444444444444", "agentId": app, "name": "swift-falcon", "hostname": "laptop", "clientInfo": {"name": "claude-code"}},
        {"agentId": app, "status": "disconnected", "disconnectedAt": "2026-01-15T11:00:00Z"},
    ],
    "events": [
        {"id": "e1", "traceId": "t1", "sessionId": "44444444-4444-4444-8444-444444444444", "status": "ok", "toolName": "search", "durationMs": 12, "requestJson": {"q": "x"}, "responseJson": {"n": 1}},
        {"id": "e2", "traceId": "t1", "status": "error_remote", "toolName": "search", "durationMs": 40},
    ],
    "traces": [{"traceId": "t1", "sessionId": "44444444-4444-4444-8444-444444444444", "agentId": app}],
    "policy": {"policyEnabled": True, "rules": [{"action": "allow", "scope": "tool", "level": "org", "toolName": "search"}]},
})
print(token)
EOF
) || die "cannot fetch a token or seed data"

mkdir -p "$report_dir"
set +e
"$venv/bin/schemathesis" run "$spec" \
    --url "$base/api/v1" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$max_examples" \
    --seed "${SCHEMATHESIS_SEED:-20261126}" \
    --workers 2 \
    --generation-database none \
    --no-color \
    --report junit --report-dir "$report_dir"
status=$?
set -e

requests=$("$py" - "$base" <<'EOF'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/_emulator/stats") as r:
    stats = json.loads(r.read())
print(sum(n for k, n in stats["requests"].items() if " /api/v1" in k))
EOF
) || die "cannot read emulator stats"
echo "schemathesis sent $requests API requests (minimum $min_requests)" >&2
[ "$status" -eq 0 ] || die "schemathesis reported failures (exit $status); see above and $report_dir"
[ "$requests" -ge "$min_requests" ] || die "only $requests API requests were generated"
echo "schemathesis: passed with $requests requests"
