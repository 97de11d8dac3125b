"""Merges a LoRA adapter into a full-precision copy of its base model and checks the result.

usage: python merge.py --config CONFIG.json
config: {"model": base dir, "adapter": adapter dir, "out": output dir, "dtype": "float32"|"bfloat16"|"float16",
         "prompts": [str], "tolerance": float}
The base is always loaded unquantized (never a 4-bit base). The merged model is saved as
safetensors with the tokenizer and generation config. The logits of base+adapter and of the saved
merged model (loaded back from disk) on the check prompts are compared; the largest absolute
difference is reported in the result line.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _protocol as proto  # noqa: E402

DEFAULT_PROMPTS = [
    "What is 12 + 30?",
    "Natalia sold 48 clips in April and half as many in May. How many clips did she sell in all?",
    "Solve for x: 3x + 5 = 20.",
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    args = ap.parse_args()
    proto.open_channel()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        with open(args.config, encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        proto.error("E_CONFIG_INVALID", f"cannot read config {args.config}: {e}")
        return 2
    proto.import_or_fail(["torch", "transformers", "peft", "safetensors"])
    try:
        return merge(cfg)
    except KeyboardInterrupt:
        proto.error("E_CANCELED", "merge interrupted; the output folder was not written")
        return 130
    except Exception as e:  # noqa: BLE001
        return proto.fail_from_exception(e)


def merge(cfg: dict) -> int:
    import torch
    from peft import PeftConfig, PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    t0 = time.time()
    adapter = cfg["adapter"]
    pcfg = PeftConfig.from_pretrained(adapter)
    base_path = cfg.get("model") or pcfg.base_model_name_or_path
    if not base_path or not os.path.isdir(base_path):
        proto.error("E_INPUT_NOT_FOUND", f"base model folder not found: {base_path}", hint="pass the base model's folder (--model)")
        return 2
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[cfg.get("dtype", "float32")]
    out = cfg["out"]
    proto.emit("progress", phase="load", message=f"loading {base_path} in float32")
    tok_src = adapter if os.path.exists(os.path.join(adapter, "tokenizer_config.json")) else base_path
    tok = AutoTokenizer.from_pretrained(tok_src)
    # Full precision for the merge itself, whatever the training used (4-bit or half).
    base = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32, low_cpu_mem_usage=True)
    base.eval()
    model = PeftModel.from_pretrained(base, adapter)
    model.eval()
    prompts = cfg.get("prompts") or DEFAULT_PROMPTS
    texts = [tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True) if getattr(tok, "chat_template", None) else p for p in prompts]
    encoded = [tok(t, return_tensors="pt", add_special_tokens=False) for t in texts]

    def logits_of(m):
        with torch.no_grad():
            return [m(**e).logits.float() for e in encoded]

    with_adapter = logits_of(model)
    with torch.no_grad():
        with model.disable_adapter():
            base_only = logits_of(model)
    adapter_effect = max((a - b).abs().max().item() for a, b in zip(with_adapter, base_only))
    proto.emit("progress", phase="merge", message="merge_and_unload")
    merged = model.merge_and_unload()
    merged = merged.to(dtype)
    tmp = out.rstrip("/") + ".tmp-merge"
    shutil.rmtree(tmp, ignore_errors=True)
    merged.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    try:
        gen = GenerationConfig.from_pretrained(base_path)
    except OSError:
        gen = GenerationConfig.from_model_config(merged.config)
    ends = [i for i in {tok.eos_token_id, tok.convert_tokens_to_ids("<|im_end|>") if "<|im_end|>" in tok.get_vocab() else None} if i is not None]
    if ends and gen.eos_token_id is None:
        gen.eos_token_id = ends if len(ends) > 1 else ends[0]
    gen.save_pretrained(tmp)
    del merged, model, base
    proto.emit("progress", phase="check", message="reloading the merged model to compare logits")
    reloaded = AutoModelForCausalLM.from_pretrained(tmp, dtype=torch.float32)
    reloaded.eval()
    merged_logits = logits_of(reloaded)
    diffs = [(a - b).abs().max().item() for a, b in zip(with_adapter, merged_logits)]
    max_diff = max(diffs)
    tol = float(cfg.get("tolerance", 1e-3 if dtype == torch.float32 else 5e-2))
    if os.path.exists(out):
        shutil.rmtree(out)
    os.replace(tmp, out)
    files = sorted(os.listdir(out))
    proto.emit("artifact", kind="merged", path=os.path.abspath(out))
    proto.emit(
        "result",
        status="ok",
        path=os.path.abspath(out),
        base=os.path.abspath(base_path),
        adapter=os.path.abspath(adapter),
        dtype=cfg.get("dtype", "float32"),
        files=files,
        check={
            "prompts": len(prompts),
            "maxAbsDiff": max_diff,
            "perPrompt": diffs,
            "tolerance": tol,
            "ok": max_diff <= tol,
            "adapterEffect": adapter_effect,
        },
        seconds=time.time() - t0,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
