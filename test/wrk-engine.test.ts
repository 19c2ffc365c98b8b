import { describe, expect, it } from 'vitest';
import { measurePoint } from '../harness/load/measure.js';
import { findExecutable } from '../harness/software/catalog.js';
import { withDeployment } from './support/deployments.js';

// wrk comes with `npm run install-servers`; under CI=true it must be there.
const haveWrk = findExecutable('wrk') !== undefined;
if (!haveWrk && process.env.CI === 'true') throw new Error('CI=true and wrk missing; install with: sudo apt-get install wrk');

describe.skipIf(!haveWrk)('the wrk engine', () => {
  it('measures an event loop at Little\'s law, with percentiles rebuilt from its report', async () => {
    await withDeployment({ kind: 'node-async' }, async (d) => {
      const m = await measurePoint({ url: `${d.baseUrl}/io?ms=20`, concurrency: 8, warmupS: 1, durationS: 2, timeoutS: 10, generator: 'wrk' });
      // 8 in flight × 1000/20 ms = 400 req/s.
      expect(m.generator.engine).toBe('wrk');
      expect(m.throughputRps / 400).toBeGreaterThan(0.85);
      expect(m.throughputRps / 400).toBeLessThan(1.05);
      expect(m.samples).toBeGreaterThan(600);
      expect(m.latencyMs!.p50).toBeGreaterThanOrEqual(19.5);
      expect(m.latencyMs!.p50).toBeLessThan(30);
      expect(m.latencyMs!.max).toBeGreaterThanOrEqual(m.latencyMs!.p99);
      expect(m.errors).toBe(0);
    });
  });

  it('refuses an open loop, which wrk cannot drive', async () => {
    await expect(
      measurePoint({ url: 'http://127.0.0.1:9/', offeredRps: 10, maxConnections: 10, warmupS: 0, durationS: 1, timeoutS: 1, generator: 'wrk' }),
    ).rejects.toThrow(/closed loop only/);
  });
});
