#!/usr/bin/env python3
"""Builds the data of e2e/bench.mjs: the Open-SWE-Traces-shaped fixture repeated N times, as a
JSONL split and as a Parquet split (snappy, 20 rows per row group), in a local-hub data root, as
the dataset trajex-bench/NAME (configs `jsonl` and `parquet`, split `train`).

usage: make_bench_data.py FIXTURE.jsonl ROOT TIMES [NAME=large]   (needs pyarrow)
"""
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def main(fixture, root, times, name="large"):
    times = int(times)
    base = os.path.join(root, "trajex-bench", name)
    jsonl_dir = os.path.join(base, "jsonl", "train")
    parquet_dir = os.path.join(base, "parquet", "train")
    os.makedirs(jsonl_dir, exist_ok=True)
    os.makedirs(parquet_dir, exist_ok=True)
    with open(fixture, "rb") as f:
        data = f.read()
    if not data.endswith(b"\n"):
        data += b"\n"
    jsonl = os.path.join(jsonl_dir, "train.jsonl")
    with open(jsonl, "wb") as f:
        for _ in range(times):
            f.write(data)
    rows = [json.loads(line) for line in data.splitlines() if line.strip()] * times
    table = pa.Table.from_pylist(rows)
    parquet = os.path.join(parquet_dir, "0000.parquet")
    pq.write_table(table, parquet, compression="snappy", row_group_size=20)
    print(json.dumps({"dataset": f"trajex-bench/{name}", "jsonl": jsonl, "jsonl_bytes": os.path.getsize(jsonl), "parquet": parquet,
                      "parquet_bytes": os.path.getsize(parquet), "rows": len(rows)}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
