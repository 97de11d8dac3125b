"""mathtune's additions to transformers' Trainer: the training units as a dataset and their
collator, a Trainer subclass (token counts per step for the protocol, a validation loss weighted by
trained tokens over the whole split) and the callback that speaks the protocol from Trainer's
events. Imported by train.py once the packages are known to be there."""
from __future__ import annotations

import json
import math
import os
import time
from typing import Any, Callable, Optional

import torch
from transformers import Trainer, TrainerCallback

import _data
import _protocol as proto


class Progress:
    """What the protocol reports, across steps and across Trainer instances (after an OOM)."""

    def __init__(self, tokens: int):
        self.tokens = tokens  # input tokens over all processes since step 0
        self.first_loss: Optional[float] = None
        self.last_loss: Optional[float] = None
        self.eval_loss: Optional[float] = None
        self.canceled = False
        self.started = False  # the start line goes out once, not again after an OOM retry
        self.last: Optional[dict[str, Any]] = None  # the finished step's figures, over all processes
        self.new_step()

    def new_step(self) -> None:
        self.step_loss = 0.0  # this process's share of the running step
        self.step_tokens = 0
        self.step_trained = 0
        self.step_started: Optional[float] = None


class Units(torch.utils.data.Dataset):
    """The training units (examples, or packed rows) as a map-style dataset."""

    def __init__(self, units: list[_data.Example]):
        self.units = units

    def __len__(self) -> int:
        return len(self.units)

    def __getitem__(self, i: int) -> _data.Example:
        return self.units[i]


class Collator:
    """`_data.collate`, plus the micro-batch's unpadded token count (taken out before the forward)."""

    def __init__(self, pad_id: int, packed: bool):
        self.pad_id = pad_id
        self.packed = packed

    def __call__(self, batch: list[_data.Example]) -> dict[str, torch.Tensor]:
        out = _data.collate(batch, self.pad_id, self.packed)
        out["mathtune_tokens"] = torch.tensor(_data.token_count(batch))
        return out


class MathtuneTrainer(Trainer):
    """Trainer, counting tokens per step and computing the validation loss per trained token over
    the whole split (Trainer's own evaluation averages per batch)."""

    def __init__(self, progress: Progress, validation: list[_data.Example], pad_id: int, eval_batch: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.progress = progress
        self.validation = validation
        self.pad_id = pad_id
        self.eval_batch = eval_batch

    def training_step(self, model, inputs, num_items_in_batch=None):
        p = self.progress
        if p.step_started is None:
            p.step_started = time.time()
        p.step_tokens += int(inputs.pop("mathtune_tokens"))
        # fault injection for tests: OOM for micro-batches above a size (from a step on)
        fake_oom = int(os.environ.get("MATHTUNE_FAKE_OOM_ABOVE", "0"))
        from_step = int(os.environ.get("MATHTUNE_FAKE_OOM_FROM_STEP", "0"))
        if fake_oom and inputs["input_ids"].shape[0] > fake_oom and self.state.global_step >= from_step:
            raise RuntimeError(f"CUDA out of memory (simulated: micro-batch of {inputs['input_ids'].shape[0]} > {fake_oom})")
        loss = super().training_step(model, inputs, num_items_in_batch)
        # With the step's trained-token count over all processes (num_items_in_batch), a micro-batch's
        # loss is its token-loss sum over that count, times the process count (DDP averages
        # gradients): summed over the step's micro-batches and processes, then divided by the process
        # count, it is the step's loss per trained token.
        p.step_loss += float(loss)
        p.step_trained = int(num_items_in_batch) if num_items_in_batch is not None else 0
        return loss

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval") -> dict[str, float]:  # noqa: ARG002
        loss = self.validation_loss()
        metrics = {f"{metric_key_prefix}_loss": loss}
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics=metrics)
        return metrics

    def validation_loss(self) -> float:
        """Mean loss per trained token over the validation split, each process taking its share."""
        model, device = self.model, self.args.device
        was_training = model.training
        model.eval()
        mine = self.validation[self.args.process_index :: self.args.world_size]
        total = torch.zeros(2, device=device, dtype=torch.float64)
        n_batches = math.ceil(len(mine) / self.eval_batch)
        step = self.state.global_step
        shown = 0.0
        with torch.no_grad():
            for i, chunk in enumerate(_data.batches_of(mine, self.eval_batch)):
                if time.time() - shown >= 0.5:  # progress during the pass, at most twice a second
                    proto.emit("progress", phase="eval", step=step, batch=i, batches=n_batches)
                    shown = time.time()
                batch = {k: v.to(device) for k, v in _data.collate(chunk, self.pad_id).items()}
                trained = sum(e.trained_tokens for e in chunk)
                out = self.model_wrapped(**batch, use_cache=False)
                total[0] += out.loss.double() * trained  # the model's loss: the mean over trained tokens
                total[1] += trained
        proto.emit("progress", phase="eval", step=step, batch=n_batches, batches=n_batches)
        if self.args.world_size > 1:
            torch.distributed.all_reduce(total)
        if was_training:
            model.train()
        loss = (total[0] / total[1].clamp(min=1)).item()
        self.progress.eval_loss = loss
        proto.emit("metric", split="validation", step=step, loss=loss, tokens=int(total[1].item()))
        return loss


