/**
 * blis as a library: `import { simulate, readTrace, validate } from 'blis'`. The same functions
 * the CLI calls, with the CLI's defaults, never printing (progress through callbacks) and never
 * exiting (bad input throws an InputError with a stable `code` and a `where`). docs/api.md has
 * a runnable example. Read first: api/simulate.ts, api/inputs.node.ts, api/validate.node.ts.
 */
export { simulate, configSummary, type SimulationOptions, type SimulationRun } from './api/simulate.js';
export { readTrace, openTrace, loadWorkload, parseWorkload, generateWorkload, type TraceOptions } from './api/inputs.node.js';
export { validate, renderJunit, type ValidationOptions, type ValidationReport } from './api/validate.node.js';
export { schemaPath, SCHEMA_NAMES, type SchemaName } from './api/schemas.node.js';

export { InputError } from './kernel/errors.js';
export type { ArrivalRequest, ObservedLatency } from './workload/request.js';
export type { WorkloadOptions } from './workload/resolve.js';
export type { WorkloadSpec } from './workload/types.js';
export type { RequestRecord, RequestStatus } from './cluster/record.js';
export { recordJsonLine, recordCsvLine, csvHeader as recordCsvHeader } from './cluster/record-format.js';
export type { MetricsDocument } from './cluster/metrics.js';
export type { SimulationProgress } from './cluster/simulate.js';
export type { ClusterOptions } from './cluster/config.js';
export type { Plugins, ScorerPlugin, RoutingPolicyPlugin, AdmissionPlugin, StepTimePlugin } from './cluster/plugins.js';
export type { RouterView, RoutingRequest } from './cluster/view.js';
export type { Scorer, ScorerContext, RoutingObserver } from './cluster/scorers/scorer.js';
export type { RoutingPolicy, RoutingContext } from './cluster/routing.js';
export type { AdmissionPolicy, AdmissionSettings } from './cluster/admission/admission.js';
export type { StepTimeModel, StepTimeContext, BatchShape, RequestOverheads } from './model/step-time.js';
export type { Random } from './kernel/random.js';
export type { IngestSummary } from './ingest/issues.js';
export type { OpenedTrace } from './ingest/open.node.js';
export { modelFromConfig, hardwareFromConfig, type ModelConfigOptions } from './api/model-config.js';
export type { ModelSpec } from './model/model-spec.js';
export type { HardwareSpec } from './model/hardware.js';
export { listModels } from './model/catalog.js';
export { listHardware } from './model/hardware-catalog.js';

export { renderHtml as renderValidationHtml } from './validate/report-html.js';
export { renderMarkdown as renderValidationMarkdown } from './validate/report-md.js';
export type { ValidationDocument, ValidationExperiment } from './validate/validation.js';

export { resolveTelemetry, type Telemetry, type TelemetryOptions } from './telemetry/options.js';
export { resolveOtlpExport, type OtlpExport, type OtlpExportOptions, type OtlpProtocol } from './telemetry/otlp-config.js';
export { SdkTraceSink, type SdkSinkOptions } from './telemetry/sdk-sink.js';
export { OtlpFileSink } from './telemetry/file-sink.node.js';
export { OtlpHttpSink, type HttpExportOptions } from './telemetry/http-exporter.node.js';
export { openTraceSink, type TraceTargets } from './telemetry/sinks.node.js';
export { lostSpans, type TraceSink, type TraceSinkSummary, type ExportProgress } from './telemetry/sink.js';
