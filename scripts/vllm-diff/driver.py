"""
Runs scheduler scenarios through vLLM's own V1 scheduler (the installed vllm package, CPU only:
no model weights, no GPU) and writes a fixture of what it schedules step by step, which
test/engine/vllm-diff.test.ts compares with blis's engine. The scenario format and the step clock
are blis's scenario harness (test/engine/vllm-scenarios.helpers.ts): a step lasts 1000 us + 10 us
per scheduled token; a request arriving at or before a step's formation is in the queue when it
is formed; an idle engine waits for the next arrival.

The loop is vLLM's synchronous EngineCore.step (schedule, execute, update_from_output) or, with
async_scheduling, its step_with_batch_queue (a queue of 2: the next batch is scheduled while one
runs, a batch's outputs are processed when it ends, then the batch after the next is scheduled).
The "model" samples one token per request whose step reaches the end of its known tokens (a
partial prefill chunk samples nothing, as the GPU model runner discards it); output token ids are
unique per request and position, so only prompts share prefix blocks.

    python driver.py SCENARIOS.json FIXTURE.json

Needs vllm 0.15.1 (the version blis follows): scripts/vllm-diff/README.md.
"""

import copy
import json
import os
import sys
import tempfile
from collections import deque

from vllm.config import CacheConfig, DeviceConfig, KVTransferConfig, ModelConfig, SchedulerConfig, VllmConfig
from vllm.sampling_params import SamplingParams
from vllm.utils.hashing import get_hash_fn_by_name
from vllm.v1.core.kv_cache_utils import get_request_block_hasher, init_none_hash
from vllm.v1.core.sched.async_scheduler import AsyncScheduler
from vllm.v1.core.sched.scheduler import Scheduler
from vllm.v1.kv_cache_interface import FullAttentionSpec, KVCacheConfig, KVCacheGroupSpec, KVCacheTensor, SlidingWindowSpec
from vllm.v1.outputs import KVConnectorOutput, ModelRunnerOutput
from vllm.v1.request import Request, RequestStatus
from vllm.v1.structured_output import StructuredOutputManager
import torch


def store_decodes_under_async():
    """vLLM 0.15.1's connector computes a request's full blocks from its scheduled tokens, which under
    asynchronous scheduling run ahead of the block hashes (placeholders), and moves its store index
    past blocks it could not hash yet: decode blocks are never stored (described in
    vllm-project/vllm#36052). vllm#33881 (merged) makes vLLM store them; the ground-truth runs'
    build did, and so does blis (docs/engine.md). Here the store pass sees each request's
    scheduled tokens capped at its hashed tokens (the clamp #36052 proposed), through a wrapper
    around the release's method, so a block is offered once its tokens are known."""
    from vllm.distributed.kv_transfer.kv_connector.v1 import offloading_connector as oc

    release = oc.OffloadingConnectorScheduler._get_reqs_to_store

    def clamped(self, scheduler_output):
        seen = copy.copy(scheduler_output)
        seen.num_scheduled_tokens = {
            rid: min(n, len(self._requests[rid].block_hashes) * self.gpu_block_size - self._requests[rid].num_computed_tokens)
            for rid, n in scheduler_output.num_scheduled_tokens.items()
        }
        return release(self, seen)

    oc.OffloadingConnectorScheduler._get_reqs_to_store = clamped


class Unreadable(Exception):
    """A prefill-only request finished with no blocks to read: preempted with its one token in
    flight, vLLM appends that token and finishes it from the waiting queue with its blocks already
    freed (remote_block_ids empty, which the decode side cannot read). blis recomputes the token so
    that there is a prefill to transfer (docs/cluster.md): nothing to compare."""


class Stuck(Exception):
    """vLLM stalls: nothing runs or loads and the waiting head cannot be scheduled (only a client
    abort could free blocks), or nothing at all is left to change anything."""


# Token ids: a prefix group's at 1e6 + 1e4·group, a request's own prompt tokens at 2e6 + 1e5·index,
# its outputs at 3e7 + 1e5·index: disjoint, so no prompt can repeat another request's output.
OUTPUT_TOKENS = 30_000_000

