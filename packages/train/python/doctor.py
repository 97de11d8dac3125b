"""Reports the Python environment as one protocol `result` line: versions of the packages
mathtune needs, and the accelerator (CUDA devices, bf16 support) if any. Never fails on a
missing package: it reports it."""
from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _protocol as proto  # noqa: E402

PACKAGES = ["torch", "transformers", "peft", "accelerate", "safetensors", "tokenizers", "jinja2", "numpy", "sentencepiece", "gguf", "bitsandbytes"]


def main() -> int:
    proto.open_channel()
    versions: dict[str, object] = {}
    for name in PACKAGES:
        try:
            mod = importlib.import_module(name)
            try:
                versions[name] = importlib.metadata.version(name)
            except Exception:  # noqa: BLE001
                versions[name] = getattr(mod, "__version__", "unknown")
        except Exception as e:  # noqa: BLE001  (bitsandbytes raises more than ImportError without CUDA)
            versions[name] = None
            if not isinstance(e, ImportError):
                print(f"[mathtune] importing {name}: {type(e).__name__}: {e}", file=sys.stderr)
    cuda = {"available": False}
    try:
        import torch

        cuda = {"available": bool(torch.cuda.is_available()), "version": torch.version.cuda, "devices": []}
        if cuda["available"]:
            for i in range(torch.cuda.device_count()):
                p = torch.cuda.get_device_properties(i)
                cuda["devices"].append({"name": p.name, "memoryBytes": int(p.total_memory), "capability": f"{p.major}.{p.minor}"})
            cuda["bf16"] = bool(torch.cuda.is_bf16_supported())
        cuda["threads"] = torch.get_num_threads()
    except Exception as e:  # noqa: BLE001
        cuda["error"] = str(e)
    proto.emit(
        "result",
        status="ok",
        python={"version": platform.python_version(), "executable": sys.executable, "prefix": sys.prefix},
        packages=versions,
        cuda=cuda,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
