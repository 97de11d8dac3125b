#!/usr/bin/env python3
"""The peer of `mathtune build` in bench/build.mjs: Hugging Face `datasets` doing the same job.

usage: <venv>/bin/python bench/build-peer-datasets.py INPUT.jsonl OUT_DIR [--seed 42] [--rowwise]

Loads GSM8K-format JSON lines (`question`, `answer` ending in `#### N`) with
`load_dataset("json")`, maps each row to `problem`, `solution` (the answer before its last
`####`) and `answer` (the text after it, commas between digits removed: what mathtune's gsm8k
adapter reads), filters out rows without an answer, splits 0.8 / 0.1 / 0.1 with the seed
(`train_test_split` twice) and writes `train.jsonl`, `validation.jsonl`, `test.jsonl` into
OUT_DIR. The map and the filter are batched, as the `datasets` docs advise for speed; `--rowwise`
runs them a row at a time instead (`datasets`' default, and what a first attempt usually writes).

The datasets cache goes where HF_DATASETS_CACHE points (bench/build.mjs gives it a scratch
folder, so nothing is reused between runs). Prints one JSON line on stdout: records read and
written, the split sizes, CPU seconds and peak RSS (this process and any it waited for), and the
versions of datasets and pyarrow.
"""
import argparse
import json
import os
import re
import resource
import sys

import datasets
import pyarrow

# A final-answer line: `####` at the start of a line (after blanks), as mathtune's extractGsm8k reads it.
FINAL = re.compile(r"^[ \t]*####[ \t]*(.*)$", re.M)
COMMA_IN_NUMBER = re.compile(r",(?=\d)")


def split_answer(text):
    """(solution, answer) of a GSM8K answer text; answer None without a `#### N` line."""
    text = text or ""
    finals = FINAL.findall(text)
    answer = COMMA_IN_NUMBER.sub("", finals[-1]).strip() if finals else ""
    cut = text.rfind("####")
    return (text[:cut].rstrip() if cut >= 0 else text), (answer or None)


def to_records(batch):
    problems, solutions, answers = [], [], []
    for question, text in zip(batch["question"], batch["answer"]):
        solution, answer = split_answer(text)
        problems.append(question)
        solutions.append(solution)
        answers.append(answer)
    return {"problem": problems, "solution": solutions, "answer": answers}


def have_answer(batch):
    return [a is not None for a in batch["answer"]]


def to_record(row):
    solution, answer = split_answer(row["answer"])
    return {"problem": row["question"], "solution": solution, "answer": answer}


def has_answer(row):
    return row["answer"] is not None


def peak_rss_mb():
    # ru_maxrss is KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return max(own, children) / 2**20


def cpu_seconds():
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--rowwise", action="store_true", help="map and filter a row at a time (not batched)")
    args = ap.parse_args()
    datasets.disable_progress_bar()
    os.makedirs(args.out, exist_ok=True)

    ds = datasets.load_dataset("json", data_files=args.input, split="train")
    read = len(ds)
    if args.rowwise:
        ds = ds.map(to_record, remove_columns=ds.column_names)
        ds = ds.filter(has_answer)
    else:
        ds = ds.map(to_records, batched=True, remove_columns=ds.column_names)
        ds = ds.filter(have_answer, batched=True)
    first = ds.train_test_split(test_size=0.2, seed=args.seed)
    rest = first["test"].train_test_split(test_size=0.5, seed=args.seed)
    splits = {"train": first["train"], "validation": rest["train"], "test": rest["test"]}
    written = 0
    for name, part in splits.items():
        part.to_json(os.path.join(args.out, f"{name}.jsonl"), lines=True)
        written += len(part)
    print(
        json.dumps(
            {
                "records": read,
                "written": written,
                "dropped": read - written,
                "splits": {name: len(part) for name, part in splits.items()},
                "cpuSeconds": cpu_seconds(),
                "maxRssMB": peak_rss_mb(),
                "versions": {"datasets": datasets.__version__, "pyarrow": pyarrow.__version__, "python": sys.version.split()[0]},
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