STEP_US = 1000
PER_TOKEN_US = 10


def make_scheduler(model_dir, sc):
    model = ModelConfig(model=model_dir, skip_tokenizer_init=True, dtype="float16", seed=0, max_model_len=sc["maxModelLen"])
    sched = SchedulerConfig(
        max_num_seqs=sc["maxNumSeqs"],
        max_num_batched_tokens=sc["maxNumBatchedTokens"],
        max_model_len=sc["maxModelLen"],
        long_prefill_token_threshold=sc.get("longPrefillTokenThreshold", 0),
        enable_chunked_prefill=sc.get("enableChunkedPrefill", True),
        async_scheduling=sc["asyncScheduling"],
        policy=sc.get("scheduler", "fcfs"),
        is_encoder_decoder=False,
    )
    cache = CacheConfig(block_size=sc["blockSize"], gpu_memory_utilization=0.9, cache_dtype="auto", enable_prefix_caching=sc["enablePrefixCaching"])
    cache.num_gpu_blocks = sc["totalKvBlocks"]
    bs = sc["blockSize"]
    full = FullAttentionSpec(block_size=bs, num_kv_heads=1, head_size=1, dtype=torch.float32)
    tensors = []
    transfer = None
    tier = sc.get("cpuTier")
    if tier is not None:
        # vLLM's OffloadingConnector with a CPU tier of tier["blocks"] blocks: its spec divides
        # cpu_bytes_to_use by the page size times the KV tensors (one here).
        tensors = [KVCacheTensor(size=full.page_size_bytes * sc["totalKvBlocks"], shared_by=["full"])]
        transfer = KVTransferConfig(kv_connector="OffloadingConnector", kv_role="kv_both", kv_connector_extra_config={"cpu_bytes_to_use": tier["blocks"] * full.page_size_bytes})
    if sc.get("remote") is not None:
        # The decode side of P/D: vLLM's NixlConnector (its scheduler side; the driver plays the worker).
        transfer = KVTransferConfig(kv_connector="NixlConnector", kv_role="kv_both")
    config = VllmConfig(scheduler_config=sched, model_config=model, cache_config=cache, device_config=DeviceConfig(device="cpu"), kv_transfer_config=transfer)
    groups = [KVCacheGroupSpec(["full"], full)]
    hybrid = sc.get("kvGroups")
    if hybrid is not None:
        # blis's kvGroups {fullGroups: 1, slidingGroups: 1, layersPerGroup: 1, slidingWindow}: a
        # sliding-window group and a full-attention group sharing one block pool, in the order
        # vLLM builds them for a model whose first layer slides (gpt-oss: src/engine/hybrid-kv.ts).
        assert hybrid["fullGroups"] == 1 and hybrid["slidingGroups"] == 1 and hybrid["layersPerGroup"] == 1
        groups.insert(0, KVCacheGroupSpec(["swa"], SlidingWindowSpec(block_size=bs, num_kv_heads=1, head_size=1, dtype=torch.float32, sliding_window=hybrid["slidingWindow"])))
    kv = KVCacheConfig(num_blocks=sc["totalKvBlocks"], kv_cache_tensors=tensors, kv_cache_groups=groups)
    cls = AsyncScheduler if sc["asyncScheduling"] else Scheduler
    return cls(vllm_config=config, kv_cache_config=kv, structured_output_manager=StructuredOutputManager(config), block_size=sc["blockSize"], log_stats=False)


def prompt_tokens(index, req):
    """Prefix-group tokens first (shared by every request of the group), then tokens of its own."""
    tokens = []
    prefix = req.get("prefix")
    if prefix is not None:
        g = int(str(prefix["group"]).lstrip("g"))
        tokens = [1_000_000 + 10_000 * g + i for i in range(prefix["tokens"])]
    own = req["inputTokens"] - len(tokens)
    tokens += [2_000_000 + 100_000 * index + i for i in range(own)]
    return tokens


