/**
 * The generator: turns a resolved workload into an arrival stream, lazily and in arrival
 * order. Each client runs its arrival process stage by stage; session follow-up turns wait in
 * the same small heap, ordered by (time, insertion sequence), so clients interleave
 * deterministically. Work per request is O(log clients + sessions in flight), and nothing is
 * allocated per request beyond the record, its id and (for sessions) its prefix reference.
 */
import { InputError } from '../kernel/errors.js';
import { ARRIVAL_PROCESSES, type ArrivalProcess, exactCountArrival, stageRequestCount } from './arrival.js';
import { type LengthSampler, createLengthSampler } from './lengths.js';
import { lookupEntry } from './options.js';
import { type Random, exponential, shuffledIndices, uniformInt } from '../kernel/random.js';
import type { ArrivalRequest, PrefixRef } from './request.js';
import type { ResolvedClient, ResolvedWorkload } from './types.js';
import { US_PER_S } from '../kernel/units.js';

interface Segment {
  readonly startUs: number;
  readonly endUs: number;
  /** Total request rate of the segment (all clients). */
  readonly rateRps: number;
}

interface Session {
  readonly id: string;
  readonly group: string;
  readonly parent: PrefixRef | undefined;
  readonly turns: number;
  turn: number;
  /** Prompt plus output of the latest turn: the next turn's prompt starts with it. */
  contextTokens: number;
}

interface Pending {
  t: number;
  seq: number;
  client: ClientRun;
  /** null: the client's next fresh arrival; else the session's next turn. */
  session: Session | null;
}

class ClientRun {
  readonly process: ArrivalProcess;
  readonly input: LengthSampler;
  readonly output: LengthSampler;
  readonly turns: LengthSampler | null;
  readonly thinkMeanUs: number;
  /** Divides the request rate into a session-start rate. */
  readonly meanTurns: number;
  segment = -1;
  pick = 0;
  sessions = 0;
  /** Shared system prompts (random / round-robin), or the cycled full prompts. */
  readonly refs: PrefixRef[] = [];
  readonly refInputTokens: number[] = [];
  readonly order: Uint32Array | null = null;

  constructor(readonly c: ResolvedClient, readonly index: number, random: Random) {
    this.process = lookupEntry(ARRIVAL_PROCESSES, c.arrival.process, 'arrival process', 'SPEC_UNKNOWN_PROCESS', `clients.${c.name}.arrival`).create(c.arrival.options);
    this.input = createLengthSampler(c.input);
    this.output = createLengthSampler(c.output);
    this.turns = c.sessions ? createLengthSampler(c.sessions.turns) : null;
    this.thinkMeanUs = c.sessions ? c.sessions.thinkTimeS * US_PER_S : 0;
    this.meanTurns = meanTurns(c);
    const p = c.prefix;
    if (p === null) return;
    if (p.select === 'cycled') {
      if (c.sessions) throw new InputError('SPEC_CONFLICT', `clients.${c.name}`, "expected 'sessions' or prefix select 'cycled', not both");
      const perGroup = p.promptsPerGroup ?? 1;
      for (let g = 0; g < p.groups; g++) {
        const system: PrefixRef = { group: `${c.name}/g${g}`, tokens: p.tokens };
        for (let q = 0; q < perGroup; q++) {
          // A unique prompt's question length is drawn once: the prompt text recurs verbatim.
          const inputTokens = p.tokens + this.input.sample(random);
          this.refs.push({ group: `${c.name}/g${g}/p${q}`, tokens: inputTokens, parent: system });
          this.refInputTokens.push(inputTokens);
        }
      }
      this.order = shuffledIndices(random, this.refs.length);
    } else {
      for (let g = 0; g < p.groups; g++) this.refs.push({ group: `${c.name}/sys${g}`, tokens: p.tokens });
    }
  }

  /** The shared-prefix reference for a fresh request (undefined without prefix groups). */
  pickRef(random: Random): number {
    const p = this.c.prefix!;
    if (p.select === 'random') return uniformInt(random, this.refs.length);
    if (p.select === 'cycled') return this.order![this.pick++ % this.refs.length]!;
    return this.pick++ % this.refs.length;
  }
}

/** Requests per session start: the turns distribution's mean (1 without sessions). */
function meanTurns(c: ResolvedClient): number {
  return c.sessions ? Math.max(1, createLengthSampler(c.sessions.turns).mean) : 1;
}

/**
 * Each client's rate in each segment (`[segment][client]`): its share of the segment's rate, per
 * session start with sessions. The exact-count clients of a bounded segment split its count as
 * one inference-perf load would issue it, ⌊their total rate × length⌋: each gets the floor of its
 * own count and those with the largest remainders one more (the earlier client on a tie), and
 * runs at that count over the segment. Counting each client's floor alone lost requests (three
 * equal clients at 10 req/s for 1 s issued 9, and `--num-requests 1000` yielded 999).
 */
