"""LoRA / QLoRA fine-tuning of a causal LM with PEFT on transformers' Trainer, speaking the mathtune
JSON-lines protocol.

usage: python train.py --config CONFIG.json                                   (one process)
       python -m torch.distributed.run --nproc_per_node N train.py --config CONFIG.json
       accelerate launch [--config_file ACCELERATE.yaml] train.py --config CONFIG.json
The config is written by @mathtune/train (camelCase keys, validated there). The loop is
`transformers.Trainer`: distribution (DDP; DeepSpeed ZeRO and FSDP through an accelerate config),
mixed precision, gradient accumulation, checkpoints and their resume are its own. What mathtune
adds sits around it: the data (`_data.py`: chat template, assistant-only labels, packing), the
protocol (`_protocol.py`) spoken from a TrainerCallback, a token-weighted validation loss, cancel
on SIGINT/SIGTERM and halving the micro-batch on out-of-memory. Rank 0 alone writes protocol lines
on stdout; every rank logs to stderr. SIGINT/SIGTERM stop after the current step, keep a checkpoint
and exit with status 130.
"""
from __future__ import annotations

import argparse
import json
import math
import os
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
    proto.import_or_fail(["torch", "transformers", "peft", "accelerate", "safetensors", "jinja2"])
    try:
        return Run(cfg).run()
    except _data.DataError as e:
        proto.error("E_RECORD_INVALID", str(e), file=e.file, line=e.line)
        return 2
    except KeyboardInterrupt:
        proto.error("E_CANCELED", "interrupted twice; stopped without a checkpoint")
        return 130
    except Exception as e:  # noqa: BLE001
        return proto.fail_from_exception(e)


