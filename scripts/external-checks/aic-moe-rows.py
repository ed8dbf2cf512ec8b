#!/usr/bin/env python3
"""
Extract vLLM's fused-MoE timings for the catalog's MoE shapes from ai-dynamo/aiconfigurator into
test/fixtures/model/aiconfigurator-vllm-moe.json, which scripts/external-checks/aic-moe.mjs and
test/model/moe-gpu-transfer.test.ts read (docs/external-checks.md, "Fused MoE per GPU").

Usage (needs pyarrow and pandas, e.g. in a venv under /tmp):

    python3 scripts/external-checks/aic-moe-rows.py /work/.mirror/ai-dynamo+aiconfigurator/repo

The tables are read with `git show <commit>:<path>` from the repository's bare git directory at
the commit named below; nothing else is read.

What a row times (collector/vllm/collect_moe.py at 5ef50c9b9 and ced205af0, the collector of the
0.14.0 tables; collector/vllm/collect_moe_v2.py at b886aad3d for the 0.19.0 ones, the same call in bf16
with five routings a graph; collector/helper.py benchmark_with_power): vLLM 0.14's `fused_experts` (the Triton
fused_moe path: moe_align_block_size, the w13 grouped GEMM, SiLU-and-mul, the w2 grouped GEMM and
the top-k sum; the router GEMM and top-k softmax are outside, top-k ids are precomputed) on random
fp16 weights (labelled bfloat16 since aiconfigurator#895), or fp8 e4m3 weights with per-tensor
scales and static per-tensor activation scales (moe_dtype fp8: fp8_w8a8, no block shape); the
shard is `inter_size / moe_tp_size` (the table's inter_size is the model's); ten calls with ten
routings drawn from a power law over the experts (distribution power_law_<alpha>), or one call
with perfectly balanced routing (balanced), captured in one CUDA graph after warm-up and replayed;
latency = replay ms / calls. vLLM picks its tuned tile config when one ships for (E, N, device)
(fused_moe/configs), its default otherwise.
"""
import io
import json
import subprocess
import sys

import pandas as pd

COMMIT = "095f58a51c4ca8e61b66ec108d86f223f8d559ce"
# (system, vLLM version): the 0.14.0 tables of the four GPUs, and H100 beside B200 at 0.19.0 (B200 has no 0.14 table).
TABLES = [("h100_sxm", "0.14.0"), ("h200_sxm", "0.14.0"), ("a100_sxm", "0.14.0"), ("l40s", "0.14.0"), ("h100_sxm", "0.19.0"), ("b200_sxm", "0.19.0")]
PATH = "aic-core/src/aiconfigurator_core/systems/data/{s}/moe/vllm/{v}/moe_perf.parquet"
# (label, experts, hidden, intermediate (whole expert), top k): the catalog's MoE shapes present in the tables.
SHAPES = [
    ("qwen/qwen3-30b-a3b", 128, 2048, 768, 8),
    ("mistralai/mixtral-8x7b-v0.1", 8, 4096, 14336, 2),
    ("mistralai/mixtral-8x22b-v0.1", 8, 6144, 16384, 2),
]
DTYPES = ["bfloat16", "fp8"]
DISTRIBUTIONS = ["power_law_1.01", "balanced"]


def main(repo: str, out: str) -> None:
    rows = []
    devices = []
    for s, v in TABLES:
        raw = subprocess.run(["git", "-C", repo, "show", f"{COMMIT}:{PATH.format(s=s, v=v)}"], check=True, capture_output=True).stdout
        d = pd.read_parquet(io.BytesIO(raw))
        devices.append(f"{s}@{v} {d.device.iloc[0]}")
        d = d[(d.moe_ep_size == 1) & d.moe_tp_size.isin([1, 2, 4, 8]) & d.moe_dtype.isin(DTYPES) & d.distribution.isin(DISTRIBUTIONS)]
        for label, e, h, n, k in SHAPES:
            sel = d[(d.num_experts == e) & (d.hidden_size == h) & (d.inter_size == n) & (d.topk == k)]
            for r in sel.sort_values(["moe_dtype", "distribution", "moe_tp_size", "num_tokens"]).itertuples():
                assert r.kernel_source == "vllm_fused_moe" and r.version.startswith(v[:4]), r
                rows.append([s, v, label, r.moe_dtype, r.distribution, int(r.moe_tp_size), int(r.num_tokens), round(float(r.latency) * 1000, 3)])
    doc = {
        "_about": (
            "vLLM 0.14 fused_experts (Triton fused_moe: align, w13, SiLU-and-mul, w2, top-k sum; router outside), "
            "µs per call, one MoE layer's expert shard (inter_size / tp) on one GPU, CUDA graph of ten power-law routed calls "
            "(power_law_1.01) or one balanced call, from ai-dynamo/aiconfigurator@" + COMMIT + " " + PATH.format(s="{SYSTEM}", v="{VERSION}")
            + " (latency column, ms × 1000; ep 1, tp 1-8). fp8 = per-tensor fp8 w8a8 weights and static activation scales. "
            "Devices: " + "; ".join(devices) + ". Extracted by scripts/external-checks/aic-moe-rows.py."
        ),
        "columns": ["system", "vllm", "model", "dtype", "distribution", "tp", "tokens", "us"],
        "rows": rows,
    }
    with open(out, "w") as f:
        f.write("{\n")
        f.write(f' "_about": {json.dumps(doc["_about"], ensure_ascii=False)},\n')
        f.write(f' "columns": {json.dumps(doc["columns"])},\n')
        f.write(' "rows": [\n')
        f.write(",\n".join("  " + json.dumps(r) for r in rows))
        f.write("\n ]\n}\n")
    print(f"{len(rows)} rows -> {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror/ai-dynamo+aiconfigurator/repo",
         sys.argv[2] if len(sys.argv) > 2 else "test/fixtures/model/aiconfigurator-vllm-moe.json")
