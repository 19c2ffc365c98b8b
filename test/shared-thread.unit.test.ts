import { describe, expect, it } from 'vitest';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import { findKind } from '../harness/deployments/kinds.js';
import { predict, predictCapacity } from '../harness/model/predict.js';
import { withSharedThreadBound, withSharedThreadCost } from '../harness/model/shared-thread.js';
import type { AppUnderTest, AsgiAppFacts } from '../harness/results/types.js';

const routes: AsgiAppFacts['routes'] = [
  { path: '/sync', pattern: '^/sync$', runs: 'one-thread' },
  { path: '/async', pattern: '^/async$', runs: 'event-loop' },
];
const app = (framework: string): AppUnderTest => ({ kind: 'asgi', asgi: 'mysite.asgi:application', dir: '/srv/app', python: '/usr/bin/python3', health: '/', facts: { framework, routes } });

/** The model as aggregate.ts completes it: d measured at one client, and the app's CPU per request. */
function measured(kind: string, workers: number, path: string, framework: string, d: number, cpuMs: number, oneClientCpuMs = cpuMs) {
  const spec: DeploymentSpec = { kind, workers, proxy: 'none', app: app(framework) };
  return withSharedThreadCost({ ...predictCapacity(findKind(kind)!, spec, path, 2), serviceMs: d, serviceSource: 'measured' }, cpuMs, oneClientCpuMs);
}

describe("Django's shared sync thread in the model", () => {
  it('adds to an async view’s cycle a turn behind each other request in flight on its process: 8 clients at 54 ms and 1.6 ms each predict 122.6 req/s, not 148', () => {
    // Measured under uvicorn (docs/model.md): 128.7 req/s at 8 × 50 ms, 54.1 ms at one client, 1.59 ms of CPU a request.
    const model = measured('uvicorn', 1, '/async', 'Django ASGIHandler', 54.13, 1.59);
    const p = predict(model, { concurrency: 8 });
    expect(p.predictedThroughputRps).toBeCloseTo((8 * 1000) / (54.13 + 7 * 1.59), 1);
    expect(p.predictedLatencyMs).toBeCloseTo(54.13 + 7 * 1.59, 1);
    expect(withSharedThreadBound(model, 8, p.predictedThroughputRps).bound).toBe(
      "event loop: unbounded; Django's shared sync thread: each request waits behind the 7 others in flight on its process, 1.59 ms each",
    );
  });

  it('splits the queue among processes: 8 clients on two processes wait behind 3 others each', () => {
    const model = measured('gunicorn-uvicorn', 2, '/async', 'Django ASGIHandler', 50, 2);
    expect(predict(model, { concurrency: 8 }).predictedThroughputRps).toBeCloseTo(8000 / (50 + 3 * 2), 1);
  });

  it('costs nothing at one client, whose d already holds its own turns', () => {
    const model = measured('uvicorn', 1, '/async', 'Django ASGIHandler', 50, 2);
    expect(predict(model, { concurrency: 1 })).toEqual({ predictedThroughputRps: 20, predictedLatencyMs: 50 });
    expect(withSharedThreadBound(model, 1, 20).bound).toBe('event loop: unbounded');
  });

  it('holds the thread for a sync view its one-client latency less that client’s CPU per request: 54.6 ms and 3 ms serve 19.38 req/s on one process', () => {
    // Measured under hypercorn+nginx: 20.5 req/s, where d alone predicted 18.3 (docs/model.md).
    const model = measured('hypercorn', 1, '/sync', 'Django ASGIHandler', 54.6, 2.68, 3);
    const p = predict(model, { concurrency: 8 });
    expect(p.predictedThroughputRps).toBeCloseTo(1000 / (54.6 - 3), 1);
    expect(withSharedThreadBound(model, 8, p.predictedThroughputRps).bound).toBe(
      "1 process (Django runs sync views on one thread per process under ASGI); each view holds Django's shared sync thread 51.6 ms: the 54.6 ms at one client less its 3 ms of CPU there, spent on the loop",
    );
    // One client waits its whole d, thread or not.
    expect(predict(model, { concurrency: 1 }).predictedThroughputRps).toBeCloseTo(1000 / 54.6, 1);
    expect(withSharedThreadBound(model, 1, predict(model, { concurrency: 1 }).predictedThroughputRps).bound).toBe('1 process (Django runs sync views on one thread per process under ASGI)');
  });

  it('is no part of a FastAPI app, whose async routes share no thread', () => {
    const model = measured('uvicorn', 1, '/async', 'FastAPI', 50, 2);
    expect(model.sharedThread).toBeUndefined();
    expect(predict(model, { concurrency: 8 }).predictedThroughputRps).toBe(160);
  });
});
