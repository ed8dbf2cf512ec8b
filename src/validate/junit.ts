/**
 * junit.xml for CI test reporters: one testcase per experiment × metric (its summary row), plus
 * one per summary-level gated metric. A testcase fails when the gate has a failure for that
 * (experiment, metric); an experiment that errored is one testcase with an <error>.
 */
import type { ValidationDocument } from './validation.js';
import { sortMetricKeys } from './validation.js';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(doc: ValidationDocument, suiteName = 'blis validate'): string {
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  const failureOf = (experiment: string | undefined, metric: string) => doc.gate.failures.find((f) => f.experiment === experiment && f.metric === metric);
  for (const m of sortMetricKeys(Object.keys(doc.summary))) {
    const s = doc.summary[m]!;
    const f = failureOf(undefined, m);
    const body = f ? `<failure message="${xml(`${m} MAPE ${f.value === null ? 'missing' : `${f.value.toFixed(2)}%`} exceeds limit ${f.limit.toFixed(2)}%`)}"/>` : '';
    if (f) failures++;
    cases.push(`    <testcase classname="summary" name="${xml(m)}" time="0">${body}<system-out>${xml(`MAPE mean ${s.mape_mean}% median ${s.mape_median}% over ${s.n} experiments`)}</system-out></testcase>`);
  }
  // summary-level gate failures for metrics missing from the summary
  for (const f of doc.gate.failures.filter((x) => x.experiment === undefined && !(x.metric in doc.summary))) {
    failures++;
    cases.push(`    <testcase classname="summary" name="${xml(f.metric)}" time="0"><failure message="${xml(f.reason ?? 'missing')}"/></testcase>`);
  }
  for (const e of doc.experiments) {
    if (e.status === 'error') {
      errors++;
      cases.push(`    <testcase classname="${xml(e.id)}" name="status" time="0"><error message="${xml(e.error ?? 'experiment failed')}"/></testcase>`);
      continue;
    }
    const s = e.stages.find((x) => x.index === 'summary');
    if (!s) continue;
    for (const m of sortMetricKeys(Object.keys(s.metrics))) {
      const c = s.metrics[m]!;
      const f = failureOf(e.id, m);
      if (f) failures++;
      const body = f ? `<failure message="${xml(`|error| ${f.value === null ? 'missing' : `${f.value.toFixed(2)}%`} exceeds limit ${f.limit.toFixed(2)}%`)}"/>` : '';
      cases.push(`    <testcase classname="${xml(e.id)}" name="${xml(m)}" time="0">${body}<system-out>${xml(`predicted ${c.predicted} ms, actual ${c.actual} ms, error ${c.error_pct}%`)}</system-out></testcase>`);
    }
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(suiteName)}" tests="${cases.length}" failures="${failures}" errors="${errors}">`,
    `  <testsuite name="${xml(suiteName)}" tests="${cases.length}" failures="${failures}" errors="${errors}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
