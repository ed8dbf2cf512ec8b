/**
 * `blis capacity`: the highest arrival rate at which the SLOs hold for a workload and fleet
 * (every probe a full `blis run` with the same flags, printed so each can be rerun), or, with
 * lists of GPUs, TP degrees and instance counts, the cheapest fleet that holds them at --rate.
 */
import type { Command } from 'commander';
import type { MetricsDocument } from '../cluster/metrics.js';
import type { SloBlock } from '../cluster/slo.js';
import { InputError } from '../kernel/errors.js';
import { fleetPerHour } from '../cluster/cost.js';
import { gpuPrice, type PriceTable } from '../model/prices.js';
import { candidates, cheapestFleet, type FleetCandidate, type FleetOutcome, type FleetPrice, type FleetProbe } from '../plan/cheapest.js';
import { maxSustainableRate, type ProbeOutcome } from '../plan/capacity.js';
import { addRunFlags } from './cmd-run.js';
import type { CliIO } from './io.js';
import { choiceFlag, intFlag, numFlag } from './parse.js';
import { commandLine, flagsFromCommand, resolveRunFlags, simulateFlags, type FlagValue } from './run-flags.js';
import { pricesFromFlags } from './slo-flags.js';
import { table } from './summary-format.js';
import { msToS } from '../kernel/units.js';

const EXAMPLES = `
Examples:
  # the highest rate 8 x H100 (TP 2) serve Qwen3-14B chat at, p99 TTFT <= 200 ms and p50 TPOT <= 30 ms
  blis capacity --model qwen/qwen3-14b --workload chatbot --num-instances 8 --tp 2 --hardware H100 \\
    --num-requests 2000 --slo ttft_p99=200,tpot_p50=30
  # the cheapest fleet holding the SLO at 80 req/s, over GPUs, TP degrees and instance counts
  blis capacity --model qwen/qwen3-14b --workload chatbot --rate 80 --num-requests 2000 \\
    --hardware H100,A100-80 --tp 1,2 --num-instances 2,4,8 --slo ttft_p99=200,tpot_p50=30 --output json
`;

const LIST_FLAGS = ['hardware', 'tp', 'num-instances'];
const OWN_FLAGS = ['rate', ...LIST_FLAGS, 'tolerance', 'max-probes'];

