/**
 * The planning room: questions asked of many simulations. The highest rate that holds an SLO
 * (capacity.ts), the cheapest fleet that holds it at a rate (cheapest.ts), and sweeps: the spec
 * (sweep-spec.ts), its configurations and content hashes (configurations.ts), the run with
 * successive halving (sweep.ts, halving.ts), shards (shard.ts), results.jsonl and merge
 * (results.ts, manifest.ts), the Pareto front (pareto.ts), report.html (report-html.ts, svg.ts)
 * and the Kubernetes Indexed Job (k8s.ts). A run itself is the CLI's (flags → simulation), so
 * the searches take a probe callback. Read capacity.ts, then sweep.ts, then results.ts.
 * docs/capacity.md explains the commands with the seed's example.
 */
export { maxSustainableRate, roundRate, type CapacityResult, type CapacitySearchOptions, type ProbeOutcome, type RateProbe } from './capacity.js';
export { candidates, cheapestFleet, type CheapestResult, type FleetCandidate, type FleetOutcome, type FleetProbe } from './cheapest.js';
export { parseSweepSpec, sloFlag, type RandomParam, type SweepSpec, type SweepValue } from './sweep-spec.js';
export { canonicalJson, configurationHash, expandSweep, FILE_FLAGS, type Configuration, type FileDigest } from './configurations.js';
export { atRung, lineKey, runSweep, type SweepExecutor, type SweepRunInput } from './sweep.js';
export { promoted, rankLines, rungLength } from './halving.js';
export { inShard, parseShard, type Shard } from './shard.js';
export { compareLines, mergeResults, parseResults, resultLine, serializeLine, RESULTS_SCHEMA, type MergeReport, type ResultLine } from './results.js';
export { parseManifest, sweepManifest, MANIFEST_SCHEMA, type SweepManifest } from './manifest.js';
export { finalLines, paretoCsv, paretoPoints, type ParetoPoint } from './pareto.js';
export { reportHtml, type ReportInput } from './report-html.js';
export { k8sManifests, manifestYaml, type K8sConfigMap, type K8sJob, type K8sOptions } from './k8s.js';
