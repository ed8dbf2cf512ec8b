import { describe, expect, test } from 'vitest';
import { runScenario } from './helpers.js';
import { constantArrivals, merge } from './mini-cluster.js';

/**
 * Two models share three H100s: `chat` (priority 1) starts with one replica, `batch`
 * (priority 2, min 1) with two, so the inventory is full. Chat is overloaded from the start
 * (60 req/s against ~38 per replica); batch's two replicas just hold 60 req/s. At the first decision (10 s) chat goes first; with no GPU free
 * it takes one from batch (above its minimum), waits for that replica to drain, then starts its
 * own on the freed GPU (20 s). Batch, now overloaded, asks for a replica and stays unmet.
 */
describe('two models competing for a small inventory', () => {
  const { cluster, as } = runScenario({
    policy: {
      intervalS: 10,
      collector: { name: 'prometheus', options: { scrape_interval_s: 5, lag_s: 0 } },
      actuator: { name: 'delayed', options: { provision_s: 5, load_s: 5, warmup_s: 0 } },
      inventory: [{ hardware: 'H100', count: 3, costPerGpuHour: 4 }],
      models: [
        { name: 'batch', priority: 2, minReplicas: 1, maxReplicas: 3, initialReplicas: 2, variants: [{ hardware: 'H100', tp: 1 }] },
        { name: 'chat', priority: 1, minReplicas: 1, maxReplicas: 3, initialReplicas: 1, variants: [{ hardware: 'H100', tp: 1 }] },
      ],
    },
    mini: { maxNumSeqs: 4, totalKvBlocks: 80 },
    arrivals: merge(
      constantArrivals(0, 80, 60, 'chat', 'c'),
      constantArrivals(0, 80, 60, 'batch', 'b'),
    ),
    untilS: 80,
  });
  const rowsAt = (t: number) => as.timeline.filter((r) => r.timeS === t);

  test('the higher-priority model preempts a lower-priority replica, then gets the freed GPU', () => {
    const first = rowsAt(10);
    const batch = first.find((r) => r.model === 'batch')!;
    const chat = first.find((r) => r.model === 'chat')!;
    expect(batch.decisions).toMatch(/^-1 #\d+$/);
    expect(batch.reason).toMatch(/preempted: 1 H100 GPU\(s\) go to chat/);
    expect(chat.decisions).toBe('');
    expect(chat.reason).toMatch(/waiting for replica \d+ to drain/);
    const victim = Number(/#(\d+)/.exec(batch.decisions)![1]);
    const gone = cluster.stateLog.find((e) => e.id === victim && e.state === 'gone')!;
    const chatAdd = as.timeline.find((r) => r.model === 'chat' && r.decisions.startsWith('+1'))!;
    expect(chatAdd.timeS * 1e6).toBeGreaterThanOrEqual(gone.tUs);
    expect(as.actions.preemptions).toBe(1);
  });

  test('the lower-priority model never grows while the inventory is full, and never drops below its minimum', () => {
    for (const r of as.timeline.filter((x) => x.model === 'batch')) {
      expect(r.decisions.includes('+1')).toBe(false);
      expect(r.ready + r.provisioning + r.loading + r.warming).toBeGreaterThanOrEqual(1);
    }
    for (const t of new Set(as.timeline.map((r) => r.timeS))) {
      expect(rowsAt(t).reduce((a, r) => a + r.gpus, 0)).toBeLessThanOrEqual(3);
    }
  });

  test('the summary bills both models on one inventory', () => {
    const s = as.summary(cluster.sim.nowUs);
    expect(Object.keys(s.replica_seconds).sort()).toEqual(['batch', 'chat']);
    expect(s.gpu_hours['H100']!).toBeLessThanOrEqual(3 * 80 / 3600 + 1e-9);
    expect(s.cost).toBeCloseTo(s.gpu_hours['H100']! * 4, 3);
    expect(s.scaling_actions.preemptions).toBe(1);
  });
});
