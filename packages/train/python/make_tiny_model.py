"""Builds a tiny random-weight Qwen2 model with a small byte-level BPE tokenizer that carries the
real ChatML special tokens and a chat template. For tests and benchmarks: nothing is downloaded.

usage: python make_tiny_model.py --out DIR --chat-template FILE [--corpus FILE] [--seed 0]
                                [--train-steps N [--train-batch 32] [--train-lr 3e-3]]
With --train-steps the model is fully trained (all weights, CPU, a couple of minutes) on generated
ChatML arithmetic conversations ("What is 7 + 5?" -> "7 + 5 = 12.\nAnswer: 12<|im_end|>"), so it
answers in the training format and ends its turn: what a deploy smoke test needs. Loss is on the
assistant turns only (their closing <|im_end|> included).
Prints `progress` lines while training and one protocol `result` line with the model's sizes.
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
    ap.add_argument("--train-steps", type=int, default=0, help="fully train on generated arithmetic chats")
    ap.add_argument("--train-batch", type=int, default=8)
    ap.add_argument("--train-lr", type=float, default=3e-3)
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
    chats = arithmetic_chats(args.seed) if args.train_steps > 0 else []
    for chat in chats:
        texts.extend(m["content"] for m in chat)
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
    trained = None
    if args.train_steps > 0:
        trained = train_chats(model, fast, chats, args)
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
        trained=trained,
    )
    return 0


SYSTEM_PROMPTS = ["You are a careful math tutor.", "Answer with the result."]


def arithmetic_chats(seed: int) -> list:
    """Every a + b and a - b (a >= b) with a, b in 0..9: one user question, one assistant answer
    ending in an `Answer: N` line; some with a system prompt, some two turns long."""
    import random

    rng = random.Random(seed)
    qa = []
    for a in range(10):
        for b in range(10):
            qa.append((f"What is {a} + {b}?", f"{a} + {b} = {a + b}.\nAnswer: {a + b}"))
            if a >= b:
                qa.append((f"What is {a} - {b}?", f"{a} - {b} = {a - b}.\nAnswer: {a - b}"))
    chats = []
    for i, (q, a) in enumerate(qa):
        chat = []
        if i % 3 == 1:
            chat.append({"role": "system", "content": SYSTEM_PROMPTS[i % 2]})
        if i % 5 == 2:
            q0, a0 = qa[rng.randrange(len(qa))]
            chat += [{"role": "user", "content": q0}, {"role": "assistant", "content": a0}]
        chat += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        chats.append(chat)
    return chats


def train_chats(model, tok, chats: list, args: argparse.Namespace) -> dict:
    """Full training (all weights, AdamW, cosine decay) with the loss on assistant turns only."""
    import math
    import time

    import torch

    im_start = tok.convert_tokens_to_ids("<|im_start|>")
    examples = []
    for chat in chats:
        ids = tok.apply_chat_template(chat, tokenize=True, add_generation_prompt=False)
        if hasattr(ids, "keys"):
            ids = ids["input_ids"]
        ids = list(ids)
        labels = [-100] * len(ids)
        # Mark each assistant turn: from after "<|im_start|>assistant\n" through its <|im_end|>.
        header = tok.encode("assistant\n", add_special_tokens=False)
        i = 0
        while i < len(ids):
            if ids[i] == im_start and ids[i + 1 : i + 1 + len(header)] == header:
                j = i + 1 + len(header)
                end = ids.index(tok.convert_tokens_to_ids("<|im_end|>"), j)
                for k in range(j, end + 1):
                    labels[k] = ids[k]
                i = end
            i += 1
        examples.append((ids, labels))
    pad = tok.convert_tokens_to_ids("<|endoftext|>")
    g = torch.Generator().manual_seed(args.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=args.train_lr, weight_decay=0.0)
    steps = args.train_steps
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))
    )
    torch.set_num_threads(1)  # tiny matrices: one thread, no spin-waiting on a busy machine
    model.train()
    t0 = time.time()
    loss_v = float("nan")
    for step in range(steps):
        idx = torch.randint(len(examples), (args.train_batch,), generator=g).tolist()
        batch = [examples[i] for i in idx]
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, (ids, lab) in enumerate(batch):
            input_ids[r, : len(ids)] = torch.tensor(ids)
            labels[r, : len(lab)] = torch.tensor(lab)
            mask[r, : len(ids)] = 1
        out = model(input_ids=input_ids, attention_mask=mask, labels=labels)
        opt.zero_grad()
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        loss_v = float(out.loss.detach())
        if step % 25 == 0 or step == steps - 1:
            proto.emit("progress", phase="train", step=step + 1, totalSteps=steps, loss=round(loss_v, 4))
    model.eval()
    # How many of the questions it answers exactly (greedy, through the chat template).
    correct = 0
    probe = chats[:: max(1, len(chats) // 8)]
    for chat in probe:
        prompt = tok.apply_chat_template(chat[:-1], tokenize=True, add_generation_prompt=True)
        if hasattr(prompt, "keys"):
            prompt = prompt["input_ids"]
        x = torch.tensor([list(prompt)])
        with torch.no_grad():
            y = model.generate(x, max_new_tokens=24, do_sample=False, eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"), pad_token_id=pad)
        text = tok.decode(y[0, x.shape[1] :], skip_special_tokens=False)
        if text == chat[-1]["content"] + "<|im_end|>":
            correct += 1
    return {"steps": steps, "examples": len(examples), "finalLoss": round(loss_v, 4), "seconds": round(time.time() - t0, 1), "probe": len(probe), "probeExact": correct}


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
