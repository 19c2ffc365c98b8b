import { describe, expect, it } from 'vitest';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import { serverKinds } from '../harness/deployments/kinds.js';
import { predict, predictCapacity } from '../harness/model/predict.js';
import { modelWorking, type WorkingLoad } from '../harness/serve/model-working.js';

/**
 * Reads a worked model back as arithmetic, knowing nothing of how it was built: the part before
 * "=" with its words dropped ("min(8 clients, 4 workers − 4 held) / 0.050 s" is min(8, 4 − 4) / 0.05).
 */
function evaluate(working: string): number {
  const expression = working
    .slice(0, working.indexOf(' = '))
    .replace(/req\/s/g, '')
    // A note follows a word or figure ("97 (max_connections …)"); a group follows a comma.
    .replace(/(?<=[\w)] )\([^()]*\)/g, '')
    .replace(/−/g, '-')
    .replace(/×/g, '*')
    .replace(/min\(/g, 'Math.min(')
    .replace(/(?<![.\w])[a-z_'][a-z_':]*/gi, (word) => (word === 'Math' ? word : ''));
  return Function(`return ${expression}`)() as number;
}

const result = (working: string) => Number(/ = ([\d.]+) req\/s/.exec(working)![1]);

const specs: DeploymentSpec[] = [
  { kind: '', workers: 1, proxy: 'none' },
  { kind: '', workers: 4, proxy: 'none' },
  { kind: '', workers: 2, threads: 4, proxy: 'none' },
  { kind: '', workers: 4, proxy: 'nginx' },
];
const paths = ['/io?ms=50', '/io-blocking?ms=20', '/cpu?ms=10', '/io?ms=1000'];
const loads: WorkingLoad[] = [{ concurrency: 1 }, { concurrency: 8 }, { concurrency: 256 }, { offeredRps: 10 }, { offeredRps: 500 }];

describe('the worked model', () => {
  it('always works out to the ceiling the tick shows, across kinds, pools, paths, loads and slow clients', () => {
    let checked = 0;
    for (const kind of serverKinds.filter((k) => k.model !== 'unknown')) {
      for (const base of specs) {
        const spec = { ...base, kind: kind.name };
        for (const path of paths) {
          for (const slowClients of [0, 2, 4]) {
            for (const cores of [1, 2]) {
              const capacity = predictCapacity(kind, spec, path, cores, slowClients);
              for (const load of loads) {
                const prediction = predict(capacity, load);
                const working = modelWorking(capacity, load, prediction);
                if (prediction.predictedThroughputRps === null) {
                  expect(working).toBeNull();
                  continue;
                }
                const where = `${kind.name} ${JSON.stringify(spec)} ${path} ${slowClients} slow, ${cores} cores, ${JSON.stringify(load)}: ${working}`;
                expect(result(working!), where).toBeCloseTo(prediction.predictedThroughputRps, 1);
                expect(evaluate(working!), where).toBeCloseTo(prediction.predictedThroughputRps, 1);
                checked++;
              }
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  const gunicorn = serverKinds.find((k) => k.name === 'gunicorn-sync')!;
  const working = (kind: string, spec: Partial<DeploymentSpec>, path: string, load: WorkingLoad, slowClients = 0, cores = 2) => {
    const k = serverKinds.find((x) => x.name === kind)!;
    const full: DeploymentSpec = { kind, workers: 1, proxy: 'none', ...spec };
    const capacity = predictCapacity(k, full, path, cores, slowClients);
    return modelWorking(capacity, load, predict(capacity, load));
  };

  it('reads as docs/workshop.md works it: min(clients, workers) over the time per request', () => {
    expect(gunicorn).toBeDefined();
    expect(working('gunicorn-sync', { workers: 4 }, '/io?ms=50', { concurrency: 8 })).toBe('min(8 clients, 4 workers) / 0.050 s = 80 req/s');
    expect(working('node-blocking', {}, '/io?ms=50', { concurrency: 8 })).toBe('min(8 clients, 1 blocking worker) / 0.050 s = 20 req/s');
    expect(working('gunicorn-gthread', { workers: 2, threads: 4 }, '/io?ms=50', { concurrency: 16 })).toBe('min(16 clients, 2 workers × 4 threads) / 0.050 s = 160 req/s');
  });

  it('takes the held workers off the pool, down to a ceiling of 0 req/s', () => {
    expect(working('gunicorn-sync', { workers: 4 }, '/io?ms=50', { concurrency: 8 }, 4)).toBe('min(8 clients, 4 workers − 4 held) / 0.050 s = 0 req/s');
    expect(working('gunicorn-sync', { workers: 4, proxy: 'nginx' }, '/io?ms=50', { concurrency: 8 }, 4)).toBe('min(8 clients, 4 workers) / 0.050 s = 80 req/s');
  });

  it('bounds /cpu by the cores and the CPU each request takes', () => {
    expect(working('gunicorn-sync', { workers: 4 }, '/cpu?ms=10', { concurrency: 8 })).toBe('min(8 clients, 2 cores) / 0.010 s of CPU = 200 req/s');
    expect(working('node-async', {}, '/cpu?ms=10', { concurrency: 8 })).toBe('min(8 clients, 1 process on a core each) / 0.010 s of CPU = 100 req/s');
  });

  it('says an event loop on /io has no ceiling from slots, and an open loop below the ceiling gets what it offers', () => {
    expect(working('node-async', {}, '/io?ms=50', { concurrency: 8 })).toBe('8 clients / 0.050 s = 160 req/s (event loop: no ceiling from slots)');
    expect(working('gunicorn-sync', { workers: 4 }, '/io?ms=50', { offeredRps: 50 })).toBe('min(50 req/s offered, 4 workers / 0.050 s) = 50 req/s');
    expect(working('gunicorn-gthread', { workers: 2, threads: 4 }, '/io?ms=50', { offeredRps: 500 })).toBe('min(500 req/s offered, (2 workers × 4 threads) / 0.050 s) = 160 req/s');
    expect(working('gunicorn-sync', { workers: 4 }, '/io?ms=50', { offeredRps: 50 }, 1)).toBe('min(50 req/s offered, (4 workers − 1 held) / 0.050 s) = 50 req/s');
    expect(working('node-async', {}, '/hello', { concurrency: 8 })).toBeNull();
  });
});
