"""Test helper: with packing, attention must stay inside each example. Runs two examples packed in
one row (position ids restarting, no attention mask) and separately, and prints the largest
difference of their logits as JSON. usage: python packing_check.py MODEL"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

path = sys.argv[1]
tok = AutoTokenizer.from_pretrained(path)
model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
model.eval()
a = tok.apply_chat_template([{"role": "user", "content": "What is 2 + 3?"}, {"role": "assistant", "content": "5"}], tokenize=False)
b = tok.apply_chat_template([{"role": "user", "content": "Julie has 7 apples."}, {"role": "assistant", "content": "She has 7."}], tokenize=False)
ia = tok(a, add_special_tokens=False, return_tensors="pt").input_ids
ib = tok(b, add_special_tokens=False, return_tensors="pt").input_ids
with torch.no_grad():
    la = model(input_ids=ia).logits[0]
    lb = model(input_ids=ib).logits[0]
    packed_ids = torch.cat([ia, ib], dim=1)
    pos = torch.cat([torch.arange(ia.shape[1]), torch.arange(ib.shape[1])]).unsqueeze(0)
    lp = model(input_ids=packed_ids, position_ids=pos, use_cache=False).logits[0]
    # the same row without restarting positions: attention leaks across, logits of b change
    leak = model(input_ids=packed_ids, use_cache=False).logits[0]
    # right padding without an attention mask (how training batches are fed): same logits for real tokens
    width = max(ia.shape[1], ib.shape[1])
    pad = tok.pad_token_id
    rows = torch.full((2, width), pad, dtype=torch.long)
    rows[0, : ia.shape[1]] = ia[0]
    rows[1, : ib.shape[1]] = ib[0]
    lr = model(input_ids=rows, use_cache=False).logits
n = ia.shape[1]
print(json.dumps({
    "maxDiffA": float((lp[:n] - la).abs().max()),
    "maxDiffB": float((lp[n:] - lb).abs().max()),
    "leakDiffB": float((leak[n:] - lb).abs().max()),
    "rightPadDiff": max(float((lr[0, : ia.shape[1]] - la).abs().max()), float((lr[1, : ib.shape[1]] - lb).abs().max())),
}))
