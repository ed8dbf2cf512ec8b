// Shared by the scripts that set a calibration run beside blis request by request
// (late-starts.mjs, uncached-prefill.mjs): the run's recorded requests replayed at their recorded
// arrival times, and the median the scripts compare with. Needs `npm run build`.
import { readFileSync, readdirSync } from 'node:fs';
import { parseExperiment } from '../dist/validate/experiment.js';
import { buildPlan } from '../dist/validate/plan.js';
import { simulatePlan } from '../dist/validate/simulate-plan.js';
import { parseCalibrationRequestsCsv } from '../dist/validate/requests.js';

const dir = new URL('../baselines/calibration-experiments/', import.meta.url);

/** The calibration runs that have a per-request CSV, by id, sorted. */
export function calibrationIds() {
  return readdirSync(dir).filter((f) => f.endsWith('.requests.csv')).map((f) => f.slice(0, -'.requests.csv'.length)).sort();
}

/** Run `id`'s real requests (`rows`) and blis's records of the same requests replayed at their arrivals (`sim`, by row index). */
export async function replayCalibration(id) {
  const exp = parseExperiment(JSON.parse(readFileSync(new URL(`${id}.json`, dir), 'utf8')), `${id}.json`);
  const rows = parseCalibrationRequestsCsv(readFileSync(new URL(`${id}.requests.csv`, dir), 'utf8'), `${id}.requests.csv`);
  const { records } = await simulatePlan(buildPlan(exp, { requests: rows, arrivals: 'trace' }));
  return { rows, sim: new Map(records.map((r) => [r.index, r])) };
}

/** The upper median (NaN for none). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
}
