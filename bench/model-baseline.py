"""Loads a Hugging Face model folder and answers a few GSM8K-style questions greedily; prints figures.

usage: <venv>/bin/python bench/model-baseline.py MODEL_DIR [THREADS]
"""
import json
import sys
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

QUESTIONS = [
    ("Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?", "72"),
    ("A shirt costs $40 and is on sale for 25% off. What is the sale price in dollars?", "30"),
    ("Solve for x: 3x + 5 = 20.", "5"),
    ("How many centimeters are in 2.5 meters?", "250"),
    ("What is 17 * 23?", "391"),
    ("Tom has 3 boxes with 12 apples each. He gives away 9 apples. How many apples does he have left?", "27"),
]

model_dir = sys.argv[1]
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
t0 = time.time()
tok = AutoTokenizer.from_pretrained(model_dir)
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
model.eval()
load = time.time() - t0
print(f"load_seconds {load:.2f} threads {torch.get_num_threads()}", flush=True)
gen_tokens = 0
t1 = time.time()
for q, gold in QUESTIONS:
    text = tok.apply_chat_template([{"role": "user", "content": q}], tokenize=False, add_generation_prompt=True)
    ids = tok(text, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=160, do_sample=False)
    new = out[0, ids["input_ids"].shape[1]:]
    gen_tokens += int(new.shape[0])
    ans = tok.decode(new, skip_special_tokens=True)
    print(json.dumps({"question": q, "gold": gold, "answer": ans, "goldInAnswer": gold in ans.replace(",", "")}), flush=True)
dt = time.time() - t1
print(f"generated_tokens {gen_tokens} seconds {dt:.1f} tokens_per_second {gen_tokens / dt:.2f}")
