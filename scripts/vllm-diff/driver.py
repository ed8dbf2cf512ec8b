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

import json
import os
import sys
import tempfile
from collections import deque

from vllm.config import CacheConfig, DeviceConfig, ModelConfig, SchedulerConfig, VllmConfig
from vllm.sampling_params import SamplingParams
from vllm.utils.hashing import get_hash_fn_by_name
from vllm.v1.core.kv_cache_utils import get_request_block_hasher, init_none_hash
from vllm.v1.core.sched.async_scheduler import AsyncScheduler
from vllm.v1.core.sched.scheduler import Scheduler
from vllm.v1.kv_cache_interface import FullAttentionSpec, KVCacheConfig, KVCacheGroupSpec, SlidingWindowSpec
from vllm.v1.outputs import ModelRunnerOutput
from vllm.v1.request import Request, RequestStatus
from vllm.v1.structured_output import StructuredOutputManager
import torch

STEP_US = 1000
PER_TOKEN_US = 10


def make_scheduler(model_dir, sc):
    model = ModelConfig(model=model_dir, skip_tokenizer_init=True, dtype="float16", seed=0, max_model_len=sc["maxModelLen"])
    sched = SchedulerConfig(
        max_num_seqs=sc["maxNumSeqs"],
        max_num_batched_tokens=sc["maxNumBatchedTokens"],
        max_model_len=sc["maxModelLen"],
        long_prefill_token_threshold=sc.get("longPrefillTokenThreshold", 0),
        enable_chunked_prefill=True,
        async_scheduling=sc["asyncScheduling"],
        policy=sc.get("scheduler", "fcfs"),
        is_encoder_decoder=False,
    )
    cache = CacheConfig(block_size=sc["blockSize"], gpu_memory_utilization=0.9, cache_dtype="auto", enable_prefix_caching=sc["enablePrefixCaching"])
    cache.num_gpu_blocks = sc["totalKvBlocks"]
    config = VllmConfig(scheduler_config=sched, model_config=model, cache_config=cache, device_config=DeviceConfig(device="cpu"))
    bs = sc["blockSize"]
    groups = [KVCacheGroupSpec(["full"], FullAttentionSpec(block_size=bs, num_kv_heads=1, head_size=1, dtype=torch.float32))]
    hybrid = sc.get("kvGroups")
    if hybrid is not None:
        # blis's kvGroups {fullGroups: 1, slidingGroups: 1, layersPerGroup: 1, slidingWindow}: a
        # sliding-window group and a full-attention group sharing one block pool, in the order
        # vLLM builds them for a model whose first layer slides (gpt-oss: src/engine/hybrid-kv.ts).
        assert hybrid["fullGroups"] == 1 and hybrid["slidingGroups"] == 1 and hybrid["layersPerGroup"] == 1
        groups.insert(0, KVCacheGroupSpec(["swa"], SlidingWindowSpec(block_size=bs, num_kv_heads=1, head_size=1, dtype=torch.float32, sliding_window=hybrid["slidingWindow"])))
    kv = KVCacheConfig(num_blocks=sc["totalKvBlocks"], kv_cache_tensors=[], kv_cache_groups=groups)
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


