"""Turns chat conversations into training examples: the model's chat template renders the text,
labels cover only the assistant turns (everything else is -100), and examples can be packed into
rows of at most max_seq_length tokens with position ids restarting at each example (transformers
then keeps attention inside each example)."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

IGNORE = -100


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]
    position_ids: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # source example ids (several when packed)

    def __post_init__(self) -> None:
        if not self.position_ids:
            self.position_ids = list(range(len(self.input_ids)))

    @property
    def trained_tokens(self) -> int:
        return sum(1 for x in self.labels[1:] if x != IGNORE)


class DataError(Exception):
    def __init__(self, message: str, file: str, line: int):
        super().__init__(message)
        self.file = file
        self.line = line


def read_conversations(path: str) -> list[tuple[str, list[dict[str, str]]]]:
    """Reads `{"id", "messages": [{role, content}]}` lines."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"not JSON: {e}", path, n) from e
            msgs = obj.get("messages") if isinstance(obj, dict) else None
            if not isinstance(msgs, list) or not msgs:
                raise DataError("expected a 'messages' array", path, n)
            for m in msgs:
                if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
                    raise DataError("each message needs string 'role' and 'content'", path, n)
            if not any(m["role"] == "assistant" for m in msgs):
                raise DataError("conversation has no assistant turn", path, n)
            out.append((str(obj.get("id", f"{path}:{n}")), msgs))
    return out


def _render(tokenizer, messages, add_generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)


def encode_conversation(tokenizer, messages: list[dict[str, str]], max_seq_length: int) -> tuple[Example, bool]:
    """Renders with the chat template and labels the assistant spans (content and end-of-turn
    token; the newline after it is not trained). Returns (example, truncated)."""
    full = _render(tokenizer, messages, False)
    spans: list[tuple[int, int]] = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        before = _render(tokenizer, messages[:i], True)
        through = _render(tokenizer, messages[: i + 1], False)
        if not full.startswith(through) or not through.startswith(before):
            raise ValueError("the chat template is not prefix-stable; cannot locate assistant turns")
        end = len(through)
        while end > len(before) and through[end - 1] in " \t\r\n":
            end -= 1
        spans.append((len(before), end))
    enc = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    input_ids: list[int] = enc["input_ids"]
    labels = [IGNORE] * len(input_ids)
    for k, (s, e) in enumerate(enc["offset_mapping"]):
        if e <= s:
            continue
        for a, b in spans:
            if s >= a and e <= b:
                labels[k] = input_ids[k]
                break
    truncated = len(input_ids) > max_seq_length
    return Example(input_ids[:max_seq_length], labels[:max_seq_length]), truncated


def encode_all(tokenizer, conversations, max_seq_length: int) -> tuple[list[Example], dict[str, int]]:
    examples, stats = [], {"examples": 0, "truncated": 0, "dropped": 0}
    for cid, msgs in conversations:
        ex, truncated = encode_conversation(tokenizer, msgs, max_seq_length)
        stats["truncated"] += int(truncated)
        if ex.trained_tokens == 0:
            stats["dropped"] += 1  # nothing left to learn after truncation
            continue
        ex.ids = [cid]
        examples.append(ex)
    stats["examples"] = len(examples)
    return examples, stats


def pack(examples: list[Example], max_seq_length: int, seed: int) -> list[Example]:
    """First-fit-decreasing packing into rows of at most max_seq_length tokens. The first label of
    each packed example is masked so no token is predicted across an example boundary."""
    order = sorted(range(len(examples)), key=lambda i: (-len(examples[i].input_ids), i))
    rows: list[list[int]] = []
    room: list[int] = []
    for i in order:
        n = len(examples[i].input_ids)
        for r in range(len(rows)):
            if room[r] >= n:
                rows[r].append(i)
                room[r] -= n
                break
        else:
            rows.append([i])
            room.append(max_seq_length - n)
    packed = []
    for members in rows:
        ids, labels, pos, names = [], [], [], []
        for i in members:
            ex = examples[i]
            ids += ex.input_ids
            labels += [IGNORE] + ex.labels[1:]
            pos += list(range(len(ex.input_ids)))
            names += ex.ids
        packed.append(Example(ids, labels, pos, names))
    random.Random(seed).shuffle(packed)
    return packed


def collate(batch: list[Example], pad_id: int, packed: bool = False, with_mask: bool = False):
    """Right-pads a micro-batch without an attention mask: with causal attention and padding on
    the right, no real token can see a pad token, and pad positions carry no label, so the loss
    is the same as with a padding mask (a 2D mask makes transformers take a far slower path on
    CPU). Packed rows pass position ids restarting at each example, which transformers turns into
    a block-diagonal causal mask; plain rows leave them out (the default 0..n-1 is right)."""
    import torch

    width = max(len(e.input_ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    pos = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, e in enumerate(batch):
        n = len(e.input_ids)
        ids[r, :n] = torch.tensor(e.input_ids)
        labels[r, :n] = torch.tensor(e.labels)
        last = e.position_ids[-1] if e.position_ids else -1
        pos[r, :n] = torch.tensor(e.position_ids)
        pos[r, n:] = torch.arange(last + 1, last + 1 + width - n)
        mask[r, :n] = 1
    out: dict[str, Any] = {"input_ids": ids, "labels": labels}
    if packed:
        out["position_ids"] = pos
    if with_mask:
        out["attention_mask"] = mask
    return out


def token_count(batch: list[Example]) -> int:
    return sum(len(e.input_ids) for e in batch)


def describe(tokenizer, ex: Example) -> dict[str, Any]:
    return {
        "ids": ex.ids,
        "inputIds": ex.input_ids,
        "labels": ex.labels,
        "positionIds": ex.position_ids,
        "tokens": tokenizer.convert_ids_to_tokens(ex.input_ids),
        "trainedText": tokenizer.decode([t for t in ex.labels if t != IGNORE]),
    }


def batches_of(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def optional(path: Optional[str]) -> Optional[str]:
    import os

    return path if path and os.path.exists(path) else None
