"""Training speed of fp32 against bf16 autocast on this machine's CPU (or GPU): LoRA on every linear
layer, the same random batch, a few timed optimizer steps after one warm-up step. Prints tokens/s.

    python bench/train-precision.py --model ~/.cache/mathtune/models/smollm2-135m-instruct [--threads 2]

Run it with the project's venv (`mathtune doctor` names it).
"""

import argparse
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM


def bench(model_dir: str, precision: str, batch: int, seq: int, steps: int, device: str) -> float:
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(device)
    model.config.use_cache = False
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=targets, task_type="CAUSAL_LM"))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    ids = torch.randint(0, model.config.vocab_size, (batch, seq), generator=torch.Generator().manual_seed(0)).to(device)

    def step() -> float:
        ctx = torch.autocast(device, dtype=torch.bfloat16) if precision == "bf16" else torch.autocast(device, enabled=False)
        with ctx:
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss.item()

    step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * seq * steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=150)
    ap.add_argument("--steps", type=int, default=4)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    native = torch.cuda.is_bf16_supported() if device == "cuda" else torch.ops.mkldnn._is_mkldnn_bf16_supported()
    print(f"device {device}, {torch.get_num_threads()} threads, native bf16: {native}, torch {torch.__version__}")
    rates = {p: bench(args.model, p, args.batch, args.seq, args.steps, device) for p in ("fp32", "bf16")}
    for p, r in rates.items():
        print(f"{p:5s} {r:8.0f} tokens/s")
    print(f"bf16 / fp32: {rates['bf16'] / rates['fp32']:.2f}x")


if __name__ == "__main__":
    main()
