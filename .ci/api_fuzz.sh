#!/usr/bin/env bash
# The organizer API against its own OpenAPI document (issue 14, part 2): starts the portal on a
# fresh demo database, issues an API token through the work page as an organizer would (the
# form with its CSRF token), and runs schemathesis against /api/openapi.json with that token.
# Fails on any 5xx or any response that does not match the document. Kept short: a handful of
# examples per operation, under the API's own per-token rate limit.
#
#     SCHEMATHESIS=/path/to/schemathesis DATABASE_URL=postgres://…/postgres bash .ci/api_fuzz.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
st="${SCHEMATHESIS:-schemathesis}"
port="${API_FUZZ_PORT:-39161}"
base="http://127.0.0.1:$port"
db="mamis_ci_api_fuzz"
server_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db_url="${server_url%/*}/$db"
work="$(mktemp -d)"
log="$work/portal.log"

PGOPTIONS="--client-min-messages=warning" psql -w "$server_url" -Atqc "DROP DATABASE IF EXISTS $db WITH (FORCE)" </dev/null >/dev/null
cargo build --quiet --bin mamis
DATABASE_URL="$db_url" BIND="127.0.0.1:$port" target/debug/mamis >"$log" 2>&1 &
portal=$!
cleanup() {
    kill "$portal" 2>/dev/null || true
    wait "$portal" 2>/dev/null || true
    PGOPTIONS="--client-min-messages=warning" psql -w "$server_url" -Atqc "DROP DATABASE IF EXISTS $db WITH (FORCE)" </dev/null >/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && grep -q "/work/" "$log" && break
    sleep 1
done
work_page="$(grep -o "$base/work/[0-9a-f]*" "$log" | head -1)"
[ -n "$work_page" ] || { cat "$log"; echo "no work page in the portal's log" >&2; exit 1; }

# The organizer's token, from the work page's form.
jar="$work/cookies"
csrf="$(curl -fs -c "$jar" -b "$jar" "$work_page/api" |
    grep -o 'name="csrf_token" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"$//')"
token="$(curl -fs -c "$jar" -b "$jar" --data-urlencode "csrf_token=$csrf" \
    --data-urlencode "name=schemathesis" "$work_page/api/tokens" |
    grep -o '>mamis_[0-9a-f]*<' | tr -d '<>')"
[ -n "$token" ] || { echo "the work page issued no API token" >&2; exit 1; }
curl -fs -H "Authorization: Bearer $token" "$base/api/v1/seminar" >/dev/null

# From the scratch directory, so that schemathesis's cache (.schemathesis/) stays out of the tree.
cd "$work"
"$st" run "$base/api/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples 5 \
    --rate-limit 100/m \
    --request-timeout 60 \
    --seed 14 \
    --no-color
