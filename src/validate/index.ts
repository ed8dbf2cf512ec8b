/**
 * The validation harness: ground-truth experiments in, per-percentile errors, reports and a CI
 * gate out. The simulation itself is injected (`SimulateFn` / `PlanRunner`), so this room
 * depends on the workload and record contracts only. Read first: `validate.ts` (the runner),
 * `plan.ts` (experiment → arrival stream; `experiment.ts` and `knobs.ts` for sparse files), `compare.ts`
 * (metric definitions and pitfalls); `calibrate.ts` fits the step-time model.
 * docs/validation.md explains the choices.
 */
export { parseExperiment, type Experiment, type EngineKnobs, type KnobName, type ModelCatalogHook, type TruthBlock, type DistMs, type StageSpec, type PrefixStructure, type PrefixAliasReading } from './experiment.js';
export { PREFIX_ALIAS_READINGS } from './experiment-prefix.js';
export { CPU_OFFLOAD_SIZE_READINGS, type CpuOffloadSizeReading } from './experiment-cpu-tier.js';
export { deriveKnobs, KNOB_FIELDS, type DerivedKnobs } from './knobs.js';
export { describeAssumption, sortAssumptions, type Assumption, type AssumptionKind } from './assumptions.js';
export { buildPlan, rescaledExponentialArrivals, CLIENT_TIMEOUT_US, type ExperimentPlan, type PlanOptions, type PlanStage, type ArrivalSource } from './plan.js';
export { parseCalibrationRequestsCsv, parseLatencyTable, parseLifecycleJson, rowsFromRecords, type LatencyRow } from './requests.js';
export { compareSides, truthFromExperiment, sideFromRows, sideFromMetrics, sideFromFlat, errorPct, METRICS, STATS, type Side, type StageComparison, type MetricComparison, type DistributionComparison } from './compare.js';
export { readTruth, readPrediction, compareInputs, compareToDocument, type TruthInput, type PredictionInput } from './compare-files.js';
export { percentile, ksStatistic, wasserstein1, cdfPoints } from './stats.js';
export { buildValidationDocument, summarizeMape, VALIDATION_SCHEMA, type ValidationDocument, type ValidationExperiment, type GateResult, type GateFailure, type MapeEntry } from './validation.js';
export { checkGate, updateBaseline, parseBaseline, limitFor, DEFAULT_SLACK, BASELINE_SCHEMA, type Baseline, type Slack } from './baseline.js';
export { checkLimits, knownFailures, type BaselineLimits, type KnownFailure } from './baseline-limits.js';
export { validateExperiments, prepareExperiment, predictedSide, compareExperiment, runSettled, type SimulateFn, type SimulationResult, type PlanRunner, type ExperimentSource, type ValidateOptions, type ValidateRun, type ValidateProgress, type ExperimentDetail, type Settled } from './validate.js';
export { renderMarkdown, type ReportInput } from './report-md.js';
export { renderHtml } from './report-html.js';
export { renderJunit } from './junit.js';
export { scoreCompetitors } from './competitors.js';
export { nelderMead, type MinimizeOptions, type MinimizeResult, type Objective } from './optimize.js';
export { calibrationLoss, DEFAULT_FIT_METRICS, type LossOptions } from './objective.js';
export { calibrate, caseLoss, searchCase, coefficientsDocument, startFromDocument, startVector, rooflineStart, experimentErrors, DEFAULT_FIT_PARAMETERS, SHIPPED_FIT_PARAMETERS, CALIBRATION_METRICS, type FitParameter, type CoefficientsBase, type CalibrationCase, type CalibrateOptions, type CalibrateResult } from './calibrate.js';
export { leaveOneFamilyOut, familyScores, crossValidationSummary, modelFamily, renderFamilyTable, type FamilyFold, type FamilyScore, type CrossValidationHooks } from './cross-validate.js';
export { calibrationProvenance, crossValidationRecord, overloadCounts, perExperimentErrors, type ProvenanceInput } from './provenance.js';
export { runPlanJob, type PlanJob } from './plan-job.js';
export { renderComparisonText, renderSummaryText, gateLine, describeFailure } from './report-text.js';
