"""Renders conversations with transformers' apply_chat_template, for comparison with @mathtune/format.

Usage: render.py MODEL_DIR < conversations.json  ->  JSON list of rendered strings on stdout.
Each conversation: {"messages": [...], "add_generation_prompt": bool}.
"""
import json
import sys

from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained(sys.argv[1], local_files_only=True)
cases = json.load(sys.stdin)
out = [tok.apply_chat_template(c["messages"], tokenize=False, add_generation_prompt=c["add_generation_prompt"]) for c in cases]
json.dump(out, sys.stdout, ensure_ascii=False)
