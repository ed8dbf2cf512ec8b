/**
 * Prefix-cache block hashes, computed once per request (never per step). vLLM 0.15
 * (v1/core/kv_cache_utils.py hash_block_tokens) chains each full block's hash to its parent's;
 * we do the same over a numeric "content identity" instead of token ids:
 *  - a block fully inside `req.prefix` has content (prefix group, block index), where the
 *    group is the outermost level of the prefix chain (`prefix.parent`, e.g. a system prompt
 *    under a session's context) that still covers the whole block;
 *  - a block inside a source block of `req.hashIds` (Mooncake) has content (id, token offset);
 *  - any other block is unique to the request (hash of its id, block index).
 * Only FULL blocks get a hash (vLLM caches full blocks only), and vLLM hashes the whole token
 * sequence, generated tokens included (v1/request.py appends block hashes as tokens arrive), so
 * the array covers the full blocks of prompt + output − 1 tokens (the last output token is never
 * written to the KV cache). A block past the prompt is unique to the request, except in a
 * session whose prefix covers the whole prompt: the next turn's prompt repeats this turn's prompt
 * and answer, so the answer's blocks continue the session's group (a follow-up hits them).
 * Hashes are safe integers (< 2^53): a 21-bit and a 32-bit lane, each a Math.imul mix.
 *
 * From the first block whose content only some requests can carry, every later hash chains it, so
 * only those requests can produce them: the blocks are private to a key (private-blocks.ts), the
 * request id's unique content, or the group of an `exclusive` prefix level (a session's context,
 * carried only by that session's turns), whichever comes first. Keying by the group is exact
 * whoever carries it; `exclusive` only says the group's list stays short.
 *
 * With a run's PrefixHashMemo (prefix-hash-memo.ts) the blocks of a request's prefix levels are
 * copied from the chain that earlier requests of the same levels hashed, and only the rest hashed.
 */
import type { ArrivalRequest } from '../workload/request.js';
import { PrefixHashMemo } from './prefix-hash-memo.js';

const TWO32 = 4294967296;
/**
 * A session's own context (from its first exclusive level's block on) is memoised only when a
 * request has this many blocks of it: at the native chatbot preset's contexts (some 60 blocks,
 * 1-3 turns) a chain per session cost more in lookups and logging than its copies saved
 * (docs/engine.md has the figures); a long context saves far more than its lookup costs.
 */
const PRIVATE_MEMO_BLOCKS = 128;

