#!/usr/bin/env python3
"""Grades a corpus (packages/answer/scripts/make-corpus.mjs) with Math-Verify; one JSON line per case.

Run with the peers venv, not the project's:  ~/.cache/mathtune/peers/bin/python bench/answer-peers.py corpus.jsonl
(math-verify==0.9.0 with antlr4-python3-runtime 4.13.2). Gold answers are read as LaTeX (`$gold$`),
outputs with Math-Verify's default extraction (LaTeX and plain expressions). Each line:
{"id", "equal": true|false|null (null: an error or a timeout), "ms" (wall), "cpu_ms" (this process's CPU time)}.
"""
import json
import sys
import time

from math_verify import parse, verify

rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
t_all = time.perf_counter()
for r in rows:
    t0 = time.perf_counter()
    c0 = time.process_time()
    equal = None
    try:
        gold = parse(f"${r['gold']}$") or parse(r["gold"])
        pred = parse(r["output"])
        equal = bool(verify(gold, pred))
    except Exception:  # noqa: BLE001 - a grader error is counted apart
        equal = None
    print(json.dumps({"id": r["id"], "equal": equal, "ms": (time.perf_counter() - t0) * 1000, "cpu_ms": (time.process_time() - c0) * 1000}))
print(json.dumps({"total_s": time.perf_counter() - t_all}), file=sys.stderr)
