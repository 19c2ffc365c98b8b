import { describe, expect, it } from 'vitest';
import { measurePoint } from '../harness/load/measure.js';
import { flask, gunicorn } from '../harness/software/catalog.js';
import { expectLittle, withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

const D = 100; // ms each measured request waits: W workers serve W·10 req/s

/**
 * A pool is ready only when all of it is: measured straight after launch() resolves, it must
 * already behave like W workers. (Once /health answered from the first worker up, a gunicorn-sync
 * ×16 was measured at half its Little's-law rate while the rest still booted.)
 */
function poolIsWholeWhenReady(kind: string, workers: number): void {
  it(`${kind} ×${workers}: W held requests right after launch meet W distinct workers`, async () => {
    await withDeployment({ kind, workers }, async (d) => {
      // Each request holds its worker for 200 ms, so no worker can answer two of them.
      const pids = await Promise.all(
        Array.from({ length: workers }, async () => (await fetch(`${d.baseUrl}/io?ms=200`)).headers.get('x-worker-pid')),
      );
      expect(new Set(pids).size, `pids that answered: ${pids.join(' ')}`).toBe(workers);
    });
  });

  it(`${kind} ×${workers}: the first point measured after launch is at Little's law`, async () => {
    await withDeployment({ kind, workers }, async (d) => {
      // The shortest warm-up that lets every client's first request complete before the window.
      const first = await measurePoint({ url: `${d.baseUrl}/io?ms=${D}`, concurrency: workers, warmupS: 0.2, durationS: 2, timeoutS: 30 });
      expectLittle(first, workers, D, 0.15);
    });
  });
}

describe('a Node pre-fork pool counts as ready once every worker answers', () => {
  poolIsWholeWhenReady('node-prefork', 8);
});

const describeGunicorn = await describeWith([flask, gunicorn]);

describeGunicorn('a gunicorn pool counts as ready once every worker answers', () => {
  poolIsWholeWhenReady('gunicorn-sync', 16);
});
