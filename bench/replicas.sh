#!/usr/bin/env bash
# Cross-replica delivery: two release kefu servers on one PostgreSQL schema.
# Each round, a user on replica A asks for a person and an agent's console on
# replica B waits for that conversation's `session` event; then the agent
# claims it through B and replies, and the user's live stream on A waits for
# the reply. Prints the two delays (median, p90, max) over the rounds.
#
#   bench/replicas.sh [ROUNDS]      (default 30)
#
# Needs PostgreSQL (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test);
# a throw-away schema is created and dropped. BENCH_BIN=/absolute/path/to/kefu
# runs that binary instead of building this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-30}
pg=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
if [ -z "${BENCH_BIN:-}" ]; then
  scripts/setup-model
  cargo build --release --quiet
fi
bin=${BENCH_BIN:-$PWD/target/release/kefu}
work=$(mktemp -d)
schema="kefu_bench_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -q "$pg" -c "CREATE SCHEMA $schema" > /dev/null
sep='?'; case "$pg" in *\?*) sep='&' ;; esac
url="$pg${sep}options=-c%20search_path%3D$schema"
token=bench-agent-token
cat > "$work/kefu.yaml" <<YAML
agents:
  - { name: Bench, role: agent, token_sha256: "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" }
YAML
start() {
  KEFU_ADDRESS=127.0.0.1:$1 KEFU_DATABASE_URL="$url" KEFU_LOG=warn KEFU_DATA_DIR="$work/data" \
    KEFU_LIMITS__PER_IP_PER_MINUTE=100000000 KEFU_LIMITS__PER_SESSION_PER_MINUTE=100000000 \
    "$bin" --config "$work/kefu.yaml" serve > "$work/kefu-$1.log" 2>&1 &
  pids+=($!)
}
a=${BENCH_PORT:-18490}; b=$((a + 1))
start "$a"
# The first replica builds the index and vectors in the data dir; the second reuses them.
for _ in $(seq 900); do curl -sf "http://127.0.0.1:$a/readyz" > /dev/null && break; sleep 1; done
start "$b"
for port in "$a" "$b"; do
  for _ in $(seq 900); do
    curl -sf "http://127.0.0.1:$port/readyz" | grep -q '"replicas_live":true' && break
    sleep 1
  done
done
python3 bench/replicas.py "http://127.0.0.1:$a" "http://127.0.0.1:$b" "$token" "$rounds"
