"""LoRA / QLoRA fine-tuning of a causal LM with PEFT, speaking the mathtune JSON-lines protocol.

usage: python train.py --config CONFIG.json            (one process)
       python -m torch.distributed.run --nproc_per_node N train.py --config CONFIG.json
The config is written by @mathtune/train (camelCase keys, validated there). Rank 0 alone writes
protocol lines on stdout; every rank logs to stderr. SIGINT/SIGTERM stop after the current step,
keep a checkpoint and exit with status 130.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _protocol as proto  # noqa: E402
import _data  # noqa: E402

STOP = threading.Event()
RANK = int(os.environ.get("RANK", "0"))
WORLD = int(os.environ.get("WORLD_SIZE", "1"))
LOCAL_RANK = int(os.environ.get("LOCAL_RANK", "0"))


def _on_signal(signum, frame):  # noqa: ARG001
    if STOP.is_set() and signum == signal.SIGINT:
        raise KeyboardInterrupt  # a second Ctrl-C stops at once
    STOP.set()
    print(f"[mathtune] rank {RANK}: got signal {signum}, stopping after this step", file=sys.stderr, flush=True)


def _watch_parent() -> None:
    parent = os.getppid()
    while not STOP.is_set():
        time.sleep(1.0)
        if os.getppid() != parent:
            STOP.set()
            return


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    args = ap.parse_args()
    proto.open_channel(enabled=RANK == 0)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    threading.Thread(target=_watch_parent, daemon=True).start()
    try:
        with open(args.config, encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        proto.error("E_CONFIG_INVALID", f"cannot read config {args.config}: {e}")
        return 2
    proto.import_or_fail(["torch", "transformers", "peft", "safetensors", "jinja2"])
    try:
        return Trainer(cfg).run()
    except _data.DataError as e:
        proto.error("E_RECORD_INVALID", str(e), file=e.file, line=e.line)
        return 2
    except KeyboardInterrupt:
        proto.error("E_CANCELED", "interrupted twice; stopped without a checkpoint")
        return 130
    except Exception as e:  # noqa: BLE001
        return proto.fail_from_exception(e)


class Trainer:
    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.run_dir = cfg["runDir"]
        self.ckpt_root = os.path.join(self.run_dir, "checkpoints")

    # ---------------------------------------------------------------- setup
    def run(self) -> int:
        import torch

        cfg = self.cfg
        t0 = time.time()
        if cfg.get("threads"):
            torch.set_num_threads(int(cfg["threads"]))
        random.seed(cfg["seed"])
        torch.manual_seed(cfg["seed"])
        self.cuda = torch.cuda.is_available() and not cfg.get("cpu", False)
        self.device = torch.device(f"cuda:{LOCAL_RANK}" if self.cuda else "cpu")
        if self.cuda:
            torch.cuda.set_device(self.device)
        self.dist = None
        if WORLD > 1:
            import torch.distributed as dist

            dist.init_process_group(backend="nccl" if self.cuda else "gloo")
            self.dist = dist
        if cfg["quantization"] == "4bit" and not self.cuda:
            # checked before the data is tokenized, which can take a while
            proto.error("E_CONFIG_INVALID", "4-bit loading (QLoRA) needs CUDA, and this machine has none" + (" in use (cpu: true)" if cfg.get("cpu") else ""), hint="set quantization to 'none' or 'auto' (--quantization none)")
            return 2
        proto.emit("progress", phase="load", message="loading tokenizer and data")
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(cfg["model"])
        if not getattr(tok, "chat_template", None):
            proto.error("E_CONFIG_INVALID", f"the tokenizer in {cfg['model']} has no chat_template", hint="use an instruct model, or add a chat template to its tokenizer_config.json")
            return 2
        self.tok = tok
        self.pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        msl = int(cfg["maxSeqLength"])
        train_conv = _data.read_conversations(cfg["trainFile"])
        train_ex, stats = _data.encode_all(tok, train_conv, msl)
        val_ex: list = []
        if cfg.get("validationFile") and os.path.exists(cfg["validationFile"]):
            val_ex, _ = _data.encode_all(tok, _data.read_conversations(cfg["validationFile"]), msl)
        if stats["truncated"]:
            proto.log(f"{stats['truncated']} of {len(train_conv)} examples were cut to maxSeqLength={msl}", level="warn")
        if stats["dropped"]:
            proto.log(f"{stats['dropped']} examples had no assistant token left after truncation and were dropped", level="warn")
        if not train_ex:
            proto.error("E_INPUT_EMPTY", f"no trainable examples in {cfg['trainFile']}")
            return 2
        units = _data.pack(train_ex, msl, cfg["seed"]) if cfg["packing"] else train_ex
        if cfg.get("mode") == "inspect":
            limit = int(cfg.get("inspectLimit", 4))
            proto.emit(
                "result",
                status="ok",
                mode="inspect",
                stats={**stats, "units": len(units)},
                examples=[_data.describe(tok, e) for e in units[:limit]],
            )
            return 0
        self.units, self.val, self.n_examples = units, val_ex, len(train_ex)
        model = self._load_model()
        return self._loop(model, t0)

    def _resolve_precision(self):
        import torch

        want = self.cfg["precision"]
        if want == "auto":
            if not self.cuda:
                want = "fp32"
            else:
                want = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        if want == "fp16" and not self.cuda:
            proto.log("fp16 training needs CUDA here; using fp32 on the CPU (bf16 runs on a CPU)", level="warn")
            want = "fp32"
        if want == "bf16" and not self.cuda and not torch.ops.mkldnn._is_mkldnn_bf16_supported():
            # Without bf16 instructions (AVX512-BF16, AMX) oneDNN emulates it, slower than fp32.
            proto.log("this CPU has no bf16 instructions (AVX512-BF16 or AMX); bf16 would be emulated and slower, so using fp32", level="warn")
            want = "fp32"
        return want, {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[want]

    def _load_model(self):
        import torch
        from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
        from transformers import AutoModelForCausalLM

        cfg = self.cfg
        self.precision, dtype = self._resolve_precision()
        quant = cfg["quantization"]
        if quant == "auto":
            quant = "4bit" if self.cuda and _has("bitsandbytes") else "none"
        if quant == "4bit" and not self.cuda:
            proto.error("E_CONFIG_INVALID", "4-bit loading (QLoRA) needs CUDA", hint="set quantization to 'none' or 'auto' on this machine")
            raise SystemExit(2)
        self.quant = quant
        kwargs = {"dtype": dtype if self.cuda else torch.float32, "low_cpu_mem_usage": True}
        if quant == "4bit":
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=dtype if dtype != torch.float32 else torch.float16,
            )
            kwargs["device_map"] = {"": self.device.index or 0}
        proto.emit("progress", phase="load", message=f"loading {cfg['model']} ({quant}, {self.precision})")
        model = AutoModelForCausalLM.from_pretrained(cfg["model"], **kwargs)
        model.config.use_cache = False
        if quant == "4bit":
            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg["gradientCheckpointing"])
        else:
            model.to(self.device)
            if cfg["gradientCheckpointing"]:
                model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
                model.enable_input_require_grads()
        lcfg = LoraConfig(
            r=cfg["loraR"],
            lora_alpha=cfg["loraAlpha"],
            lora_dropout=cfg["loraDropout"],
            target_modules=list(cfg["targetModules"]),
            bias="none",
            task_type="CAUSAL_LM",
            use_rslora=cfg["useRslora"],
            use_dora=cfg["useDora"],
        )
        model = get_peft_model(model, lcfg)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        total = sum(p.numel() for p in model.parameters())
        proto.log(f"trainable parameters: {trainable} of {total} ({100 * trainable / total:.3f}%)", trainable=trainable, total=total)
        return model

    # ---------------------------------------------------------------- loop
    def _loop(self, model, t0: float) -> int:
        import torch
        from transformers import get_scheduler

        cfg = self.cfg
        bs = int(cfg["batchSize"])
        n = len(self.units)
        spe = max(1, math.ceil(n / bs))
        total = spe * int(cfg["epochs"])
        if cfg.get("maxSteps"):
            total = min(total, int(cfg["maxSteps"]))
        warmup = cfg.get("warmupSteps")
        if warmup is None:
            warmup = math.ceil(total * float(cfg["warmupRatio"]))
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=cfg["learningRate"], weight_decay=cfg["weightDecay"])
        sched = get_scheduler(cfg["scheduler"], optimizer=opt, num_warmup_steps=warmup, num_training_steps=total)
        per_rank = max(1, math.ceil(bs / WORLD))
        micro = int(cfg.get("microBatchSize") or per_rank)
        auto_micro = not cfg.get("microBatchSize")
        start, tokens_seen = 0, 0
        resumed = self._resume(model, opt, sched) if cfg.get("resume") else None
        if resumed:
            start, tokens_seen = resumed["step"], resumed.get("tokensSeen", 0)
            micro = resumed.get("microBatchSize", micro) if auto_micro else micro
        self.scaler = torch.amp.GradScaler("cuda") if self.cuda and self.precision == "fp16" and self.quant == "none" else None
        ddp = model
        if self.dist is not None:
            from torch.nn.parallel import DistributedDataParallel

            ddp = DistributedDataParallel(model, device_ids=[self.device.index] if self.cuda else None)
        proto.emit(
            "progress",
            phase="start",
            step=start,
            totalSteps=total,
            epochs=cfg["epochs"],
            stepsPerEpoch=spe,
            examples=self.n_examples,
            rows=n,
            microBatchSize=micro,
            gradientAccumulation=math.ceil(per_rank / micro),
            worldSize=WORLD,
            precision=self.precision,
            quantization=self.quant,
            device=str(self.device),
            resumedFrom=resumed["path"] if resumed else None,
        )
        if self.val and start == 0 and cfg.get("evalAtStart", True):
            self._emit_eval(model, 0)
        last_saved = start
        step = start
        first_loss = last_loss = None
        status = "ok"
        while step < total:
            if self._should_stop():
                status = "canceled"
                break
            epoch, k = divmod(step, spe)
            order = list(range(n))
            random.Random(cfg["seed"] * 1000003 + epoch).shuffle(order)
            chosen = order[k * bs : (k + 1) * bs]
            while len(chosen) % WORLD:
                chosen.append(order[len(chosen) % n])
            mine = [self.units[i] for i in chosen[RANK::WORLD]]
            lr = sched.get_last_lr()[0]
            t_step = time.time()
            while True:
                try:
                    loss_sum, tok_count, processed = self._step(ddp, model, mine, micro)
                    break
                except Exception as e:  # noqa: BLE001
                    if not (auto_micro and proto.is_oom(e) and micro > 1 and WORLD == 1):
                        raise
                    opt.zero_grad(set_to_none=True)
                    if self.cuda:
                        torch.cuda.empty_cache()
                    micro = max(1, micro // 2)
                    proto.log(f"out of memory; retrying with microBatchSize={micro} (gradient accumulation {math.ceil(per_rank / micro)})", level="warn")
            if self.scaler:
                self.scaler.unscale_(opt)
            grad_norm = float(torch.nn.utils.clip_grad_norm_(params, cfg["maxGradNorm"])) if cfg["maxGradNorm"] else None
            if self.scaler:
                self.scaler.step(opt)
                self.scaler.update()
            else:
                opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            tokens_seen += processed
            loss = loss_sum / max(tok_count, 1)
            first_loss = loss if first_loss is None else first_loss
            last_loss = loss
            dt = max(time.time() - t_step, 1e-9)
            proto.emit(
                "progress",
                phase="train",
                step=step,
                totalSteps=total,
                epoch=round(step / spe, 4),
                loss=loss,
                learningRate=lr,
                tokensPerSecond=processed / dt,
                tokens=tokens_seen,
                elapsedSeconds=time.time() - t0,
            )
            proto.emit("metric", split="train", step=step, epoch=round(step / spe, 4), loss=loss, learningRate=lr, gradNorm=grad_norm, tokensPerSecond=processed / dt, trainedTokens=tok_count)
            if self.val and cfg.get("evalSteps") and step % int(cfg["evalSteps"]) == 0 and step < total:
                self._emit_eval(model, step)
            if cfg.get("saveSteps") and step % int(cfg["saveSteps"]) == 0 and step < total:
                self._save_checkpoint(model, opt, sched, step, micro, tokens_seen)
                last_saved = step
        eval_loss = None
        if status == "canceled":
            ckpt = None
            if step > last_saved or (step > 0 and not self._latest_checkpoint()):
                ckpt = self._save_checkpoint(model, opt, sched, step, micro, tokens_seen)
            else:
                ckpt = self._latest_checkpoint()
            proto.emit("result", status="canceled", step=step, totalSteps=total, checkpoint=ckpt, firstLoss=first_loss, lastLoss=last_loss)
            self._finish()
            return 130
        if self.val:
            eval_loss = self._emit_eval(model, step)
        adapter_dir = os.path.join(self.run_dir, "adapter")
        if RANK == 0:
            tmp = adapter_dir + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            model.save_pretrained(tmp, safe_serialization=True)
            self.tok.save_pretrained(tmp)
            shutil.rmtree(adapter_dir, ignore_errors=True)
            os.replace(tmp, adapter_dir)
            proto.emit("artifact", kind="adapter", path=os.path.abspath(adapter_dir), step=step)
        proto.emit(
            "result",
            status="ok",
            step=step,
            totalSteps=total,
            adapter=os.path.abspath(adapter_dir),
            firstLoss=first_loss,
            lastLoss=last_loss,
            evalLoss=eval_loss,
            tokens=tokens_seen,
            seconds=time.time() - t0,
            peakMemoryBytes=_peak_memory(self.cuda),
            precision=self.precision,
            quantization=self.quant,
            worldSize=WORLD,
        )
        self._finish()
        return 0

    def _should_stop(self) -> bool:
        import torch

        flag = STOP.is_set()
        if self.dist is not None:
            t = torch.tensor([1.0 if flag else 0.0], device=self.device)
            self.dist.all_reduce(t, op=self.dist.ReduceOp.MAX)
            flag = bool(t.item() > 0)
        return flag

    def _step(self, ddp, model, mine, micro):
        """One optimizer step's forward/backward over this rank's share, in micro-batches.
        Returns (sum of token losses, trained tokens, input tokens) over all ranks."""
        import contextlib

        import torch

        local_tokens = sum(e.trained_tokens for e in mine)
        counts = torch.tensor([float(local_tokens), float(_data.token_count(mine))], device=self.device)
        if self.dist is not None:
            self.dist.all_reduce(counts)
        global_tokens = max(counts[0].item(), 1.0)
        chunks = list(_data.batches_of(mine, micro))
        loss_sum = torch.zeros((), device=self.device)
        fake_oom = int(os.environ.get("MATHTUNE_FAKE_OOM_ABOVE", "0"))  # fault injection for tests
        for i, chunk in enumerate(chunks):
            if fake_oom and len(chunk) > fake_oom:
                raise RuntimeError(f"CUDA out of memory (simulated: micro-batch of {len(chunk)} > {fake_oom})")
            batch = {k: v.to(self.device) for k, v in _data.collate(chunk, self.pad_id, self.cfg["packing"]).items()}
            sync = contextlib.nullcontext() if (self.dist is None or i == len(chunks) - 1) else ddp.no_sync()
            with sync:
                s = self._loss_sum(ddp, batch)
                scaled = s / global_tokens * WORLD
                if self.scaler:
                    self.scaler.scale(scaled).backward()
                else:
                    scaled.backward()
            loss_sum += s.detach()
        if self.dist is not None:
            self.dist.all_reduce(loss_sum)
        return loss_sum.item(), global_tokens, int(counts[1].item())

    def _loss_sum(self, model, batch):
        import torch
        import torch.nn.functional as F

        labels = batch.pop("labels")
        # On a CPU, bf16 is autocast over fp32 weights (oneDNN's bf16 kernels); on CUDA, bf16 or fp16.
        ctx = (
            torch.autocast(self.device.type, dtype=torch.bfloat16 if self.precision == "bf16" else torch.float16)
            if self.precision != "fp32"
            else _null()
        )
        with ctx:
            out = model(**batch, use_cache=False)
        logits = out.logits[:, :-1, :].float()
        target = labels[:, 1:]
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=_data.IGNORE, reduction="sum")

    def _emit_eval(self, model, step: int):
        import torch

        model.eval()
        mine = self.val[RANK::WORLD]
        total = torch.zeros(2, device=self.device)
        size = max(1, int(self.cfg.get("microBatchSize") or 8))
        n_batches = math.ceil(len(mine) / size)
        shown = 0.0
        with torch.no_grad():
            for i, chunk in enumerate(_data.batches_of(mine, size)):
                if time.time() - shown >= 0.5:  # progress during the pass, at most twice a second
                    proto.emit("progress", phase="eval", step=step, batch=i, batches=n_batches)
                    shown = time.time()
                batch = {k: v.to(self.device) for k, v in _data.collate(chunk, self.pad_id).items()}
                total[0] += self._loss_sum(model, batch)
                total[1] += sum(e.trained_tokens for e in chunk)
        proto.emit("progress", phase="eval", step=step, batch=n_batches, batches=n_batches)
        if self.dist is not None:
            self.dist.all_reduce(total)
        model.train()
        loss = (total[0] / total[1].clamp(min=1)).item()
        proto.emit("metric", split="validation", step=step, loss=loss, tokens=int(total[1].item()))
        return loss

    # ---------------------------------------------------------------- checkpoints
    def _latest_checkpoint(self):
        if not os.path.isdir(self.ckpt_root):
            return None
        found = []
        for name in os.listdir(self.ckpt_root):
            m = re.fullmatch(r"checkpoint-(\d+)", name)
            if m and os.path.exists(os.path.join(self.ckpt_root, name, "state.json")):
                found.append((int(m.group(1)), name))
        return os.path.abspath(os.path.join(self.ckpt_root, max(found)[1])) if found else None

    def _save_checkpoint(self, model, opt, sched, step, micro, tokens_seen):
        import torch

        path = os.path.join(self.ckpt_root, f"checkpoint-{step}")
        if RANK == 0:
            tmp = path + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp, exist_ok=True)
            model.save_pretrained(tmp, safe_serialization=True)
            torch.save(opt.state_dict(), os.path.join(tmp, "optimizer.pt"))
            torch.save(sched.state_dict(), os.path.join(tmp, "scheduler.pt"))
            torch.save({"cpu": torch.get_rng_state(), "python": random.getstate()}, os.path.join(tmp, "rng.pt"))
            with open(os.path.join(tmp, "state.json"), "w", encoding="utf-8") as f:
                json.dump({"step": step, "microBatchSize": micro, "tokensSeen": tokens_seen, "config": self.cfg}, f)
            shutil.rmtree(path, ignore_errors=True)
            os.replace(tmp, path)
            self._rotate()
            proto.emit("artifact", kind="checkpoint", path=os.path.abspath(path), step=step)
        if self.dist is not None:
            self.dist.barrier()
        return os.path.abspath(path)

    def _rotate(self):
        keep = int(self.cfg.get("saveTotalLimit") or 0)
        if keep <= 0:
            return
        steps = sorted(int(m.group(1)) for name in os.listdir(self.ckpt_root) if (m := re.fullmatch(r"checkpoint-(\d+)", name)))
        for s in steps[:-keep]:
            shutil.rmtree(os.path.join(self.ckpt_root, f"checkpoint-{s}"), ignore_errors=True)

    def _resume(self, model, opt, sched):
        import torch
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        path = self.cfg["resume"] if isinstance(self.cfg["resume"], str) else self._latest_checkpoint()
        if not path:
            proto.log("no checkpoint to resume from; starting at step 0")
            return None
        with open(os.path.join(path, "state.json"), encoding="utf-8") as f:
            state = json.load(f)
        weights = load_file(os.path.join(path, "adapter_model.safetensors"), device=str(self.device))
        set_peft_model_state_dict(model, weights)
        opt.load_state_dict(torch.load(os.path.join(path, "optimizer.pt"), map_location=self.device, weights_only=False))
        sched.load_state_dict(torch.load(os.path.join(path, "scheduler.pt"), weights_only=False))
        rng = torch.load(os.path.join(path, "rng.pt"), weights_only=False)
        torch.set_rng_state(rng["cpu"])
        random.setstate(rng["python"])
        proto.log(f"resumed from {path} at step {state['step']}", step=state["step"])
        return {**state, "path": os.path.abspath(path)}

    def _finish(self):
        if self.dist is not None:
            self.dist.barrier()
            self.dist.destroy_process_group()


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def _has(mod: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(mod) is not None


def _peak_memory(cuda: bool) -> int:
    if cuda:
        import torch

        return int(torch.cuda.max_memory_allocated())
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


if __name__ == "__main__":
    sys.exit(main())
