"""JSON-lines protocol v1 (see ../PROTOCOL.md): one JSON object per line on stdout, human logs on stderr.

`open_channel()` keeps a private copy of the real stdout for protocol lines and points file
descriptor 1 (and sys.stdout) at stderr, so a stray print() or a C library writing to stdout can
never corrupt the protocol stream.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
import traceback
from typing import Any, Callable, Optional

VERSION = 1
_out = None  # the protocol stream, or None on ranks that stay silent
_enabled = True


def open_channel(enabled: bool = True) -> None:
    global _out, _enabled
    _enabled = enabled
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _out = os.fdopen(fd, "w", encoding="utf-8", buffering=1)


def _clean(value: Any, top: bool = False) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not (top and v is None)}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def emit(type_: str, **fields: Any) -> None:
    if not _enabled:
        return
    msg = {"v": VERSION, "type": type_, "time": round(time.time(), 3)}
    msg.update(_clean(fields, top=True))
    line = json.dumps(msg, ensure_ascii=False, allow_nan=False)
    stream = _out if _out is not None else sys.__stdout__
    stream.write(line + "\n")
    stream.flush()


def log(message: str, level: str = "info", **data: Any) -> None:
    print(f"[mathtune] {message}", file=sys.stderr, flush=True)
    emit("log", level=level, message=message, **({"data": data} if data else {}))


def error(code: str, message: str, hint: Optional[str] = None, **details: Any) -> None:
    """Emits an error line; the caller exits non-zero afterwards."""
    if _enabled:
        emit("error", code=code, message=message, hint=hint, details=details or None)
    else:
        print(f"[mathtune] error {code}: {message}", file=sys.stderr, flush=True)


MISSING_HINT = "run `mathtune setup` to create the project's Python environment"


def import_or_fail(names: list[str]) -> None:
    """Imports the heavy packages up front, so a missing one is reported as E_PYTHON_PACKAGE_MISSING."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as e:  # ModuleNotFoundError included
            missing = getattr(e, "name", None) or name
            error(
                "E_PYTHON_PACKAGE_MISSING",
                f"Python package '{missing}' is not installed in {sys.executable}",
                hint=MISSING_HINT,
                package=missing,
                python=sys.executable,
            )
            sys.exit(3)


def is_oom(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}"
    return (
        "OutOfMemoryError" in text
        or "out of memory" in text.lower()
        or "can't allocate memory" in text
        or isinstance(exc, MemoryError)
    )


def fail_from_exception(exc: BaseException) -> int:
    """Reports an unexpected exception as an error line; returns the exit code to use."""
    traceback.print_exc(file=sys.stderr)
    if is_oom(exc):
        error(
            "E_OUT_OF_MEMORY",
            f"out of memory: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            hint="lower microBatchSize or maxSeqLength, enable gradientCheckpointing, or use 4-bit loading",
        )
        return 4
    error("E_PYTHON_EXCEPTION", f"{type(exc).__name__}: {exc}", hint="the Python traceback is in the log (the run's train.log)")
    return 1


def run_config_script(work: Callable[[dict], int], packages: list[str], canceled: str) -> int:
    """The main of a script driven by one JSON config (`--config FILE`): opens the protocol channel,
    turns SIGTERM into KeyboardInterrupt, reads the config (E_CONFIG_INVALID, exit 2), checks the
    packages, runs `work(cfg)`; Ctrl-C is E_CANCELED with `canceled` as the message (exit 130), any
    other exception an error line through fail_from_exception."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    args = ap.parse_args()
    open_channel()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        with open(args.config, encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        error("E_CONFIG_INVALID", f"cannot read config {args.config}: {e}")
        return 2
    import_or_fail(packages)
    try:
        return work(cfg)
    except KeyboardInterrupt:
        error("E_CANCELED", canceled)
        return 130
    except Exception as e:  # noqa: BLE001
        return fail_from_exception(e)
