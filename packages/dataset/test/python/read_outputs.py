"""Reads a build's Parquet and Arrow IPC files with pyarrow, as pandas and Hugging Face datasets do.

Usage: read_outputs.py OUT_DIR FILE... -> JSON {file: {"rows": n, "columns": [...], "ids": [...]}}
"""
import json
import sys
from pathlib import Path

import pyarrow.ipc as ipc
import pyarrow.parquet as pq

out = {}
root = Path(sys.argv[1])
for name in sys.argv[2:]:
    path = root / name
    if name.endswith(".parquet"):
        table = pq.read_table(path)
    else:
        with ipc.open_file(path) as reader:
            table = reader.read_all()
    out[name] = {"rows": table.num_rows, "columns": table.column_names, "ids": table.column("id").to_pylist()}
json.dump(out, sys.stdout)