function listFlag(flag: string, int: boolean): (v: string) => Array<string | number> {
  return (v) => {
    const parts = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
    if (parts.length === 0) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected a value or a comma-separated list`);
    return parts.map((p) => {
      if (!int) return p;
      // Checked here, not left to the probe: a fleet of 0 instances "cannot run", and that rules
      // out every larger fleet of its GPU and TP unsimulated (--num-instances 0,2 answered "none").
      const n = intFlag(flag)(p);
      if (n < 1) throw new InputError('FLAG_OUT_OF_RANGE', flag, `found ${n} in '${v}'; expected positive integers`);
      return n;
    });
  };
}

/**
 * The errors that mean a candidate fleet cannot serve the model (docs/capacity.md: "one that
 * cannot run (the model does not fit) rules out its GPU and TP"): the weights and one request
 * do not fit its memory, the TP degree does not split the model, or vLLM has no kernels for the
 * model on that GPU (sparse attention below Hopper: HARDWARE_UNSUPPORTED). Any other error is the
 * command's input (a missing workload file, a typo'd GPU name) and stops the search with exit 2;
 * before, it made every candidate "cannot run" and the answer "no candidate holds", exit 0.
 */
const CANNOT_RUN_CODES: ReadonlySet<string> = new Set(['KV_CAPACITY', 'TP_INVALID', 'HARDWARE_UNSUPPORTED']);

/** The SLO margin: the worst observed/target ratio (Infinity when a statistic is infinite). */
function margin(slo: SloBlock): number {
  let m = 0;
  for (const c of slo.checks) m = Math.max(m, c.observed_ms === null ? (c.lost > 0 ? Infinity : 0) : c.observed_ms / c.target_ms);
  return m;
}

function probeDetail(doc: MetricsDocument, flags: Record<string, FlagValue>): Record<string, unknown> {
  const slo = doc.slo!;
  return {
    attainment: slo.attainment.attainment,
    goodput_rps: slo.goodput.requests_per_s,
    ttft_p99_ms: doc.ttft_ms.p99,
    tpot_p50_ms: doc.tpot_ms.p50,
    checks: slo.checks.map((c) => ({ class: c.class, target: c.target, target_ms: c.target_ms, observed_ms: c.observed_ms, holds: c.holds })),
    regime: doc.regime?.state,
    fleet_per_hour: (doc['cost'] as { fleet_per_hour?: number | null } | undefined)?.fleet_per_hour ?? null,
    ...(doc['kernel_compiles'] !== undefined ? { kernel_compiles: doc['kernel_compiles'] } : {}),
    command: commandLine(flags),
  };
}

/**
 * A note when probes that missed the SLO had steps waiting for first-use fused-MoE compiles (a
 * fresh server, about a second each): their tails may be start-up, not load, and a short probe
 * shows it most (1,000 requests of Mixtral-8x7B on an H100 TP 2 held a 500 ms TTFT p99 up to 0.72 req/s cold, 44.6 warm).
 */
function compileNote(missed: ReadonlyArray<Record<string, unknown>>): string {
  const stalled = missed.filter((d) => d['kernel_compiles'] !== undefined);
  if (stalled.length === 0) return '';
  return `note: ${stalled.length} of the probes that missed had steps waiting for first-use fused-MoE kernel compiles (a fresh server); for a server whose Triton cache is filled, rerun with --warm-kernel-cache\n`;
}

export function registerCapacity(program: Command, io: CliIO): void {
  const cmd = addRunFlags(program.command('capacity')
    .description('the highest request rate at which the SLOs hold (each probe a full simulation), or the cheapest fleet that holds them at --rate'), [...LIST_FLAGS, 'rate'])
    .option('--rate <rps>', 'max-rate search: the first rate tried (default 10); cheapest-fleet search: the rate to hold, requests/s', numFlag('--rate'))
    .option('--hardware <list>', 'GPU, or a list to search for the cheapest fleet (e.g. H100,A100-80) (default H100)', listFlag('--hardware', false))
    .option('--tp <list>', 'TP degree, or a list (e.g. 1,2,4) (default 1)', listFlag('--tp', true))
    .option('--num-instances <list>', 'instances, or a list (e.g. 2,4,8) (default 1)', listFlag('--num-instances', true))
    .option('--tolerance <f>', 'max-rate search: stop when the bracket is within this fraction (default 0.02)', numFlag('--tolerance'))
    .option('--max-probes <n>', 'max-rate search: at most this many simulations (default 24)', intFlag('--max-probes'))
    .option('--output <format>', 'stdout format: human or json (default human)', choiceFlag('--output', ['human', 'json']))
    .option('--quiet', 'no progress on stderr');
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async () => {
    const o = cmd.opts<Record<string, unknown>>();
    const base = flagsFromCommand(cmd, OWN_FLAGS);
    const lists = {
      hardware: (o['hardware'] as string[] | undefined) ?? [],
      tp: (o['tp'] as number[] | undefined) ?? [],
      numInstances: (o['numInstances'] as number[] | undefined) ?? [],
    };
    const say = (line: string): void => { if (o['quiet'] !== true) io.err(`${line}\n`); };
    // Each probe is a run that prints its notes (the routing an --epp-config gives, a derived
    // default): the same line from every probe would bury the search's progress, so each is said once.
    const said = new Set<string>();
    const probeIo: CliIO = { ...io, err: (s: string) => { if (!said.has(s)) { said.add(s); io.err(s); } } };
    const simulateAt = async (flags: Record<string, FlagValue>, probe: string): Promise<MetricsDocument> => {
      const doc = await simulateFlags(flags, probeIo, undefined, o['quiet'] === true);
      if (doc.slo === undefined) throw new InputError('CAPACITY_NO_SLO', '--slo', 'no SLO targets; expected --slo (e.g. ttft_p99=200,tpot_p50=30), --slo-class or a workload spec with slo_classes');
      checkJudged(doc, flags, probe);
      return doc;
    };
    const json = o['output'] === 'json';
    if (lists.hardware.length > 1 || lists.tp.length > 1 || lists.numInstances.length > 1) {
      if (typeof o['rate'] !== 'number') throw new InputError('FLAG_MISSING', '--rate', 'the cheapest-fleet search needs the rate to hold the SLO at (e.g. --rate 80)');
      // An autoscaler's policy names the variants its replicas run on (the lists would label fleets
      // it does not run) and its cost is what it scales to, not a fleet's price per hour.
      if (base['autoscaler-config'] !== undefined) {
        throw new InputError('FLAG_CONFLICT', '--autoscaler-config', 'the cheapest-fleet search compares fixed fleets by their price per hour, while an autoscaler runs the variants its policy names and costs what it scales to; expected no --hardware, --tp or --num-instances list (compare policies with blis sweep, which ranks autoscaled configurations by the cost of a served request)');
      }
      const prices = pricesFromFlags(cmd);
      const hardware = lists.hardware.length ? lists.hardware : ['H100'];
      const tps = lists.tp.length ? lists.tp : [1];
      const counts = lists.numInstances.length ? lists.numInstances : [1];
      const flagsOf = (c: { hardware: string; tp: number; numInstances: number }): Record<string, FlagValue> =>
        ({ ...base, rate: o['rate'] as number, hardware: c.hardware, tp: c.tp, 'num-instances': c.numInstances });
      // Every candidate's fleet is resolved before the search: its pools set its price (a P/D pool
      // may keep its own GPU and TP), and a typo in any list entry stops the search whichever
      // candidate would hold first.
      const priced = new Map<string, FleetPrice>();
      for (const h of hardware) for (const tp of tps) for (const n of counts) priced.set(fleetKey(h, tp, n), await fleetPrice(flagsOf({ hardware: h, tp, numInstances: n }), probeIo, prices));
      const list = candidates(hardware, tps, counts, (h, tp, n) => priced.get(fleetKey(h, tp, n))!);
      // Each candidate's instances are ranks of --data-parallel-size servers (one value for all).
      const dp = typeof base['data-parallel-size'] === 'number' ? base['data-parallel-size'] : 1;
      const describeFleet = (c: FleetCandidate): string => describeFleetOf(c, dp);
      const result = await cheapestFleet(list, async (c): Promise<FleetOutcome> => {
        const t0 = Date.now();
        try {
          const doc = await simulateAt(flagsOf(c), `the probe of ${describeFleet(c)} at ${String(o['rate'])} req/s`);
          say(`blis capacity: ${describeFleet(c)}: SLO ${doc.slo!.holds ? 'holds' : 'missed'} (${msToS(Date.now() - t0).toFixed(1)} s wall)`);
          return { kind: 'simulated', holds: doc.slo!.holds, detail: probeDetail(doc, flagsOf(c)) };
        } catch (e) {
          if (!(e instanceof InputError) || !CANNOT_RUN_CODES.has(e.code)) throw e;
          say(`blis capacity: ${describeFleet(c)}: cannot run (${e.message})`);
          return { kind: 'infeasible', reason: `[${e.code}] ${e.message}` };
        }
      });
      const out = {
        schema: 'blis.capacity/v1',
        question: 'cheapest fleet holding the SLO',
        rate_rps: o['rate'],
        cost_unit: `${prices.unit}`,
        cheapest: result.cheapest === null ? null : { ...fleetJson(result.cheapest, dp), command: commandLine(flagsOf(result.cheapest)) },
        simulated: result.simulated,
        candidates: list.length,
        probes: result.probes.map((p) => probeJson(p, dp)),
      };
      io.out(json ? JSON.stringify(out, null, 2) + '\n' : formatCheapest(out.rate_rps as number, result.cheapest, result.probes, prices.unit, out.cheapest?.command, dp));
      return;
    }
    const one = { ...base, ...(lists.hardware[0] !== undefined ? { hardware: lists.hardware[0] } : {}), ...(lists.tp[0] !== undefined ? { tp: lists.tp[0] } : {}),
      ...(lists.numInstances[0] !== undefined ? { 'num-instances': lists.numInstances[0] } : {}) };
    const result = await maxSustainableRate(async (rate): Promise<ProbeOutcome> => {
      const doc = await simulateAt({ ...one, rate }, `the probe at ${rate} req/s`);
      return { rateRps: rate, holds: doc.slo!.holds, margin: margin(doc.slo!), detail: probeDetail(doc, { ...one, rate }) };
    }, {
      startRps: typeof o['rate'] === 'number' ? o['rate'] : 10,
      ...(typeof o['tolerance'] === 'number' ? { tolerance: o['tolerance'] } : {}),
      ...(typeof o['maxProbes'] === 'number' ? { maxProbes: o['maxProbes'] } : {}),
    }, (p, n) => say(`blis capacity: probe ${n}: ${p.rateRps} req/s: SLO ${p.holds ? 'holds' : 'missed'} (margin ${Number.isFinite(p.margin) ? p.margin.toFixed(3) : 'inf'}, regime ${String(p.detail['regime'])})`));
    const out = {
      schema: 'blis.capacity/v1',
      question: 'highest rate holding the SLO',
      max_rate_rps: result.maxRateRps,
      fail_rate_rps: result.failRateRps,
      stopped: result.stopped,
      tolerance: typeof o['tolerance'] === 'number' ? o['tolerance'] : 0.02,
      command: result.maxRateRps === null ? null : commandLine({ ...one, rate: result.maxRateRps }),
      probes: result.probes.map((p) => ({ rate_rps: p.rateRps, holds: p.holds, margin: Number.isFinite(p.margin) ? Number(p.margin.toFixed(6)) : null, ...p.detail })),
    };
    io.out(json ? JSON.stringify(out, null, 2) + '\n' : formatMaxRate(out));
  });
}

/**
 * A probe that judged no request (none arrived within --duration, or no target covers the SLO
 * classes its requests carry) holds every check vacuously (src/cluster/slo.ts: a check with
 * nothing covered holds) and says nothing about the SLO: the search stops instead of counting it
 * as holding, which made the cheapest listed fleet "hold" and the rate search double to its bound.
 */
function checkJudged(doc: MetricsDocument, flags: Record<string, FlagValue>, probe: string): void {
  if (doc.slo!.attainment.counted > 0) return;
  const injected = doc.requests.injected;
  if (injected === 0) {
    const duration = flags['duration'];
    throw new InputError('CAPACITY_NO_REQUESTS', duration !== undefined ? '--duration' : '--num-requests',
      `${probe}: no request arrived${duration !== undefined ? ` within ${String(duration)} s` : ''}; expected a --duration long enough for requests to arrive at every probed rate, or --num-requests`);
  }
  throw new InputError('CAPACITY_NO_REQUESTS', flags['slo-class'] !== undefined ? '--slo-class' : '--slo',
    `${probe}: none of its ${injected} requests is covered by a target; expected --slo for requests without a class, or --slo-class naming a class they carry`);
}

function fleetKey(hardware: string, tp: number, numInstances: number): string {
  return `${hardware}\u0000${tp}\u0000${numInstances}`;
}

/**
 * The GPUs and hourly price of the fleet a candidate's run starts with. A fleet that cannot run
 * (CANNOT_RUN_CODES) is priced as --num-instances x --tp of --hardware, its place in the table;
 * its probe says why it cannot run.
 */
async function fleetPrice(flags: Record<string, FlagValue>, io: CliIO, prices: PriceTable): Promise<FleetPrice> {
  try {
    const config = await resolveRunFlags(flags, io, undefined, true);
    return { gpus: config.pools.reduce((a, p) => a + p.count * p.tp, 0), fleetPerHour: fleetPerHour(config.pools, prices) };
  } catch (e) {
    if (!(e instanceof InputError) || !CANNOT_RUN_CODES.has(e.code)) throw e;
    const gpus = Number(flags['tp']) * Number(flags['num-instances']);
    const price = gpuPrice(prices, String(flags['hardware']));
    return { gpus, fleetPerHour: price === null ? null : gpus * price };
  }
}

/** `n x GPU TPt`, and `(DP d)` when the instances are ranks of data-parallel servers. */
function describeFleetOf(c: FleetCandidate, dp: number): string {
  return `${c.numInstances} x ${c.hardware} TP${c.tp}${dp > 1 ? ` (DP ${dp})` : ''}`;
}

function fleetJson(c: FleetCandidate, dp: number): Record<string, unknown> {
  return { hardware: c.hardware, tp: c.tp, num_instances: c.numInstances, ...(dp > 1 ? { data_parallel_size: dp } : {}), gpus: c.gpus, fleet_per_hour: c.fleetPerHour === null ? null : Number(c.fleetPerHour.toFixed(6)) };
}

function probeJson(p: FleetProbe, dp: number): Record<string, unknown> {
  const o = p.outcome;
  const base = fleetJson(p.candidate, dp);
  if (o.kind === 'simulated') return { ...base, result: o.holds ? 'holds' : 'missed', ...o.detail };
  if (o.kind === 'infeasible') return { ...base, result: 'cannot-run', reason: o.reason };
  return { ...base, result: 'implied-miss', because: describeFleetOf(o.by, dp) };
}

function formatMaxRate(out: { max_rate_rps: number | null; fail_rate_rps: number | null; stopped: string; command: string | null; probes: Array<Record<string, unknown>> }): string {
  const rows = out.probes.map((p, i) => [String(i + 1), String(p['rate_rps']), p['holds'] ? 'holds' : 'missed', p['margin'] === null ? 'inf' : Number(p['margin']).toFixed(3),
    p['attainment'] === null ? '-' : `${(Number(p['attainment']) * 100).toFixed(1)}%`, Number(p['ttft_p99_ms']).toFixed(1), Number(p['tpot_p50_ms']).toFixed(2), String(p['regime'])]);
  let s = table([['probe', 'req/s', 'SLO', 'margin', 'attained', 'TTFT p99', 'TPOT p50', 'regime'], ...rows]);
  if (out.max_rate_rps === null) s += `\nthe SLO does not hold even at ${out.fail_rate_rps} req/s (${out.stopped})\n`;
  else s += `\nmax sustainable rate: ${out.max_rate_rps} req/s${out.fail_rate_rps !== null ? ` (the SLO fails at ${out.fail_rate_rps} req/s)` : ` (held at every rate tried: ${out.stopped})`}${out.stopped === 'max-probes' ? ', stopped at --max-probes' : ''}\nreproduce: ${out.command}\n`;
  return s + compileNote(out.probes.filter((p) => !p['holds']));
}

function formatCheapest(rate: number, cheapest: FleetCandidate | null, probes: readonly FleetProbe[], unit: string, command: string | undefined, dp: number): string {
  const describeFleet = (c: FleetCandidate): string => describeFleetOf(c, dp);
  const rows = probes.map((p) => {
    const o = p.outcome;
    const d = o.kind === 'simulated' ? o.detail : {};
    return [describeFleet(p.candidate), p.candidate.fleetPerHour === null ? '-' : p.candidate.fleetPerHour.toFixed(2),
      o.kind === 'simulated' ? (o.holds ? 'holds' : 'missed') : o.kind === 'infeasible' ? 'cannot run' : `missed (as ${describeFleet(o.by)})`,
      d['ttft_p99_ms'] === undefined ? '-' : Number(d['ttft_p99_ms']).toFixed(1), d['tpot_p50_ms'] === undefined ? '-' : Number(d['tpot_p50_ms']).toFixed(2), String(d['regime'] ?? '-')];
  });
  let s = table([['fleet', `${unit.split(' per ')[0]}/h`, 'SLO', 'TTFT p99', 'TPOT p50', 'regime'], ...rows]);
  for (const p of probes) if (p.outcome.kind === 'infeasible') s += `${describeFleet(p.candidate)} cannot run: ${p.outcome.reason}\n`;
  s += cheapest === null
    ? `\nno candidate holds the SLO at ${rate} req/s\n`
    : `\ncheapest fleet holding the SLO at ${rate} req/s: ${describeFleet(cheapest)}${cheapest.fleetPerHour === null ? '' : `, ${cheapest.fleetPerHour.toFixed(2)} ${unit.split(' per ')[0]}/h`}\nreproduce: ${command}\n`;
  return s + compileNote(probes.flatMap((p) => (p.outcome.kind === 'simulated' && !p.outcome.holds ? [p.outcome.detail] : [])));
}
