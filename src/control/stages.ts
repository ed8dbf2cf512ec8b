/** The stage registries: one line per plug-in; names exist only in the entries. */
import { delayedActuator, type ActuatorEntry } from './actuator.js';
import type { AnalyzerEntry } from './analyzer.js';
import { queueingAnalyzer } from './analyzer-queueing.js';
import { saturationAnalyzer } from './analyzer-saturation.js';
import { prometheusCollector, type CollectorEntry } from './collector.js';
import { priorityExhaustive, priorityRoundRobin, type OptimizerEntry } from './optimizer.js';

export const COLLECTORS: readonly CollectorEntry[] = [prometheusCollector];
export const ANALYZERS: readonly AnalyzerEntry[] = [saturationAnalyzer, queueingAnalyzer];
export const OPTIMIZERS: readonly OptimizerEntry[] = [priorityRoundRobin, priorityExhaustive];
export const ACTUATORS: readonly ActuatorEntry[] = [delayedActuator];
