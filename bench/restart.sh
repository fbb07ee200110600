#!/usr/bin/env bash
# Warm restart and hot reload times of a release kefu on the bundled corpus.
#
#   bench/restart.sh [RUNS]   (default 5)
#
# Warm restart: process start until /readyz answers 200, with the index and
# vectors already in the data folder (the first run builds them and is not
# counted). Hot reload: one article of a copy of the corpus is edited and
# POST /admin/reload builds, gates and swaps it; the response's took_ms is
# printed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
scripts/setup-model
cargo build --release --quiet
work=$(mktemp -d)
port=${BENCH_PORT:-18481}
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r corpus "$work/corpus"
token=bench-admin-token
cat > "$work/kefu.yaml" <<YAML
corpus: $work/corpus
agents:
  - { name: Bench, role: admin, token_sha256: $(printf %s "$token" | sha256sum | cut -d' ' -f1) }
YAML
start() {
  KEFU_ADDRESS=127.0.0.1:$port KEFU_LOG=warn KEFU_DATA_DIR="$work/data" \
    KEFU_DATABASE_URL="sqlite://$work/kefu.db?mode=rwc" \
    target/release/kefu --config "$work/kefu.yaml" serve > "$work/kefu.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" > /dev/null; do
    kill -0 "$pid" 2> /dev/null || { cat "$work/kefu.log" >&2; exit 1; }
    sleep 0.01
  done
}
stop() { kill "$pid"; wait "$pid" 2> /dev/null || true; }
start
stop
for run in $(seq "$runs"); do
  started=$(date +%s.%N)
  start
  echo "warm restart $run: ready in $(echo "$(date +%s.%N) - $started" | bc) s"
  stop
done
start
for run in $(seq "$runs"); do
  printf '\nEdited for reload run %s.\n' "$run" >> "$work/corpus/articles/withdrawal-fees.md"
  curl -sf -XPOST -H "authorization: Bearer $token" "http://127.0.0.1:$port/admin/reload" |
    python3 -c 'import json, sys; r = json.load(sys.stdin); g = r["gate"]; print("hot reload", sys.argv[1] + ":", r["took_ms"], "ms, version", r["version"], "gate top-1 %.3f on %d questions" % (g["top1"], g["questions"]))' "$run"
done
stop
