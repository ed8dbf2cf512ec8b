"""
The Python costs of vLLM 0.15's OffloadingConnector bookkeeping on the scheduler (engine-core)
thread, per operation, measured on this machine (src/engine/connector-cpu.ts reads the figures):

- scan: LRUOffloadingManager.prepare_store's search for blocks to evict iterates its OrderedDict
  (block hash -> CPUBlockStatus, a ctypes.Structure) checking `ref_cnt == 0`; when too few are
  evictable it walks every entry before it returns None (vllm/v1/kv_offload/lru_manager.py);
- filter: prepare_store's `[h for h in block_hashes if h not in self.blocks]`;
- touch: `for h in reversed(list(block_hashes)): if self.blocks.get(h): self.blocks.move_to_end(h)`;
- warning: a store prepare_store refused is logged, once per refusal, by
  OffloadingConnectorScheduler._get_reqs_to_store (`logger.warning("Request %s: cannot store %s
  blocks", ...)`), through vLLM's own logging set-up: its formatter and stream handler writing to
  the engine core's stdout, which `decorate_logs` prefixes with the process name. Measured with
  the installed vLLM package (`pip install vllm==0.15.1` in a virtualenv, then run this script
  with that environment's python) and stdout sent to a file, as a server's log is: no colour.

Block hashes are 32-byte `bytes` (vLLM's BlockHash). Run: python3 scripts/connector-ops.py
(the warning is measured only where `import vllm` works).
"""
import ctypes
import os
import random
import sys
import tempfile
import time
from collections import OrderedDict


class BlockStatus(ctypes.Structure):
    _fields_ = [("ref_cnt", ctypes.c_int32)]

    def __init__(self):
        super().__init__()
        self.ref_cnt = -1  # stored, not ready: what fills the tier under saturation


class CPUBlockStatus(BlockStatus):
    _fields_ = [("block_id", ctypes.c_int64)]

    def __init__(self, block_id):
        super().__init__()
        self.block_id = block_id


def scan_ns(blocks, reps):
    """ns per entry of prepare_store's eviction search over a tier with no evictable block."""
    t = time.perf_counter()
    for _ in range(reps):
        to_evict, need = [], 1
        for block_hash, block in blocks.items():
            if block.ref_cnt == 0:
                to_evict.append(block_hash)
                need -= 1
                if need == 0:
                    break
    return (time.perf_counter() - t) / (reps * len(blocks)) * 1e9


def per_op_ns(n_blocks):
    blocks = OrderedDict((os.urandom(32), CPUBlockStatus(i)) for i in range(n_blocks))
    reps = max(20, 400_000 // n_blocks)
    scan = scan_ns(blocks, reps)
    hashes = [os.urandom(32) for _ in range(100)] + list(blocks)[:50]
    t = time.perf_counter()
    for _ in range(reps * 20):
        [h for h in hashes if h not in blocks]
    filt = (time.perf_counter() - t) / (reps * 20 * len(hashes)) * 1e9
    keys = list(blocks)[:100]
    t = time.perf_counter()
    for _ in range(reps * 20):
        for h in reversed(list(keys)):
            if blocks.get(h):
                blocks.move_to_end(h)
    touch = (time.perf_counter() - t) / (reps * 20 * len(keys)) * 1e9
    return scan, filt, touch


def churned_scan_ns(n_blocks, rounds=3, seed=1):
    """
    The scan over a tier whose entries were replaced one by one (least recently used out, a new
    one in) while other objects came and went, as in a long-running engine core: a lead on the
    saturated runs' slow drift (docs/calibration.md), not a figure the engine uses. The entries of
    a tier filled at once lie together in memory; churn scatters them. Returns the scan before
    and after each round of replacing every entry.
    """
    rng = random.Random(seed)
    blocks = OrderedDict((os.urandom(32), CPUBlockStatus(i)) for i in range(n_blocks))
    reps = max(20, 400_000 // n_blocks)
    out = [scan_ns(blocks, reps)]
    live = []
    for _ in range(rounds):
        for i in range(n_blocks):
            blocks.popitem(last=False)
            # requests' token lists: most short-lived, some kept (a waiting queue, ~100 MB)
            junk = [list(range(rng.randrange(50, 2000))) for _ in range(2)]
            live.append(junk[0])
            if len(live) > 3000:
                live.pop(rng.randrange(len(live)))
            blocks[os.urandom(32)] = CPUBlockStatus(i)
        out.append(scan_ns(blocks, reps))
    return out


def warning_ns(log_path):
    """ns per refused-store warning through vLLM's logger, stdout redirected to `log_path`."""
    real_stdout = sys.stdout
    sys.stdout = open(log_path, "w")
    try:
        from vllm.logger import init_logger
        from vllm.utils.system_utils import decorate_logs
    except ImportError:
        sys.stdout = real_stdout
        return None
    decorate_logs("EngineCore_DP0")
    logger = init_logger("vllm.distributed.kv_transfer.kv_connector.v1.offloading_connector")
    n = 20_000
    out = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n):
            logger.warning("Request %s: cannot store %s blocks", "cmpl-0123456789abcdef0123456789abcdef-0", 37)
        out.append((time.perf_counter() - t) / n * 1e9)
    sys.stdout.close()
    sys.stdout = real_stdout
    return sorted(out)[1]


if __name__ == "__main__":
    print(f"python {sys.version.split()[0]}")
    for n in (1638, 2730, 4096, 8192):
        scan, filt, touch = per_op_ns(n)
        print(f"{n} blocks: scan {scan:.1f} ns/entry, filter {filt:.1f} ns/hash, touch {touch:.1f} ns/block")
    churned = churned_scan_ns(4096)
    print("4096 blocks, scan as entries churn: " + " -> ".join(f"{x:.1f}" for x in churned) + " ns/entry")
    with tempfile.TemporaryDirectory() as tmp:
        warn = warning_ns(os.path.join(tmp, "engine-core.log"))
    if warn is None:
        print("warning: not measured (the vllm package is not importable here)")
    else:
        print(f"warning: {warn:.0f} ns per refused store (vLLM's logger, median of 3 x 20,000)")