class ProtocolCallback(TrainerCallback):
    """Speaks the protocol from Trainer's events: the start line, a progress and a metric line per
    step, checkpoints (with mathtune's state.json, written last), and the cancel request, agreed
    between processes after each step."""

    def __init__(self, progress: Progress, start: dict[str, Any], stop: Callable[[], bool], t0: float, state_extra: dict[str, Any]):
        self.progress = progress
        self.start = start
        self.stop = stop
        self.t0 = t0
        self.state_extra = state_extra

    def on_train_begin(self, args, state, control, **kwargs):  # noqa: ARG002
        if self.progress.started:
            return
        self.progress.started = True
        proto.emit("progress", phase="start", step=state.global_step, worldSize=args.world_size, device=str(args.device), **self.start)

    def on_step_end(self, args, state, control, **kwargs):  # noqa: ARG002
        p = self.progress
        figures = torch.tensor([p.step_loss, float(p.step_tokens), 1.0 if self.stop() else 0.0], device=args.device, dtype=torch.float64)
        if args.world_size > 1:
            torch.distributed.all_reduce(figures)
        loss = figures[0].item() / args.world_size
        tokens = int(figures[1].item())
        p.tokens += tokens
        p.last = {"loss": loss, "tokens": tokens, "trained": p.step_trained, "seconds": max(time.time() - (p.step_started or time.time()), 1e-9)}
        p.first_loss = loss if p.first_loss is None else p.first_loss
        p.last_loss = loss
        p.new_step()
        end = state.global_step >= state.max_steps
        if end:
            control.should_save = False  # the adapter is saved at the end: no checkpoint there
        elif figures[2].item() > 0:
            p.canceled = True
            control.should_training_stop = True
            control.should_save = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ARG002
        p = self.progress
        if not logs or "loss" not in logs or p.last is None:
            return
        step = state.global_step
        epoch = round(step / self.start["stepsPerEpoch"], 4)
        lr = logs.get("learning_rate")
        speed = p.last["tokens"] / p.last["seconds"]
        loss = p.last["loss"]
        proto.emit("progress", phase="train", step=step, totalSteps=state.max_steps, epoch=epoch, loss=loss, learningRate=lr, tokensPerSecond=speed, tokens=p.tokens, elapsedSeconds=time.time() - self.t0)
        proto.emit("metric", split="train", step=step, epoch=epoch, loss=loss, learningRate=lr, gradNorm=logs.get("grad_norm"), tokensPerSecond=speed, trainedTokens=p.last["trained"])

    def on_save(self, args, state, control, **kwargs):  # noqa: ARG002
        path = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
        if not (state.is_world_process_zero and os.path.isdir(path)):
            return
        tmp = os.path.join(path, "state.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"step": state.global_step, "tokensSeen": self.progress.tokens, **self.state_extra}, f)
        os.replace(tmp, os.path.join(path, "state.json"))
        proto.emit("artifact", kind="checkpoint", path=os.path.abspath(path), step=state.global_step)
