// Random scheduler scenarios for the differential test against vLLM's own scheduler
// (scripts/vllm-diff/driver.py, test/engine/vllm-diff.test.ts). Small pools and budgets so that
// chunking, max_num_seqs, head-of-line blocking, preemption and prefix hits all happen; every
// request fits the pool and max_model_len on its own (blis would drop one that never fits, and
// vLLM would wait for it forever).
//
//   node scripts/vllm-diff/gen.mjs COUNT SEED [sync|async|mixed] [fcfs|priority] [full|hybrid] [none|aborts] [none|cpu|pd] [chunked|whole|tight] [small|large] > scenarios.json
//
// whole: chunked prefill off (a prompt goes whole or waits); vLLM then needs max_model_len <= the
// token budget, so max_model_len is the budget and every request fits it.
//
// tight: chunked prefill on, max_model_len the longest request's prompt + output.
//
// hybrid: a full-attention and a sliding-window KV cache group sharing the pool (gpt-oss-like).
//
// pd: both sides of P/D on one instance (vLLM's NixlConnector): about half the requests are remote
// prefills (`remote`), whose prompts' KV is read from a prefill instance, 3 µs + usPerBlock per
// block; a fifth are prefill-only (`prefillOnly`, max_tokens 1), whose held blocks a decode
// instance reads as long after they finish.
const [count = '200', seedArg = '1', loop = 'sync', policy = 'fcfs', kv = 'full', abortsArg = 'none', tierArg = 'none', chunking = 'chunked', size = 'small'] = process.argv.slice(2);
/** large: 10-30 requests of up to 200 + 64 tokens over larger pools and budgets (long decode stretches for event leaping). */
const large = size === 'large';
let state = Number(seedArg) >>> 0 || 1;
/** xorshift32: the same scenarios for the same seed on every machine. */
const rand = () => {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
};
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[int(0, xs.length - 1)];

const scenarios = [];
for (let s = 0; s < Number(count); s++) {
  const blockSize = pick([4, 4, 16]);
  const totalKvBlocks = large ? (blockSize === 4 ? int(40, 200) : int(12, 60)) : kv === 'hybrid' ? (blockSize === 4 ? int(24, 64) : int(8, 24)) : blockSize === 4 ? int(8, 48) : int(4, 16);
  const maxNumSeqs = large ? int(4, 16) : int(1, 8);
  const sc = {
    asyncScheduling: loop === 'async' || (loop === 'mixed' && rand() < 0.5),
    scheduler: policy,
    blockSize,
    totalKvBlocks,
    maxModelLen: 1000,
    maxNumSeqs,
    maxNumBatchedTokens: large ? int(Math.max(32, maxNumSeqs), 256) : int(Math.max(8, maxNumSeqs), 96),
    longPrefillTokenThreshold: pick([0, 0, 0, int(4, 32)]),
    // The CPU tier looks blocks up by their prefix-cache hashes: it needs prefix caching.
    enablePrefixCaching: tierArg === 'cpu' || rand() < 0.7,
    requests: [],
  };
  // A CPU tier (vLLM's OffloadingConnector) of a few blocks, loading 50-300 µs a block.
  if (tierArg === 'cpu') sc.cpuTier = { blocks: int(2, 24), loadUsPerBlock: pick([50, 100, 300]), bytesPerBlock: 1 };
  if (tierArg === 'pd') sc.remote = { usPerBlock: pick([20, 100, 400, 1500]) };
  if (kv === 'hybrid') sc.kvGroups = { layersPerGroup: 1, fullGroups: 1, slidingGroups: 1, slidingWindow: pick([4, 8, 12, 32]) };
  // A hybrid request holds blocks in both groups: every token's in the full one, and in the
  // sliding one its window's (plus a partial block) or, while its prompt is computed, the chunk's.
  const slidingBlocks = kv === 'hybrid' ? Math.ceil(sc.kvGroups.slidingWindow / blockSize) + 1 : 0;
  const capacity = Math.max(1, kv === 'hybrid' ? Math.floor((totalKvBlocks - 1) / 2) - slidingBlocks : totalKvBlocks - 1) * blockSize;
  const groups = int(1, 2);
  const n = large ? int(10, 30) : int(1, 10);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const outputTokens = large ? int(1, 64) : int(1, 16);
    const inputTokens = int(1, Math.max(1, Math.min(large ? 200 : 60, capacity - outputTokens)));
    // Whole tens of µs: steps end on them too (1000 + 10 per token), and an abort (below) never ties with either.
    if (rand() < 0.6) t += 10 * int(0, 400);
    const r = { id: `r${i}`, arrivalUs: t, inputTokens, outputTokens };
    if (policy === 'priority') r.priority = int(0, 2);
    if (sc.remote) {
      const role = rand();
      if (role < 0.5) r.remote = true;
      else if (role < 0.7) {
        r.prefillOnly = true;
        r.outputTokens = 1;
      }
    }
    // With a CPU tier, a third of the prompts repeat a group's whole prompt (the tier's hits).
    if (sc.cpuTier && rand() < 0.33) r.prefix = { group: `g${int(0, groups - 1)}`, tokens: inputTokens };
    else if (sc.enablePrefixCaching && rand() < 0.6) r.prefix = { group: `g${int(0, groups - 1)}`, tokens: int(1, inputTokens) };
    sc.requests.push(r);
  }
  if (abortsArg === 'aborts') {
    // Client timeouts: some requests are aborted at a time ending in 5 µs, after they arrived.
    sc.aborts = [];
    // Not prefill-only requests: vLLM ignores the abort of a finished request (its held blocks wait
    // for the decode side; the cluster does the same at a client timeout, docs/cluster.md).
    for (const r of sc.requests) if (rand() < 0.35 && !r.prefillOnly) sc.aborts.push({ id: r.id, atUs: r.arrivalUs + 10 * int(0, 1500) + 5 });
  }
  if (chunking === 'tight') {
    // max_model_len as short as the longest request (prompt + output): the running loop's
    // `max_model_len - 1 - num_computed_tokens` cap and check_stop's length test at their limit.
    sc.maxModelLen = Math.max(...sc.requests.map((r) => r.inputTokens + r.outputTokens));
  }
  if (chunking === 'whole') {
    sc.enableChunkedPrefill = false;
    sc.maxModelLen = sc.maxNumBatchedTokens;
    for (const r of sc.requests) {
      // Prompt and output within max_model_len (a prompt of the whole budget leaves 1 output token).
      r.inputTokens = Math.min(r.inputTokens, sc.maxModelLen - 1);
      r.outputTokens = Math.min(r.outputTokens, sc.maxModelLen - r.inputTokens);
      if (r.prefix) r.prefix.tokens = Math.min(r.prefix.tokens, r.inputTokens);
    }
  }
  scenarios.push(sc);
}
process.stdout.write(JSON.stringify(scenarios) + '\n');
