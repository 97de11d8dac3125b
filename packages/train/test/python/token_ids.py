"""Test helper: tokenizes texts with a model's tokenizer, independently of the trainer's code.
usage: python token_ids.py MODEL < {"texts": [str], "messages": [{role, content}]}
prints {"texts": [[ids]], "chat": [ids]}: each text without added special tokens, and the
conversation through transformers' apply_chat_template."""
import json
import sys

from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained(sys.argv[1])
req = json.load(sys.stdin)
chat = tok.apply_chat_template(req["messages"], tokenize=True, add_generation_prompt=False)
if isinstance(chat, dict) or hasattr(chat, "keys"):
    chat = chat["input_ids"]
print(json.dumps({"texts": [tok(t, add_special_tokens=False)["input_ids"] for t in req["texts"]], "chat": list(chat)}))