class Worker:
    """The worker side of the connector, as blis models it (src/engine/kv-loads.ts, kv-stores.ts):
    - CPU tier: a load started by a schedule lands loadUsPerBlock per block after that schedule;
      stores are instant, so a request that ever had a store job is reported (finished_sending)
      by the first step whose schedule lists it among the finished requests;
    - P/D decode side (NixlConnector): a read starts when the step carrying its schedule starts
      (start_load_kv; the clock of the cluster's link is blis's, here 3 µs + usPerBlock per block
      of the request's fresh blocks, so a landing never ties with a step end or an abort);
    - P/D prefill side: the decode side reads a finished prefill-only request's held blocks
      3 µs + usPerBlock per block after it finished, and the first step ending from then on
      reports it (finished_sending; any step: the notification needs no schedule).
    A load is reported (finished_recving) at the end of the first step formed no earlier whose end
    is not before the landing (an empty step ends when it starts)."""

    def __init__(self, tier, remote):
        self.load_us = tier["loadUsPerBlock"] if tier else 0
        self.read_us = remote["usPerBlock"] if remote else 0
        self.loads = []  # (request id, landing µs, schedule index)
        self.stored = set()
        self.reads = []  # prefill side: (request id, µs the decode side finished reading its held blocks)

    def scheduled(self, out, index, now, start):
        """Takes a schedule's connector metadata (its step starts at `start`); returns the stored requests its step reports."""
        meta = out.kv_connector_metadata
        if meta is not None and hasattr(meta, "reqs_to_recv"):
            for rid, req in meta.reqs_to_recv.items():
                # A request aborted before it was scheduled has no blocks: nothing to read here.
                if req.local_block_ids:
                    self.loads.append((rid, start + 3 + len(req.local_block_ids) * self.read_us, index))
            return set()
        if meta is not None:
            for rid, (src, dst) in meta.reqs_to_load.items():
                self.loads.append((rid, now + round(len(dst.block_ids) * self.load_us), index))
            self.stored.update(meta.reqs_to_store.keys())
        sending = {rid for rid in out.finished_req_ids if rid in self.stored}
        self.stored -= sending
        return sending

    def read_by_decode(self, rid, blocks, finished_us):
        self.reads.append((rid, finished_us + 3 + blocks * self.read_us))

    def sent(self, end_us):
        """Held blocks the decode side has read by `end_us`, in the order it finished (finished_sending)."""
        done = [rid for rid, at in sorted(self.reads, key=lambda r: r[1]) if at <= end_us]
        self.reads = [r for r in self.reads if r[0] not in done]
        return done

    def next_read(self):
        return min((at for _, at in self.reads), default=None)

    def landed(self, index, end_us):
        done = {rid for rid, at, i in self.loads if at <= end_us and i <= index}
        self.loads = [l for l in self.loads if l[0] not in done]
        return done

    def next_landing(self):
        return min((at for _, at, _ in self.loads), default=None)


