"""Merges a LoRA adapter into a full-precision copy of its base model and checks the result.

usage: python merge.py --config CONFIG.json
config: {"model": base dir, "adapter": adapter dir, "out": output dir, "dtype": "float32"|"bfloat16"|"float16",
         "prompts": [str], "tolerance": float}
An adapter trained on a 4-bit base (QLoRA, from the run's config.json) is merged into that base
dequantized and checked against the 4-bit base + adapter (needs CUDA); others into the float32 base. The merged model is saved as
safetensors with the tokenizer and generation config. The logits of base+adapter and of the saved
merged model (loaded back from disk) on the check prompts are compared; the largest absolute
difference is reported in the result line.
"""
from __future__ import annotations

import json
import os
import shutil
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
    return proto.run_config_script(merge, ["torch", "transformers", "peft", "safetensors"], "merge interrupted; the output folder was not written")


def trained_config(adapter: str) -> dict:
    """The training config of the run the adapter comes from: `<run>/config.json` beside `adapter/`,
    or a checkpoint's `state.json`. Empty when the adapter did not come from a mathtune run."""
    for path in (os.path.join(os.path.dirname(os.path.abspath(adapter)), "config.json"), os.path.join(adapter, "state.json")):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, json.JSONDecodeError):
            continue
        cfg = data.get("config", data) if isinstance(data, dict) else {}
        if isinstance(cfg, dict) and "quantization" in cfg:
            return cfg
    return {}


def merge_plan(trained: dict, cuda: bool, base_precision: str = "auto") -> dict:
    """How to merge like with like. An adapter trained against a 4-bit (NF4) base learned the
    difference to the quantized weights, so it is merged into those weights dequantized, and the
    check compares against the 4-bit base + adapter: the model as it was trained. `base_precision`
    "full" merges into the full-precision base instead (and compares against that base + adapter).
    A config still saying "auto" (written before the resolved value was recorded) counts as 4-bit
    only on CUDA, as training resolved it."""
    quant = trained.get("quantization", "none")
    if quant == "auto":
        quant = "4bit" if cuda else "none"
    precision = trained.get("precision", "fp32")
    compute = {"bf16": "bfloat16", "fp16": "float16"}.get(precision, "float16")
    if quant != "4bit" or base_precision == "full":
        return {"base": "full", "reference": "full+adapter", "trainedQuantization": quant, "needsCuda": False}
    return {"base": "nf4-dequantized", "reference": "nf4+adapter", "trainedQuantization": "4bit", "computeDtype": compute, "needsCuda": True}


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
    plan = merge_plan(trained_config(adapter), torch.cuda.is_available(), cfg.get("basePrecision", "auto"))
    if plan["needsCuda"] and not torch.cuda.is_available():
        proto.error(
            "E_CONFIG_INVALID",
            "the adapter was trained against a 4-bit (QLoRA) base; merging and checking it like with like needs CUDA (bitsandbytes)",
            hint="merge on a CUDA machine, or pass basePrecision 'full' (--base-precision full) to merge into the full-precision base",
        )
        return 2
    tok_src = adapter if os.path.exists(os.path.join(adapter, "tokenizer_config.json")) else base_path
    tok = AutoTokenizer.from_pretrained(tok_src)
    if plan["base"] == "nf4-dequantized":
        from transformers import BitsAndBytesConfig

        compute = getattr(torch, plan["computeDtype"])
        proto.emit("progress", phase="load", message=f"loading {base_path} in 4-bit NF4, as the adapter was trained")
        base = AutoModelForCausalLM.from_pretrained(
            base_path,
            dtype=compute,
            device_map={"": 0},
            quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=compute),
        )
    else:
        proto.emit("progress", phase="load", message=f"loading {base_path} in float32")
        # Full precision for the merge itself, whatever the training used (half precision).
        base = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32, low_cpu_mem_usage=True)
    base.eval()
    model = PeftModel.from_pretrained(base, adapter)
    model.eval()
    prompts = cfg.get("prompts") or DEFAULT_PROMPTS
    texts = [tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True) if getattr(tok, "chat_template", None) else p for p in prompts]
    encoded = [tok(t, return_tensors="pt", add_special_tokens=False) for t in texts]

    def logits_of(m):
        dev = next(m.parameters()).device
        with torch.no_grad():
            return [m(**{k: v.to(dev) for k, v in e.items()}).logits.float().cpu() for e in encoded]

    with_adapter = logits_of(model)
    with torch.no_grad():
        with model.disable_adapter():
            base_only = logits_of(model)
    adapter_effect = max((a - b).abs().max().item() for a, b in zip(with_adapter, base_only))
    if plan["base"] == "nf4-dequantized":
        # the weights the adapter was trained against, in full precision, then the adapter merged in
        del model
        proto.emit("progress", phase="merge", message="dequantizing the NF4 base to float32")
        base = base.dequantize().to(torch.float32).cpu()
        model = PeftModel.from_pretrained(base, adapter)
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
    # against a 4-bit reference the check also sees the half-precision compute of the trained model
    tol = float(cfg.get("tolerance", 1e-1 if plan["base"] == "nf4-dequantized" else 1e-3 if dtype == torch.float32 else 5e-2))
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
            "reference": plan["reference"],
        },
        mergedInto=plan["base"],
        trainedQuantization=plan["trainedQuantization"],
        seconds=time.time() - t0,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
