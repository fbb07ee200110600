#!/usr/bin/env bash
# Measures small-talk detection and off-topic hand-off on messages no one
# wrote for kefu, each as a one-turn conversation through the conversation
# policy (`kefu eval --conversations`):
#  - CLINC150's test split (CC BY): greeting, goodbye, thank_you,
#    are_you_a_bot and what_can_i_ask_you must be small talk; its 1,000
#    out-of-scope test queries must be handed off;
#  - chatterbot-corpus 1.2.0 (BSD), fetched from PyPI into a temporary
#    folder: the opening lines of its Chinese and traditional Chinese
#    greetings must be small talk.
# The data stays outside the repository. Usage: bench/small-talk.sh
# [DATASETS_DIR]   (default ../shared/datasets, as `kefu eval --dataset`)
set -euo pipefail
cd "$(dirname "$0")/.."
datasets=${1:-../shared/datasets}
cargo build --quiet --bin kefu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps chatterbot-corpus==1.2.0 -d "$tmp"
python3 - "$datasets/clinc150/data_full.json" "$tmp" <<'PY'
import json, sys, zipfile
clinc, tmp = sys.argv[1], sys.argv[2]
def write(name, texts, expect, kind):
    with open(f"{tmp}/{name}.jsonl", "w") as out:
        for i, text in enumerate(texts):
            turn = {"text": text, "expect": expect, "kind": kind}
            out.write(json.dumps({"id": f"{name}-{i}", "turns": [turn]}, ensure_ascii=False) + "\n")
data = json.load(open(clinc))
small_talk = {"greeting", "goodbye", "thank_you", "are_you_a_bot", "what_can_i_ask_you"}
write("clinc150-small-talk", [t for t, intent in data["test"] if intent in small_talk], "small_talk", "small_talk")
write("clinc150-out-of-scope", [t for t, _ in data["oos_test"]], "handoff", "handoff")
wheel = zipfile.ZipFile(f"{tmp}/chatterbot_corpus-1.2.0-py2.py3-none-any.whl")
for lang in ["chinese", "tchinese"]:
    lines = wheel.read(f"chatterbot_corpus/data/{lang}/greetings.yml").decode().splitlines()
    # Each conversation is a list whose first item ("- - 你好") opens it.
    openers = dict.fromkeys(l[4:].strip() for l in lines if l.startswith("- - "))
    write(f"chatterbot-{lang}-greetings", list(openers), "small_talk", "small_talk")
PY
data_dir=$(mktemp -d)
trap 'rm -rf "$tmp" "$data_dir"' EXIT
for set in clinc150-small-talk clinc150-out-of-scope chatterbot-chinese-greetings chatterbot-tchinese-greetings; do
  printf '%-32s' "$set"
  KEFU_DATA_DIR="$data_dir" target/debug/kefu eval --conversations "$tmp/$set.jsonl" 2>/dev/null | sed -n 's/^  turn accuracy *//p'
done