def run(model_dir, sc):
    s = make_scheduler(model_dir, sc)
    tier = sc.get("cpuTier")
    remote = sc.get("remote")
    worker = Worker(tier, remote)
    hasher = None
    if sc["enablePrefixCaching"]:
        hash_fn = get_hash_fn_by_name("sha256")
        init_none_hash(hash_fn)
        hasher = get_request_block_hasher(sc["blockSize"], hash_fn)
    reqs = sc["requests"]
    pending = deque(sorted(range(len(reqs)), key=lambda i: (reqs[i].get("arrivalUs", 0), i)))
    objs = {}
    outputs_made = {}
    result = {"batches": [], "stepEndsUs": [], "reqs": {}}
    aborts = sorted((dict(a) for a in sc.get("aborts", [])), key=lambda a: a["atUs"])
    # When each aborted request's client left: what vLLM emits for it later reaches nobody.
    gone = {a["id"]: a["atUs"] for a in aborts}

    def add_arrivals(t):
        while pending and reqs[pending[0]].get("arrivalUs", 0) <= t:
            i = pending.popleft()
            r = reqs[i]
            extra = None
            if r.get("prefillOnly"):
                # llm-d's sidecar sends the prompt to the prefill instance with max_tokens 1 and do_remote_decode.
                params = SamplingParams(max_tokens=1, ignore_eos=True, extra_args={"kv_transfer_params": {"do_remote_decode": True}})
            elif r.get("remote"):
                # What llm-d's sidecar passes the decode instance from the prefill instance's answer.
                blocks = -(-r["inputTokens"] // sc["blockSize"])
                extra = {"kv_transfer_params": {"do_remote_prefill": True, "do_remote_decode": False, "remote_block_ids": list(range(blocks)), "remote_engine_id": "prefill", "remote_request_id": r["id"], "remote_host": "localhost", "remote_port": 5600, "tp_size": 1}}
            if not r.get("prefillOnly"):
                params = SamplingParams(max_tokens=r["outputTokens"], ignore_eos=True, extra_args=extra)
            # Distinct arrival times in arrival order, as a server's clock gives them (the priority
            # queue breaks ties on (priority, arrival_time) before the request id).
            arrival = r.get("arrivalUs", 0) / 1e6 + len(objs) * 1e-9
            req = Request(request_id=r["id"], prompt_token_ids=prompt_tokens(i, r), sampling_params=params, pooling_params=None, eos_token_id=None, arrival_time=arrival, block_hasher=hasher, priority=r.get("priority", 0))
            objs[r["id"]] = (i, req)
            outputs_made[r["id"]] = 0
            result["reqs"][r["id"]] = {"firstTokenUs": -1, "finishedUs": -1, "preemptions": 0}
            s.add_request(req)

    def process_aborts(t):
        """EngineCore puts an abort in two queues: the aborts queue, drained right before each
        update_from_output, and the input queue, drained in order with the adds before each
        schedule (so an abort of a request added in the same drain comes after it). Aborts due by
        `t` are applied to requests the scheduler holds; the others wait for their add."""
        for a in aborts:
            if a["atUs"] <= t and not a.get("done") and a["id"] in objs:
                a["done"] = True
                s.finish_requests(a["id"], RequestStatus.FINISHED_ABORTED)

    def next_event_us():
        times = [worker.next_landing()]
        if s.has_requests():
            # An engine with requests keeps stepping, so a read of held blocks is reported when it finishes.
            times.append(worker.next_read())
        if pending:
            times.append(reqs[pending[0]].get("arrivalUs", 0))
        times += [a["atUs"] for a in aborts if not a.get("done") and a["id"] in objs]
        times = [t for t in times if t is not None]
        return min(times) if times else None

    index = 0
    gpu_free = 0
    # Steps since one sampled a token or reported a landing.
    progress = [0]

    def schedule(now):
        """schedule(), and which scheduled requests sample a token in its step: synchronously,
        those whose computed tokens reach their known tokens; asynchronously, those the scheduler
        gave an output placeholder (AsyncScheduler._update_after_schedule)."""
        nonlocal index
        before = {rid: req.num_output_placeholders for rid, (i, req) in objs.items()}
        out = s.schedule()
        flags = []
        for rid in out.num_scheduled_tokens:
            i, req = objs[rid]
            if sc["asyncScheduling"]:
                flags.append(req.num_output_placeholders > before.get(rid, 0))
            else:
                flags.append(req.num_computed_tokens >= req.num_tokens)
        if out.total_num_scheduled_tokens > 0:
            result["batches"].append([f"{rid}:{n}" for rid, n in out.num_scheduled_tokens.items()])
        # The step carrying this schedule starts now, or (asynchronous loop) when the GPU is free.
        start = now if not sc["asyncScheduling"] else max(now, gpu_free)
        sending = worker.scheduled(out, index, now, start)
        index += 1
        return (out, flags, index - 1, sending)

    def finish_step(batch, end_us, ran_us=None):
        """The step's outputs: its sampled tokens, the transfers the worker reports; aborts that
        arrived meanwhile are applied first. True when it reported something. `ran_us`: when the
        worker ran the step, if not at `end_us`: an empty step (no forward) runs when it is
        scheduled, and its transfers are what the worker had finished then (gpu_model_runner.py
        execute_model → kv_connector_no_forward → get_finished), although step_with_batch_queue
        processes its output only after the step in flight before it."""
        ran_us = end_us if ran_us is None else ran_us
        out, flags, i, sending = batch
        ids = list(out.num_scheduled_tokens.keys())
        sampled = []
        for rid, flag in zip(ids, flags):
            k = outputs_made[rid]
            if flag:
                outputs_made[rid] = k + 1
                sampled.append([OUTPUT_TOKENS + 100_000 * objs[rid][0] + k])
            else:
                sampled.append([])
        progress[0] = 0 if any(sampled) else progress[0] + 1
        if progress[0] > 2000:
            # Steps go on and nothing is ever sampled or lands: a request at the queue's head
            # preempts itself again and again for blocks that loaded requests behind it hold (vLLM
            # runs only the preempted in a schedule that preempted). vLLM livelocks; blis's
            # livelock guard departs (docs/engine.md).
            raise Stuck(f"at {end_us} µs: 2000 steps without a sampled token while loaded requests wait")
        recving = worker.landed(i, ran_us)
        if recving:
            progress[0] = 0
        # Sends the worker reports with this step (a list in the order they finished; vLLM's is a set).
        sending = (list(sending) if sending else []) + worker.sent(ran_us)
        kv = KVConnectorOutput(finished_sending=sending or None, finished_recving=recving or None) if tier or remote else None
        mro = ModelRunnerOutput(req_ids=ids, req_id_to_index={r: n for n, r in enumerate(ids)}, sampled_token_ids=sampled, kv_connector_output=kv)
        process_aborts(end_us)
        engine_outputs = s.update_from_output(out, mro)
        if out.total_num_scheduled_tokens > 0:
            result["stepEndsUs"].append(end_us)
        for eo in engine_outputs.values():
            for o in eo.outputs:
                if o.request_id in gone and gone[o.request_id] < end_us:
                    continue  # its client left: nobody receives it
                rr = result["reqs"][o.request_id]
                if o.new_token_ids and rr["firstTokenUs"] < 0:
                    rr["firstTokenUs"] = end_us
                if o.finish_reason is not None:
                    rr["finishedUs"] = end_us
                    if reqs[objs[o.request_id][0]].get("prefillOnly"):
                        # Its blocks stay held (request_finished delays the free) until the decode side has read them.
                        held = len(s.kv_cache_manager.get_block_ids(o.request_id)[0]) if o.request_id in s.requests else 0
                        if held == 0:
                            raise Unreadable(f"at {end_us} µs: {o.request_id} finished without blocks")
                        worker.read_by_decode(o.request_id, held, end_us)
        return bool(recving or sending)

    now = 0
    queue = deque()  # async: (batch, end µs), oldest first
    idle_empties = 0  # consecutive empty steps that changed nothing at this time
    for _ in range(200_000):
        add_arrivals(now)
        process_aborts(now)
        # A read for a request the scheduler freed (NixlConnector frees an aborted request's blocks
        # at once) reaches nobody; a CPU-tier load of an aborted request keeps it until reported.
        worker.loads = [l for l in worker.loads if l[0] in s.requests]
        if not (pending or s.has_requests() or queue or worker.loads):
            break
        if not sc["asyncScheduling"]:
            if not s.has_requests() and not worker.loads:
                now = reqs[pending[0]].get("arrivalUs", 0)  # idle until the next arrival
                continue
            batch = schedule(now)
            out = batch[0]
            if out.total_num_scheduled_tokens > 0:
                idle_empties = 0
                now += STEP_US + PER_TOKEN_US * out.total_num_scheduled_tokens
                finish_step(batch, now)
                continue
            # An empty step (a request preempted itself, finished ids to report, loads to poll):
            # vLLM runs it without a forward and schedules again at once.
            if finish_step(batch, now):
                idle_empties = 0
                continue
        else:
            # step_with_batch_queue: schedule while the queue (2) has room and the last schedule ran
            # a model; otherwise wait for the oldest batch and process its outputs.
            if len(queue) < 2 and s.has_requests():
                batch = schedule(now)
                out = batch[0]
                if out.total_num_scheduled_tokens > 0:
                    begin = max(now, gpu_free)
                    gpu_free = begin + STEP_US + PER_TOKEN_US * out.total_num_scheduled_tokens
                    queue.append((batch, gpu_free))
                    if len(queue) < 2:
                        continue
                else:
                    queue.append((batch, now))
            if queue:
                batch, end = queue.popleft()
                now = max(now, end)
                # An empty step ended when it was scheduled (`end`): its worker output is from then.
                if finish_step(batch, now, end) or batch[0].total_num_scheduled_tokens > 0:
                    idle_empties = 0
                    continue
            elif not s.has_requests() and not worker.loads:
                now = reqs[pending[0]].get("arrivalUs", 0)  # idle until the next arrival
                continue
        # Nothing moved at this instant: once more (a self-preemption's empty schedule is formed
        # again at once), then the clock moves to the next landing, arrival or abort.
        idle_empties += 1
        if idle_empties >= 2:
            if not s.running and len(s.waiting) > 0 and not worker.loads and not worker.reads:
                # Nothing runs or loads and the waiting head cannot be scheduled: only a client
                # abort could free blocks now. vLLM stalls here; blis's livelock guard departs.
                tables = s.kv_cache_manager.coordinator.single_type_managers[0].req_to_blocks
                parked = [r.request_id for r in s.waiting if tables.get(r.request_id)]
                raise Stuck(f"at {now} µs: nothing running, waiting {[r.request_id for r in s.waiting]} of which {parked} hold blocks (a CPU load)")
            t = next_event_us()
            if t is None or t <= now:
                if not s.has_unfinished_requests():
                    continue
                raise Stuck(f"at {now} µs with requests waiting and nothing to wait for")
            now = t
            idle_empties = 0
    else:
        raise RuntimeError("scenario did not finish")
    for rid, (i, req) in objs.items():
        result["reqs"][rid]["cachedTokens"] = req.num_cached_tokens
        result["reqs"][rid]["preemptions"] = req.num_preemptions
        if remote is not None:
            # The prompt tokens its KV connector matched outside (a remote prefill's: all but its local prefix hits).
            result["reqs"][rid]["externalTokens"] = req.num_external_computed_tokens
    return result


# A tiny Llama config: ModelConfig needs a model, the scheduler reads nothing of it but its
# maximum length (no tokenizer, no weights).
MODEL_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "num_hidden_layers": 2,
    "vocab_size": 50_000_000,
    "max_position_embeddings": 4096,
    "torch_dtype": "float16",
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
}


