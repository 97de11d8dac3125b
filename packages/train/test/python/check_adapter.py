"""Test helper: loads base + adapter with PEFT and prints one JSON line describing it.
usage: python check_adapter.py BASE ADAPTER"""
import json
import sys

import torch
from peft import PeftConfig, PeftModel
from transformers import AutoModelForCausalLM

base_path, adapter_path = sys.argv[1], sys.argv[2]
cfg = PeftConfig.from_pretrained(adapter_path)
base = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
model = PeftModel.from_pretrained(base, adapter_path)
lora = {n: p for n, p in model.named_parameters() if "lora_" in n}
b_norm = sum(float(p.abs().sum()) for n, p in lora.items() if "lora_B" in n)
modules = sorted({n.split(".lora_A")[0].split(".")[-1] for n in lora if "lora_A" in n})
print(json.dumps({
    "peftType": str(cfg.peft_type.value if hasattr(cfg.peft_type, "value") else cfg.peft_type),
    "r": cfg.r,
    "alpha": cfg.lora_alpha,
    "targetModules": sorted(cfg.target_modules),
    "loraTensors": len(lora),
    "loraBAbsSum": b_norm,
    "modules": modules,
}))