/** Two independent 32-bit FNV-1a style hashes of a string. */
function hashString(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

/** murmur3 finaliser. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A safe integer (< 2^53) from a 21-bit and a 32-bit lane. */
function join(a: number, b: number): number {
  return (a & 0x1fffff) * TWO32 + b;
}

function mix(h: number, x: number): number {
  return fmix((Math.imul(h ^ x, 0x9e3779b1) + 0x7f4a7c15) | 0);
}

/** Full prompt blocks of a request (the leading entries of its computeBlockHashes). */
export function promptBlockCount(req: ArrivalRequest, blockSize: number): number {
  return Math.floor(req.inputTokens / blockSize);
}

/** Full blocks a request's hash chain covers: its prompt's, and prompt + output − 1 tokens' (the last output token is never written). */
export function hashBlockCount(req: ArrivalRequest, blockSize: number): number {
  return Math.max(promptBlockCount(req, blockSize), Math.floor((req.inputTokens + req.outputTokens - 1) / blockSize));
}

/**
 * The key of a request whose every block is its own (no prefix, no source block ids): the idKey
 * requestBlockHashes gives it, with sharedBlocks 0, without computing a hash.
 */
export function ownContentKey(req: ArrivalRequest): number {
  return join(hashString(req.id, 0x2468ace), hashString(req.id, 0x13579bd));
}

/** One hash per full block of `blockSize` tokens over the prompt and the output (minus its last token). */
export function computeBlockHashes(req: ArrivalRequest, blockSize: number): Float64Array {
  return requestBlockHashes(req, blockSize).hashes;
}

/**
 * A request's block hashes, and where they become its own: from `sharedBlocks` on, every block's
 * chain includes content unique to the request's id (a prompt past any shared prefix, an answer no
 * session continues), so only requests with the same id (`idKey`, the unique content's identity)
 * can produce those hashes (the KV pool keeps them apart from the shared index, private-blocks.ts).
 */
export interface RequestBlockHashes {
  readonly hashes: Float64Array;
  /** Leading blocks whose hashes other requests can share. */
  readonly sharedBlocks: number;
  /** A non-negative 53-bit identity of the content that makes blocks private from sharedBlocks on: the id's unique content or an exclusive prefix group. */
  readonly idKey: number;
  /** idKey is this request's own id's (no exclusive prefix group): no request of another id can produce its private hashes. */
  readonly ownKey: boolean;
  /** Every entry is written (false only when asked for the shared ones: requestBlockHashes `sharedOnly`). */
  readonly complete: boolean;
}

/**
 * Where a run's hash arrays come from: consecutive slices of shared slabs rather than one array
 * each. A typed array longer than 64 bytes gets its own off-heap backing store (a malloc, then
 * bookkeeping for the garbage collector), which cost more than hashing the request's blocks; a
 * slice is a view on a slab. A slab lives while any of its slices does, so memory is bounded by
 * one slab (64 KiB) per request in the system; requests end roughly in arrival order, so in
 * practice only the last few slabs are alive. The run's memo of prefix-level chains
 * (prefix-hash-memo.ts) lives with it: both are the run's hashing state, and the memo allocates
 * nothing until a prefix comes.
 */
export class BlockHashArena {
  readonly memo = new PrefixHashMemo();
  private slab = new Float64Array(0);
  private used = 0;

  constructor(private readonly slabLength = 8192) {}

  /** A zeroed array of `n` entries that nothing else is given. */
  take(n: number): Float64Array {
    if (n > this.slabLength >> 3) return new Float64Array(n);
    if (this.used + n > this.slab.length) {
      this.slab = new Float64Array(this.slabLength);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + n);
    this.used += n;
    return out;
  }
}

interface PrefixLevel {
  readonly tokens: number;
  readonly a: number;
  readonly b: number;
  /** Only one session's requests carry the group (PrefixRef.exclusive). */
  readonly exclusive: boolean;
}
const NO_LEVELS: readonly PrefixLevel[] = [];

/**
 * `arena`: where the hash array is carved from (default: an array of its own); `memo`: the run's
 * memo of prefix-level chains (prefix-hash-memo.ts), which the request reads its leading blocks
 * from and extends (default: every block hashed here). `sharedOnly`: the entries from
 * `sharedBlocks + 1` on may be left unwritten (0) unless the memo logs them (`complete` then says
 * whether all were written): a private hash is read only once its key's list is (EngineRequest's
 * lazily completed hashes). `into`: the array to write (default: a new one or the arena's).
 */
export function requestBlockHashes(req: ArrivalRequest, blockSize: number, arena?: BlockHashArena, memo?: PrefixHashMemo, sharedOnly = false, into?: Float64Array): RequestBlockHashes {
  const numBlocks = hashBlockCount(req, blockSize);
  const out = into ?? (arena !== undefined ? arena.take(numBlocks) : new Float64Array(numBlocks));
  // Prefix levels, outermost (shortest) first: a block takes the first level that covers it.
  let levels = NO_LEVELS;
  let prefixTokens = 0;
  if (req.prefix !== undefined) {
    const found: PrefixLevel[] = [];
    for (let p: ArrivalRequest['prefix'] = req.prefix; p !== undefined; p = p.parent) {
      const tokens = Math.min(p.tokens, req.inputTokens);
      found.unshift({ tokens, a: hashString(p.group, 0x1234567), b: hashString(p.group, 0x7654321), exclusive: p.exclusive === true });
      if (tokens > prefixTokens) prefixTokens = tokens;
    }
    levels = found;
  }
  // A session turn whose prefix is its whole prompt: its answer continues the session's content.
  const continues = req.sessionId !== undefined && levels.length > 0 && prefixTokens >= req.inputTokens;
  // The leading blocks whose content is their prefix level's (the memo's part).
  const levelBlocks = continues ? numBlocks : Math.floor(prefixTokens / blockSize);
  const inner = levels[levels.length - 1];
  // The id's lanes, hashed when a block is the request's own or the key needs them (a session
  // turn whose blocks are all the session's never does).
  let uA = -1;
  let uB = -1;
  const ids = req.hashIds?.ids;
  const srcTokens = req.hashIds?.blockTokens ?? 0;
  let hA = 0x6a09e667;
  let hB = 0xbb67ae85;
  let sharedBlocks = numBlocks;
  /** The exclusive level whose content starts the private blocks, if one does. */
  let privateLevel: PrefixLevel | null = null;
  // The blocks the memo holds are copied; the loop hashes the rest, logging the memo's part.
  let from = 0;
  let logAt = 0;
  let logEnd = 0;
  if (memo !== undefined && levelBlocks > 0) {
    // The memo's part: the blocks before the first exclusive level's (a session's context), and
    // from there on too once there are PRIVATE_MEMO_BLOCKS of them. The key is then the levels
    // before it, whose chain the blocks before it are (prefix-hash-memo.ts).
    let keyLevels = levels.length;
    let memoBlocks = levelBlocks;
    let privateFrom = -1;
    let privateK = -1;
    for (let k = 0, start = 0; k < levels.length; k++) {
      const end = k === levels.length - 1 && continues ? numBlocks : Math.floor(levels[k]!.tokens / blockSize);
      if (end <= start) continue;
      if (levels[k]!.exclusive) {
        privateFrom = start;
        privateK = k;
        if (levelBlocks - start < PRIVATE_MEMO_BLOCKS) {
          keyLevels = k;
          memoBlocks = start;
        }
        break;
      }
      start = end;
    }
    const chain = memoBlocks > 0 ? memo.find(levels, keyLevels, blockSize) : -1;
    if (chain >= 0) {
      from = Math.min(memo.length(chain), memoBlocks);
      if (from > 0) {
        // As uint32s, the lanes' type in the loop (a signed lane A there costs the loop a slower representation).
        hA = memo.copy(chain, from, out) >>> 0;
        hB = out[from - 1]! >>> 0;
      }
      // Where the loop would have met the first exclusive level, if among the copied blocks.
      if (privateFrom >= 0 && privateFrom < from) {
        sharedBlocks = privateFrom;
        privateLevel = levels[privateK]!;
      }
      if (from < memoBlocks) {
        const slot = memo.reserve(chain, memoBlocks - from);
        if (slot >= 0) {
          logAt = slot - from;
          logEnd = memo.length(chain);
        }
      }
      // A shape seen once is only noted: its blocks are logged when it comes again.
    } else if (memoBlocks > 0) memo.add(levels, keyLevels, blockSize);
  }
  let complete = true;
  for (let b = from; b < numBlocks; b++) {
    // Past the first private block (its hash sets the key) and what the memo logs: left for later.
    if (sharedOnly && b > sharedBlocks && b >= logEnd) {
      complete = false;
      break;
    }
    const start = b * blockSize;
    const end = start + blockSize;
    let cA: number;
    let cB: number;
    // The prefix level whose content the block is: the session's (an answer it continues), or the
    // outermost level covering the block (end <= prefixTokens, the largest level's tokens).
    let level: PrefixLevel | undefined;
    if (end > req.inputTokens && continues) level = inner;
    else if (end <= prefixTokens) {
      let k = 0;
      while (end > levels[k]!.tokens) k++;
      level = levels[k];
    }
    if (level !== undefined) {
      cA = mix(level.a, b);
      cB = mix(level.b, b ^ 0x55555555);
      if (level.exclusive && b < sharedBlocks) {
        sharedBlocks = b;
        privateLevel = level;
      }
    } else if (ids !== undefined && end <= req.inputTokens && Math.ceil(end / srcTokens) <= ids.length) {
      // Content is the source id(s) covering [start, end) and the offset inside the first.
      const i = Math.floor(start / srcTokens);
      const j = Math.floor((end - 1) / srcTokens);
      const off = start - i * srcTokens;
      cA = mix(mix(0x3c6ef372, ids[i]! | 0), Math.floor(ids[i]! / TWO32) ^ off);
      cB = mix(mix(0xa54ff53a, ids[i]! | 0), off * 31 + 7);
      if (j !== i) {
        cA = mix(cA, ids[j]! | 0);
        cB = mix(cB, ids[j]! | 0);
      }
    } else {
      if (uA < 0) {
        uA = hashString(req.id, 0x2468ace);
        uB = hashString(req.id, 0x13579bd);
      }
      cA = mix(uA, b);
      cB = mix(uB, b ^ 0x55555555);
      if (b < sharedBlocks) sharedBlocks = b;
    }
    hA = mix(hA, cA);
    hB = mix(hB ^ 0x5bd1e995, cB);
    out[b] = join(hA, hB);
    if (b < logEnd) memo!.log(logAt + b, hA, out[b]!);
  }
  const key = privateLevel !== null ? join(privateLevel.a, privateLevel.b) : uA < 0 ? ownContentKey(req) : join(uA, uB);
  return { hashes: out, sharedBlocks, idKey: key, ownKey: privateLevel === null, complete };
}

/**
 * The hash a block of KV cache group `lane` is cached under. vLLM keys cached blocks by
 * (block hash, group id) (v1/core/kv_cache_utils.py BlockHashWithGroupId): a hybrid model's
 * groups hold the same token blocks and are cached and evicted independently. Lane 0 keeps the
 * block's own hash (the router's KV events name it); the others mix the lane in (still < 2^53).
 */
export function laneHash(h: number, lane: number): number {
  if (lane === 0) return h;
  const lo = h % TWO32;
  const hi = (h - lo) / TWO32;
  return (mix(hi, lane * 0x2545f491) & 0x1fffff) * TWO32 + mix(lo ^ 0x6c8e9cf5, lane);
}