function clientRates(w: ResolvedWorkload, segments: readonly Segment[]): number[][] {
  const turns = w.clients.map(meanTurns);
  return segments.map((s) => {
    const rates = w.clients.map((c, i) => (s.rateRps * c.share) / turns[i]!);
    const spanS = (s.endUs - s.startUs) / US_PER_S;
    const exact = w.clients.map((c, i) => (c.arrival.process === exactCountArrival.name ? i : -1)).filter((i) => i >= 0);
    if (exact.length < 2 || !Number.isFinite(spanS)) return rates;
    const want = exact.map((i) => rates[i]! * spanS);
    const counts = want.map((x) => Math.floor(x));
    let left = stageRequestCount(want.reduce((a, x) => a + x, 0), 1) - counts.reduce((a, x) => a + x, 0);
    const byRemainder = exact.map((_, k) => k).sort((a, b) => (want[b]! - counts[b]!) - (want[a]! - counts[a]!) || a - b);
    for (const k of byRemainder) {
      if (left <= 0) break;
      counts[k]!++;
      left--;
    }
    exact.forEach((i, k) => { rates[i] = counts[k]! / spanS; });
    return rates;
  });
}

function less(a: Pending, b: Pending): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

function push(heap: Pending[], node: Pending): void {
  let i = heap.length;
  heap.push(node);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(node, heap[parent]!)) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = node;
}