def main():
    store_decodes_under_async()
    scenarios_path, fixture_path = sys.argv[1], sys.argv[2]
    scenarios = json.load(open(scenarios_path))
    kept, results, stuck, unreadable = [], [], [], []
    with tempfile.TemporaryDirectory() as model_dir:
        with open(os.path.join(model_dir, "config.json"), "w") as f:
            json.dump(MODEL_CONFIG, f)
        for n, sc in enumerate(scenarios):
            try:
                results.append(run(model_dir, sc))
                kept.append(sc)
            except Stuck as e:
                # vLLM deadlocks here (README.md); blis departs on purpose, so nothing to compare.
                stuck.append(n)
                print(f"scenario {n}: vLLM is stuck {e}", file=sys.stderr)
            except Unreadable as e:
                unreadable.append(n)
                print(f"scenario {n}: a prefill-only request {e}", file=sys.stderr)
    import vllm

    about = f"{len(kept)} scenarios from scripts/vllm-diff/gen.mjs run through vllm {vllm.__version__}'s scheduler by scripts/vllm-diff/driver.py"
    if stuck:
        about += f"; {len(stuck)} more left out, in which vLLM deadlocks (generated numbers {stuck})"
    if unreadable:
        about += f"; {len(unreadable)} left out in which a prefill-only request finishes without blocks to transfer (generated numbers {unreadable})"
    fixture = {"about": about, "scenarios": kept, "vllm": results}
    with open(fixture_path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
