import { describe, expect, it } from 'vitest';
import { toRow } from '../harness/results/aggregate.js';
import { deploymentLabel } from '../harness/deployments/kind.js';
import { findKind } from '../harness/deployments/kinds.js';
import { measurePoint, type PointMeasurement } from '../harness/load/measure.js';
import { withDeployment } from './support/deployments.js';

const open = (url: string, offeredRps: number, extra: { durationS?: number; maxConnections?: number } = {}) =>
  measurePoint({ url, offeredRps, maxConnections: extra.maxConnections ?? 1000, warmupS: 0.5, durationS: extra.durationS ?? 3, timeoutS: 30 });

/** The result row of one open-loop measurement of `kindName` alone, as a run would write it. */
function openRow(kindName: string, path: string, offeredRps: number, maxConnections: number, m: PointMeasurement) {
  const kind = findKind(kindName)!;
  const spec = { kind: kindName, workers: 1, proxy: 'none' as const };
  return toRow({
    planned: { spec, kind, label: deploymentLabel(spec, kind) },
    path,
    level: { offeredRps, maxConnections },
    placement: { mode: 'shared', serverCpus: null, generatorCpus: null, serverCores: 2 },
    samples: [m],
  });
}

describe('open-loop load', () => {
  it("shows the hockey stick: p99 rises at least 5× once the offered load passes a pool's capacity", async () => {
    // 3 workers × 1000/40 ms = 75 req/s capacity.
    await withDeployment({ kind: 'node-prefork', workers: 3 }, async (d) => {
      const below = await open(`${d.baseUrl}/io?ms=40`, 30);
      const above = await open(`${d.baseUrl}/io?ms=40`, 150);
      expect(below.throughputRps / 30).toBeGreaterThan(0.85);
      expect(above.throughputRps).toBeLessThan(75 * 1.1);
      expect(above.throughputRps).toBeGreaterThan(75 * 0.85);
      expect(above.latencyMs!.p99 / below.latencyMs!.p99).toBeGreaterThanOrEqual(5);
    });
  });

  it('opens connections as the schedule needs them: an event loop at 2,000 req/s of 50 ms waits achieves at least 1,900', async () => {
    // 2,000 req/s × 50 ms = 100 requests in flight: more than any fixed set of 64 connections could carry.
    await withDeployment({ kind: 'node-async' }, async (d) => {
      const m = await open(`${d.baseUrl}/io?ms=50`, 2000);
      expect(m.throughputRps).toBeGreaterThanOrEqual(1900);
      expect(m.unsent).toBe(0);
      expect(m.late).toBe(0);
      expect(m.peakConnections).toBeGreaterThan(64);
      expect(m.latencyMs!.p50).toBeLessThan(80);
    });
  });

  it('blames the generator, not the server, when the connection cap is what held the load back', async () => {
    await withDeployment({ kind: 'node-async' }, async (d) => {
      // 10 connections × 1000/50 ms = 200 req/s at most, against 400 offered.
      const m = await open(`${d.baseUrl}/io?ms=50`, 400, { durationS: 2, maxConnections: 10 });
      expect(m.late).toBeGreaterThan(0);
      expect(m.throughputRps).toBeLessThan(220);
      const row = openRow('node-async', '/io?ms=50', 400, 10, m);
      expect(row.saturated).toBe(false);
      expect(row.generator.saturated).toBe(true);
      expect(row.generator.limit).toMatch(/connection cap \(10\)/);
    });
  });

  it('blames the server, not the connection cap, when an overloaded server fills the cap itself', async () => {
    await withDeployment({ kind: 'node-blocking' }, async (d) => {
      // 1 worker × 1000/20 ms = 50 req/s, against 300 offered: the queue outgrows 20 connections at once.
      const m = await open(`${d.baseUrl}/io?ms=20`, 300, { durationS: 2, maxConnections: 20 });
      expect(m.late).toBeGreaterThan(0);
      const row = openRow('node-blocking', '/io?ms=20', 300, 20, m);
      expect(row.saturated).toBe(true);
      expect(row.generator.saturated).toBe(false);
    });
  });

  it('shows a paused server in the latencies of the requests scheduled during the pause (the ^Z test)', async () => {
    await withDeployment({ kind: 'node-async' }, async (d) => {
      const server = d.processes[0]!;
      // 50 req/s for a 4 s window after 0.5 s of warm-up; the server stops for 1 s in the middle.
      setTimeout(() => server.signal('SIGSTOP'), 2000);
      setTimeout(() => server.signal('SIGCONT'), 3000);
      const m = await measurePoint({ url: `${d.baseUrl}/io?ms=5`, offeredRps: 50, maxConnections: 1000, warmupS: 0.5, durationS: 4, timeoutS: 30 });
      // A quarter of the intended sends fall into the pause and wait up to 1 s each: p90 ≥ 400 ms.
      // A closed-loop or uncorrected tool would show about 5 ms.
      expect(m.latencyMs!.p90).toBeGreaterThanOrEqual(400);
      expect(m.latencyMs!.max).toBeGreaterThanOrEqual(900);
      expect(m.latencyMs!.p50).toBeLessThan(50);
      expect(m.errors).toBe(0);
    });
  });
});