function pop(heap: Pending[]): Pending {
  const top = heap[0]!;
  const last = heap.pop()!;
  const n = heap.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && less(heap[r]!, heap[l]!) ? r : l;
      if (!less(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
  return top;
}

/** How far back the warm-up starts sessions, in mean session lengths (think time × gaps): the
 * chance that a session started earlier is still going is below e^-20. */
const WARMUP_SESSION_LENGTHS = 20;

/**
 * The sessions a client has in progress when the stream opens, as in its stationary state: a
 * workload does not start with an empty system (its first seconds would carry first turns only,
 * about rate / mean turns, and reach the configured rate only after a few think times). Sessions
 * start over a warm-up before time 0 at the first segment's session rate (Poisson); their turns
 * before 0 are drawn (they build each session's context) but not emitted, and the first turn at
 * or after 0 of each session still going waits in the heap like any follow-up turn. The offered
 * request rate is then the configured one from the first second on (test/workload/sessions).
 */
function sessionsInProgress(cr: ClientRun, sessionRateRps: number, random: Random, keep: number): Pending[] {
  if (!(sessionRateRps > 0) || cr.thinkMeanUs <= 0) return [];
  // Only the `keep` earliest can be among the stream's first `keep` arrivals (a request cap): the
  // others are drawn (the random stream is the same) but not held, so memory stays bounded at
  // high rates, where the sessions in progress number rate × session length.
  const kept = new LatestDropped(keep);
  const c = cr.c;
  const warmupUs = WARMUP_SESSION_LENGTHS * cr.thinkMeanUs * Math.max(1, cr.meanTurns - 1);
  const meanGapUs = US_PER_S / sessionRateRps;
  let k = 0;
  for (let startUs = -warmupUs + meanGapUs * exponential(random); startUs < 0; startUs += meanGapUs * exponential(random)) {
    const ref = c.prefix !== null ? cr.pickRef(random) : -1;
    const system = ref >= 0 ? cr.refs[ref] : undefined;
    const id = `${c.name}-w${k++}`;
    const session: Session = { id, group: `session:${id}`, parent: system, turns: cr.turns!.sample(random), turn: 1, contextTokens: 0 };
    let t = startUs;
    let input = c.prefix?.select === 'cycled' ? cr.refInputTokens[ref]! : (c.prefix?.tokens ?? 0) + cr.input.sample(random);
    for (;;) {
      session.contextTokens = input + cr.output.sample(random);
      if (session.turn >= session.turns) break;
      t += cr.thinkMeanUs * exponential(random);
      if (t >= 0) {
        kept.offer({ t, seq: 0, client: cr, session });
        break;
      }
      session.turn++;
      input = session.contextTokens + cr.input.sample(random);
    }
  }
  return kept.inOrder();
}

/**
 * Keeps the `capacity` earliest of the entries offered, by time and then by offer order (the
 * order the generator's heap breaks ties by, through `seq`), and gives them back in offer order.
 * Each entry's `seq` holds its offer order here (the caller renumbers them); the kept ones form a
 * max-heap under the generator's `less`, so a new entry replaces the latest when it comes earlier.
 */
class LatestDropped {
  private readonly heap: Pending[] = [];
  private offered = 0;

  constructor(private readonly capacity: number) {}

  offer(p: Pending): void {
    p.seq = this.offered++;
    const h = this.heap;
    // No cap: every entry is kept, already in offer order.
    if (this.capacity === Infinity) {
      h.push(p);
      return;
    }
    if (this.capacity <= 0) return;
    if (h.length < this.capacity) {
      let i = h.length;
      h.push(p);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(h[parent]!, p)) break;
        h[i] = h[parent]!;
        i = parent;
      }
      h[i] = p;
      return;
    }
    // Full: the new entry (offered last, so later among equal times) displaces the latest only if it comes strictly earlier.
    if (!less(p, h[0]!)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && less(h[l]!, h[r]!) ? r : l;
      if (!less(p, h[child]!)) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = p;
  }

  /** The kept entries in the order they were offered. */
  inOrder(): Pending[] {
    return this.capacity === Infinity ? this.heap : [...this.heap].sort((a, b) => a.seq - b.seq);
  }
}

/** The arrival stream of a resolved workload; iterating twice with equal `random` state gives equal streams. */
export function generateArrivals(workload: ResolvedWorkload, random: Random): Iterable<ArrivalRequest> {
  return { [Symbol.iterator]: () => run(workload, random) };
}

function* run(w: ResolvedWorkload, random: Random): Generator<ArrivalRequest, void, undefined> {
  const horizonUs = w.durationS === null ? Infinity : w.durationS * US_PER_S;
  const segments: Segment[] = w.stages.length > 0
    ? w.stages.map((s) => ({ startUs: s.startS * US_PER_S, endUs: Math.min(horizonUs, (s.startS + s.durationS) * US_PER_S), rateRps: s.rateRps }))
        .filter((s) => s.startUs < horizonUs)
    : [{ startUs: 0, endUs: horizonUs, rateRps: w.rateRps }];
  const stageEndsUs = w.stages.map((s) => (s.startS + s.durationS) * US_PER_S);
  const cap = w.numRequests ?? Infinity;

  const rates = clientRates(w, segments);
  const heap: Pending[] = [];
  let seq = 0;
  const nextFresh = (cr: ClientRun): number => {
    for (;;) {
      if (cr.segment >= 0) {
        const t = cr.process.next(random);
        if (t !== Infinity) return t;
      }
      if (++cr.segment >= segments.length) return Infinity;
      const s = segments[cr.segment]!;
      cr.process.begin(s.startUs, s.endUs, rates[cr.segment]![cr.index]!, random);
      // inference-perf starts its prompt cycle afresh each stage (run_stage takes a new get_data()).
      if (cr.c.prefix?.select === 'cycled') cr.pick = 0;
    }
  };
  for (const [index, c] of w.clients.entries()) {
    const cr = new ClientRun(c, index, random);
    if (cr.turns !== null && c.sessions?.start !== 'empty' && segments.length > 0 && segments[0]!.startUs === 0) {
      for (const pending of sessionsInProgress(cr, (segments[0]!.rateRps * c.share) / cr.meanTurns, random, cap)) {
        pending.seq = seq++;
        push(heap, pending);
      }
    }
    const t = nextFresh(cr);
    if (t !== Infinity) push(heap, { t, seq: seq++, client: cr, session: null });
  }

  let n = 0;
  let stage = 0;
  while (heap.length > 0 && n < cap) {
    const node = pop(heap);
    if (node.t >= horizonUs) break;
    const cr = node.client;
    const c = cr.c;
    const arrivalUs = Math.floor(node.t);
    while (stage < stageEndsUs.length - 1 && arrivalUs >= stageEndsUs[stage]!) stage++;

    let inputTokens: number;
    let prefix: PrefixRef | undefined;
    let session = node.session;
    if (session === null) {
      let ref = -1;
      if (c.prefix !== null) ref = cr.pickRef(random);
      if (c.prefix?.select === 'cycled') inputTokens = cr.refInputTokens[ref]!;
      else inputTokens = (c.prefix?.tokens ?? 0) + cr.input.sample(random);
      const system = ref >= 0 ? cr.refs[ref] : undefined;
      if (cr.turns !== null) {
        const id = `${c.name}-s${cr.sessions++}`;
        session = { id, group: `session:${id}`, parent: system, turns: cr.turns.sample(random), turn: 1, contextTokens: 0 };
        // The whole prompt is the session's context: turn t+1's prompt starts with it.
        prefix = { group: session.group, tokens: inputTokens, parent: system, exclusive: true, final: session.turns <= 1 };
      } else {
        prefix = system;
      }
      const t = nextFresh(cr);
      if (t !== Infinity) {
        node.t = t;
        node.seq = seq++;
        push(heap, node);
      }
    } else {
      session.turn++;
      inputTokens = session.contextTokens + cr.input.sample(random);
      prefix = { group: session.group, tokens: inputTokens, parent: session.parent, exclusive: true, final: session.turn >= session.turns };
    }
    const outputTokens = cr.output.sample(random);
    if (session !== null) {
      session.contextTokens = inputTokens + outputTokens;
      if (session.turn < session.turns) {
        // Think time runs from this turn's arrival: an open-loop stand-in for "response, then read and type".
        push(heap, { t: node.t + cr.thinkMeanUs * exponential(random), seq: seq++, client: cr, session });
      }
    }

    yield {
      id: `r${n++}`,
      arrivalUs,
      inputTokens,
      outputTokens,
      prefix,
      sessionId: session?.id,
      turn: session?.turn,
      model: c.model ?? undefined,
      tenant: c.tenant ?? undefined,
      sloClass: c.sloClass ?? undefined,
      priority: c.priority ?? undefined,
      stage: stageEndsUs.length > 0 ? stage : undefined,
    };
  }
}