class Run:
    """One invocation: data and model set-up, then the Trainer (again with a halved micro-batch
    after an out-of-memory error), then the adapter."""

    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.run_dir = cfg["runDir"]
        self.ckpt_root = os.path.join(self.run_dir, "checkpoints")

    # ---------------------------------------------------------------- setup
    def run(self) -> int:
        import torch

        cfg = self.cfg
        self.t0 = time.time()
        if cfg.get("threads"):
            torch.set_num_threads(int(cfg["threads"]))
            os.environ["OMP_NUM_THREADS"] = str(cfg["threads"])  # accelerate sets its own count on CPUs without it
        torch.manual_seed(cfg["seed"])
        self.cuda = torch.cuda.is_available() and not cfg.get("cpu", False)
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
        self.precision, dtype = self._resolve_precision()
        model = self._load_model(dtype)
        return self._train(model)

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

    def _load_model(self, dtype):
        import torch
        from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
        from transformers import AutoModelForCausalLM

        cfg = self.cfg
        quant = cfg["quantization"]
        if quant == "auto":
            quant = "4bit" if self.cuda and _has("bitsandbytes") else "none"
        self.quant = quant
        # On a CPU the weights stay float32 and bf16 is autocast over them (oneDNN's bf16 kernels).
        kwargs = {"dtype": dtype if self.cuda else torch.float32, "low_cpu_mem_usage": True}
        if quant == "4bit":
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=dtype if dtype != torch.float32 else torch.float16,
            )
            kwargs["device_map"] = {"": LOCAL_RANK}
        proto.emit("progress", phase="load", message=f"loading {cfg['model']} ({quant}, {self.precision})")
        model = AutoModelForCausalLM.from_pretrained(cfg["model"], **kwargs)
        model.config.use_cache = False
        if quant == "4bit":
            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg["gradientCheckpointing"])
        elif cfg["gradientCheckpointing"]:
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

    # ---------------------------------------------------------------- the Trainer
    def _train(self, model) -> int:
        import _trainer

        cfg = self.cfg
        bs = int(cfg["batchSize"])
        per_rank = max(1, math.ceil(bs / WORLD))
        auto_micro = not cfg.get("microBatchSize")
        micro = int(cfg.get("microBatchSize") or per_rank)
        resume, state = None, {}
        if cfg.get("resume"):
            resume = cfg["resume"] if isinstance(cfg["resume"], str) else self._latest_checkpoint()
            if not resume:
                proto.log("no checkpoint to resume from; starting at step 0")
            else:
                resume = os.path.abspath(resume)
                with open(os.path.join(resume, "state.json"), encoding="utf-8") as f:
                    state = json.load(f)
                if auto_micro:
                    micro = int(state.get("microBatchSize", micro))  # a halving after OOM holds on resume
        if per_rank % micro:
            proto.log(f"microBatchSize={micro} does not divide the {per_rank} examples per step and process; a step takes {micro * math.ceil(per_rank / micro)}", level="warn")
        self.progress = _trainer.Progress(tokens=int(state.get("tokensSeen", 0)))
        resumed_from = resume
        eval_at_start = bool(self.val) and not resume and cfg.get("evalAtStart", True)
        while True:
            trainer = self._make_trainer(model, micro, per_rank, eval_at_start, resumed_from)
            try:
                trainer.train(resume_from_checkpoint=resume)
                break
            except Exception as e:  # noqa: BLE001
                # The micro-batch halves and gradient accumulation doubles, so the batch (and the
                # run's numbers) stay the same; the failed step is done again from the last finished
                # one, kept as a checkpoint.
                if not (auto_micro and proto.is_oom(e) and micro > 1 and trainer.args.world_size == 1):
                    raise
                model = self._recover(trainer)
                done = trainer.state.global_step
                if done > 0 and not (resume and resume.endswith(f"checkpoint-{done}")):
                    resume = self._save_now(trainer)
                eval_at_start = False
                micro = max(1, micro // 2)
                proto.log(f"out of memory; retrying with microBatchSize={micro} (gradient accumulation {math.ceil(per_rank / micro)})", level="warn")
        return self._finish(trainer)

    def _make_trainer(self, model, micro: int, per_rank: int, eval_at_start: bool, resumed_from):
        from transformers import TrainingArguments

        import _trainer

        cfg = self.cfg
        accumulation = math.ceil(per_rank / micro)
        # steps per epoch as Trainer counts them: micro-batches per process, grouped by accumulation
        batches = math.ceil(math.ceil(len(self.units) / micro) / WORLD)
        steps_per_epoch = max(1, math.ceil(batches / accumulation))
        total = steps_per_epoch * int(cfg["epochs"])
        if cfg.get("maxSteps"):
            total = min(total, int(cfg["maxSteps"]))
        warmup = cfg.get("warmupSteps")
        if warmup is None:
            warmup = math.ceil(total * float(cfg["warmupRatio"]))
        self.total_steps = total
        every_eval = int(cfg.get("evalSteps") or 0)
        args = TrainingArguments(
            output_dir=self.ckpt_root,
            per_device_train_batch_size=micro,
            gradient_accumulation_steps=accumulation,
            max_steps=total,
            learning_rate=cfg["learningRate"],
            weight_decay=cfg["weightDecay"],
            lr_scheduler_type=cfg["scheduler"],
            warmup_steps=int(warmup),
            optim="adamw_torch",
            max_grad_norm=float(cfg["maxGradNorm"] or 0),
            bf16=self.precision == "bf16",
            fp16=self.precision == "fp16" and self.quant == "none",
            use_cpu=not self.cuda,
            seed=int(cfg["seed"]),
            data_seed=int(cfg["seed"]),
            # validation every evalSteps and always at the end (then an interval of the whole run)
            eval_strategy="steps" if self.val else "no",
            eval_steps=(every_eval or total) if self.val else None,
            eval_on_start=eval_at_start,
            save_strategy="steps" if cfg.get("saveSteps") else "no",
            save_steps=int(cfg.get("saveSteps") or 500),
            save_total_limit=int(cfg["saveTotalLimit"]) if cfg.get("saveTotalLimit") else None,
            logging_strategy="steps",
            logging_steps=1,
            report_to="none",
            disable_tqdm=True,
            remove_unused_columns=False,
            dataloader_pin_memory=self.cuda,
            ddp_backend=("nccl" if self.cuda else "gloo") if WORLD > 1 else None,
            ddp_find_unused_parameters=False,
        )
        start = {
            "totalSteps": total,
            "epochs": cfg["epochs"],
            "stepsPerEpoch": steps_per_epoch,
            "examples": self.n_examples,
            "rows": len(self.units),
            "microBatchSize": micro,
            "gradientAccumulation": accumulation,
            "precision": self.precision,
            "quantization": self.quant,
            "resumedFrom": resumed_from,
        }
        callback = _trainer.ProtocolCallback(self.progress, start, STOP.is_set, self.t0, {"microBatchSize": micro, "config": cfg})
        return _trainer.MathtuneTrainer(
            progress=self.progress,
            validation=self.val,
            pad_id=self.pad_id,
            eval_batch=max(1, int(cfg.get("microBatchSize") or 8)),
            model=model,
            args=args,
            train_dataset=_trainer.Units(self.units),
            # MathtuneTrainer.evaluate reads `validation`; Trainer only checks that a step-wise evaluation has a dataset
            eval_dataset=_trainer.Units(self.val) if self.val else None,
            data_collator=_trainer.Collator(self.pad_id, bool(cfg["packing"])),
            callbacks=[callback],
        )

    def _recover(self, trainer):
        """After an out-of-memory error: drop the failed step's partial gradients and counts and
        the accelerate wrappers (a new Trainer prepares the model again), and free the memory."""
        import gc

        import torch
        from accelerate.utils import extract_model_from_parallel

        model = extract_model_from_parallel(trainer.model, keep_fp32_wrapper=False)
        model.zero_grad(set_to_none=True)
        self.progress.new_step()
        trainer.accelerator.free_memory()
        gc.collect()
        if self.cuda:
            torch.cuda.empty_cache()
        return model

    def _save_now(self, trainer) -> str:
        """A checkpoint at the trainer's last finished step, as a step-interval save writes it."""
        trainer._save_checkpoint(trainer.model_wrapped, trial=None)
        trainer.control = trainer.callback_handler.on_save(trainer.args, trainer.state, trainer.control)
        return os.path.abspath(os.path.join(self.ckpt_root, f"checkpoint-{trainer.state.global_step}"))

    def _finish(self, trainer) -> int:
        p = self.progress
        step = trainer.state.global_step
        total = self.total_steps
        if p.canceled and step < total:
            proto.emit("result", status="canceled", step=step, totalSteps=total, checkpoint=self._latest_checkpoint(), firstLoss=p.first_loss, lastLoss=p.last_loss)
            trainer.accelerator.wait_for_everyone()
            return 130
        adapter_dir = os.path.join(self.run_dir, "adapter")
        if trainer.is_world_process_zero():
            tmp = adapter_dir + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            trainer.model.save_pretrained(tmp, safe_serialization=True)
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
            firstLoss=p.first_loss,
            lastLoss=p.last_loss,
            evalLoss=p.eval_loss,
            tokens=p.tokens,
            seconds=time.time() - self.t0,
            peakMemoryBytes=_peak_memory(self.cuda),
            precision=self.precision,
            quantization=self.quant,
            worldSize=trainer.args.world_size,
        )
        trainer.accelerator.wait_for_everyone()
        return 0

    # ---------------------------------------------------------------- checkpoints
    def _latest_checkpoint(self):
        """The newest complete checkpoint: state.json is written last, after Trainer's own files."""
        if not os.path.isdir(self.ckpt_root):
            return None
        found = []
        for name in os.listdir(self.ckpt_root):
            m = re.fullmatch(r"checkpoint-(\d+)", name)
            if m and os.path.exists(os.path.join(self.ckpt_root, name, "state.json")):
                found.append((int(m.group(1)), name))
        return os.path.abspath(os.path.join(self.ckpt_root, max(found)[1])) if found else None


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