def run(model_dir, sc):
    s = make_scheduler(model_dir, sc)
    hasher = None
    if sc["enablePrefixCaching"]:
        hash_fn = get_hash_fn_by_name("sha256")
        init_none_hash(hash_fn)
        hasher = get_request_block_hasher(sc["blockSize"], hash_fn)
    reqs = sc["requests"]
    order = sorted(range(len(reqs)), key=lambda i: (reqs[i].get("arrivalUs", 0), i))
    pending = deque(order)
    objs = {}
    outputs_made = {}
    result = {"batches": [], "stepEndsUs": [], "reqs": {}}
    now = 0
    queue = deque()  # async: (scheduler_output, end_us) in flight, oldest first

    def add_arrivals(t):
        while pending and reqs[pending[0]].get("arrivalUs", 0) <= t:
            i = pending.popleft()
            r = reqs[i]
            params = SamplingParams(max_tokens=r["outputTokens"], ignore_eos=True)
            # Distinct arrival times in arrival order, as a server's clock gives them (the priority
            # queue breaks ties on (priority, arrival_time) before the request id).
            arrival = r.get("arrivalUs", 0) / 1e6 + len(objs) * 1e-9
            req = Request(request_id=r["id"], prompt_token_ids=prompt_tokens(i, r), sampling_params=params, pooling_params=None, eos_token_id=None, arrival_time=arrival, block_hasher=hasher, priority=r.get("priority", 0))
            objs[r["id"]] = (i, req)
            outputs_made[r["id"]] = 0
            result["reqs"][r["id"]] = {"firstTokenUs": -1, "finishedUs": -1, "preemptions": 0}
            s.add_request(req)

    def sampled_at_schedule(out, before):
        """Which scheduled requests sample a token in this step, read right after schedule():
        synchronously, those whose computed tokens reach their known tokens; asynchronously, those
        the scheduler gave an output placeholder (AsyncScheduler._update_after_schedule)."""
        flags = []
        for rid in out.num_scheduled_tokens:
            i, req = objs[rid]
            if sc["asyncScheduling"]:
                flags.append(req.num_output_placeholders > before.get(rid, 0))
            else:
                flags.append(req.num_computed_tokens >= req.num_tokens)
        return flags

    def model_output(out, flags):
        ids = list(out.num_scheduled_tokens.keys())
        sampled = []
        for rid, flag in zip(ids, flags):
            i, req = objs[rid]
            if flag:
                k = outputs_made[rid]
                outputs_made[rid] = k + 1
                sampled.append([3_000_000 + 100_000 * i + k])
            else:
                sampled.append([])
        return ModelRunnerOutput(req_ids=ids, req_id_to_index={r: n for n, r in enumerate(ids)}, sampled_token_ids=sampled)

    aborts = sorted(sc.get("aborts", []), key=lambda a: a["atUs"])
    # When each aborted request's client left: what vLLM emits for it later reaches nobody.
    gone = {a["id"]: a["atUs"] for a in aborts}

    def process_aborts(t):
        """EngineCore puts an abort in two queues: the aborts queue, drained right before each
        update_from_output, and the input queue, drained in order with the adds before each
        schedule (so an abort of a request added in the same drain comes after it). Aborts due by
        `t` are applied to requests the scheduler holds; the others wait for their add."""
        for a in aborts:
            if a["atUs"] <= t and not a.get("done") and a["id"] in objs:
                a["done"] = True
                s.finish_requests(a["id"], RequestStatus.FINISHED_ABORTED)

    def schedule():
        before = {rid: req.num_output_placeholders for rid, (i, req) in objs.items()}
        out = s.schedule()
        return out, sampled_at_schedule(out, before)

    def commit(out, mro, end_us):
        process_aborts(end_us)
        engine_outputs = s.update_from_output(out, mro)
        for eo in engine_outputs.values():
            for o in eo.outputs:
                if o.request_id in gone and gone[o.request_id] < end_us:
                    continue  # its client left: nobody receives it
                rr = result["reqs"][o.request_id]
                if o.new_token_ids and rr["firstTokenUs"] < 0:
                    rr["firstTokenUs"] = end_us
                if o.finish_reason is not None:
                    rr["finishedUs"] = end_us
        result["stepEndsUs"].append(end_us)
        if not sc["asyncScheduling"] and not s.has_unfinished_requests() and s.has_finished_requests():
            # vLLM's next step is empty and only reports the finished ids to the workers: no time.
            empty = s.schedule()
            s.update_from_output(empty, ModelRunnerOutput(req_ids=[], req_id_to_index={}))

    def record(out):
        result["batches"].append([f"{rid}:{n}" for rid, n in out.num_scheduled_tokens.items()])

    steps = 0
    empties = 0
    while pending or s.has_requests() or queue:
        steps += 1
        if steps > 100_000:
            raise RuntimeError("scenario did not finish")
        add_arrivals(now)
        process_aborts(now)
        if not sc["asyncScheduling"]:
            if not s.has_unfinished_requests():
                if not pending:
                    break
                now = reqs[pending[0]].get("arrivalUs", 0)
                continue
            out, flags = schedule()
            if out.total_num_scheduled_tokens == 0:
                # A request that preempted itself leaves an empty schedule; vLLM's step runs it
                # (no forward, no time here) and schedules again.
                empties += 1
                if empties > 3:
                    raise RuntimeError(f"empty schedules at {now} with requests waiting")
                s.update_from_output(out, ModelRunnerOutput(req_ids=[], req_id_to_index={}))
                continue
            empties = 0
            record(out)
            now += STEP_US + PER_TOKEN_US * out.total_num_scheduled_tokens
            commit(out, model_output(out, flags), now)
            continue
        # step_with_batch_queue: schedule while the queue (2) has room and the last schedule ran a
        # model; otherwise wait for the oldest batch and process its outputs.
        if len(queue) < 2 and s.has_requests():
            out, flags = schedule()
            if out.total_num_scheduled_tokens > 0:
                record(out)
                gpu_free = max([b[2] for b in queue if b[0].total_num_scheduled_tokens > 0], default=now)
                begin = max(now, gpu_free)
                queue.append((out, flags, begin + STEP_US + PER_TOKEN_US * out.total_num_scheduled_tokens))
                if len(queue) < 2:
                    continue
            else:
                queue.append((out, flags, now))
        if not queue:
            now = reqs[pending[0]].get("arrivalUs", 0)
            continue
        out, flags, end = queue.popleft()
        now = max(now, end)
        mro = model_output(out, flags) if out.total_num_scheduled_tokens > 0 else ModelRunnerOutput(req_ids=[], req_id_to_index={})
        if out.total_num_scheduled_tokens > 0:
            commit(out, mro, now)
        else:
            process_aborts(now)
            s.update_from_output(out, mro)
    for rid, (i, req) in objs.items():
        result["reqs"][rid]["cachedTokens"] = req.num_cached_tokens
        result["reqs"][rid]["preemptions"] = req.num_preemptions
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
    "vocab_size": 4_000_000,
    "max_position_embeddings": 4096,
    "torch_dtype": "float16",
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
}


def main():
    scenarios_path, fixture_path = sys.argv[1], sys.argv[2]
    scenarios = json.load(open(scenarios_path))
    with tempfile.TemporaryDirectory() as model_dir:
        with open(os.path.join(model_dir, "config.json"), "w") as f:
            json.dump(MODEL_CONFIG, f)
        results = [run(model_dir, sc) for sc in scenarios]
    import vllm

    fixture = {
        "about": f"{len(scenarios)} scenarios from scripts/vllm-diff/gen.mjs run through vllm {vllm.__version__}'s scheduler by scripts/vllm-diff/driver.py",
        "scenarios": scenarios,
        "vllm": results,
    }
    with open(fixture_path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
