import { describe, expect, it } from 'vitest';
import { measurePoint } from '../harness/load/measure.js';
import { withDeployment } from './support/deployments.js';

describe('open-loop load', () => {
  it("shows the hockey stick: p99 rises at least 5× once the offered load passes a pool's capacity", async () => {
    // 3 workers × 1000/40 ms = 75 req/s capacity.
    await withDeployment({ kind: 'node-prefork', workers: 3 }, async (d) => {
      const at = (offeredRps: number) =>
        measurePoint({ url: `${d.baseUrl}/io?ms=40`, offeredRps, connections: 64, warmupS: 0.5, durationS: 3, timeoutS: 30 });
      const below = await at(30);
      const above = await at(150);
      expect(below.throughputRps / 30).toBeGreaterThan(0.85);
      expect(above.throughputRps).toBeLessThan(75 * 1.1);
      expect(above.throughputRps).toBeGreaterThan(75 * 0.85);
      expect(above.unsent).toBeGreaterThan(0);
      expect(above.latencyMs.p99 / below.latencyMs.p99).toBeGreaterThanOrEqual(5);
    });
  });

  it('offers the rate evenly, so an event loop below its limits keeps latency near the service time', async () => {
    await withDeployment({ kind: 'node-async' }, async (d) => {
      const m = await measurePoint({ url: `${d.baseUrl}/io?ms=40`, offeredRps: 200, connections: 64, warmupS: 0.5, durationS: 2, timeoutS: 30 });
      expect(m.throughputRps / 200).toBeGreaterThan(0.9);
      expect(m.unsent).toBe(0);
      expect(m.latencyMs.p99).toBeLessThan(60);
    });
  });
});
