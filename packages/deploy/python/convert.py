"""Runs one of llama.cpp's converters (convert_hf_to_gguf.py, convert_lora_to_gguf.py) from its
source folder, with that folder's gguf-py first on the import path.

usage: python convert.py LLAMA_CPP_DIR SCRIPT [converter arguments...]

With MATHTUNE_GGUF_PRE set (a llama.cpp pre-tokenizer name such as `qwen2`), the converter's
tokenizer fingerprint check is answered with that name instead of failing: for a model whose BPE
tokenizer was retrained (different merges, same pre-tokenizer), which the fingerprint cannot know.
"""
from __future__ import annotations

import os
import runpy
import sys


def main() -> None:
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__ or "")
        sys.exit(2)
    llama_dir, script = sys.argv[1], sys.argv[2]
    sys.path.insert(0, llama_dir)
    sys.path.insert(1, os.path.join(llama_dir, "gguf-py"))
    pre = os.environ.get("MATHTUNE_GGUF_PRE")
    if pre:
        import conversion.base as base  # llama.cpp's converter package

        def named_pre(self, tokenizer):  # noqa: ARG001
            return pre

        base.TextModel.get_vocab_base_pre = named_pre
    path = os.path.join(llama_dir, script)
    sys.argv = [path, *sys.argv[3:]]
    runpy.run_path(path, run_name="__main__")


if __name__ == "__main__":
    main()
