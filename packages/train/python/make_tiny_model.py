"""Builds a tiny random-weight Qwen2 model with a small byte-level BPE tokenizer that carries the
real ChatML special tokens and a chat template. For tests and benchmarks: nothing is downloaded.

usage: python make_tiny_model.py --out DIR --chat-template FILE [--corpus FILE] [--seed 0]
Prints one protocol `result` line with the model's sizes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _protocol as proto  # noqa: E402

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Qwen2's pre-tokenizer split pattern (letters, numbers one digit at a time, punctuation, spaces).
QWEN_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

DEFAULT_CORPUS = [
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.",
    "How many clips did Natalia sell altogether in April and May? The answer is 72.",
    "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting.",
    "Let x be the number of apples. Then 3x + 5 = 20, so x = 5. Final answer: \\boxed{5}",
    "system user assistant You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
    "What is 12 + 30? Solve for x: 2x = 14. Compute the sum, product and difference.",
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--chat-template", required=True)
    ap.add_argument("--corpus", help="text file (or JSONL) to train the BPE merges on")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab-size", type=int, default=512)
    ap.add_argument("--hidden-size", type=int, default=256)
    ap.add_argument("--intermediate-size", type=int, default=512)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    args = ap.parse_args()
    proto.open_channel()
    proto.import_or_fail(["torch", "transformers", "tokenizers"])
    try:
        return build(args)
    except Exception as e:  # noqa: BLE001
        return proto.fail_from_exception(e)


def build(args: argparse.Namespace) -> int:
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    for name, v in (("hidden-size", args.hidden_size), ("intermediate-size", args.intermediate_size), ("vocab-size", args.vocab_size)):
        if v % 256:
            proto.error("E_CONFIG_INVALID", f"--{name} must be a multiple of 256 (K-quants), got {v}")
            return 2
    with open(args.chat_template, encoding="utf-8") as f:
        template = f.read()
    texts = list(DEFAULT_CORPUS)
    if args.corpus:
        with open(args.corpus, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                    texts.extend(str(v) for v in _strings(obj))
                except json.JSONDecodeError:
                    texts.append(line)

    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=args.vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
        model_max_length=32768,
        clean_up_tokenization_spaces=False,
    )
    fast.chat_template = template
    fast.padding_side = "right"

    torch.manual_seed(args.seed)
    head_dim = args.hidden_size // args.heads
    config = Qwen2Config(
        vocab_size=args.vocab_size,
        hidden_size=args.hidden_size,
        intermediate_size=args.intermediate_size,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        num_key_value_heads=args.kv_heads,
        head_dim=head_dim,
        max_position_embeddings=4096,
        rope_theta=1000000.0,
        tie_word_embeddings=False,
        bos_token_id=fast.convert_tokens_to_ids("<|endoftext|>"),
        eos_token_id=fast.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=fast.convert_tokens_to_ids("<|endoftext|>"),
        dtype="float32",
    )
    model = Qwen2ForCausalLM(config)
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    model.save_pretrained(args.out, safe_serialization=True)
    fast.save_pretrained(args.out)
    gen = GenerationConfig(
        bos_token_id=config.bos_token_id,
        eos_token_id=[config.eos_token_id, config.bos_token_id],
        pad_token_id=config.pad_token_id,
        do_sample=False,
    )
    gen.save_pretrained(args.out)
    params = sum(p.numel() for p in model.parameters())
    proto.emit(
        "result",
        status="ok",
        path=os.path.abspath(args.out),
        parameters=params,
        vocabSize=len(fast),
        specialTokens={t: fast.convert_tokens_to_ids(t) for t in SPECIAL},
    )
    return 0


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


if __name__ == "__main__":
    sys.exit(main())
