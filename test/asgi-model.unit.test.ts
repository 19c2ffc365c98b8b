import { describe, expect, it } from 'vitest';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import { findKind } from '../harness/deployments/kinds.js';
import { predict, predictCapacity } from '../harness/model/predict.js';
import type { AppUnderTest, AsgiAppFacts } from '../harness/results/types.js';

/** A user's FastAPI app as bench reads it (servers/python/app_check.py's report of test/support/fastapi-app.ts). */
const FASTAPI: AsgiAppFacts = {
  framework: 'FastAPI',
  routes: [
    { path: '/health', pattern: '^/health$', runs: 'event-loop' },
    { path: '/async', pattern: '^/async$', runs: 'event-loop' },
    { path: '/blocking', pattern: '^/blocking$', runs: 'blocks-loop', blocks: ['time.sleep'] },
    { path: '/sync', pattern: '^/sync$', runs: 'thread-pool' },
    { path: '/items/{id}', pattern: '^/items/(?P<id>[^/]+)$', runs: 'thread-pool' },
  ],
  threadPool: { size: 40, startup: false },
};

const app = (facts?: AsgiAppFacts): AppUnderTest => ({ kind: 'asgi', asgi: 'main:app', dir: '/srv/app', python: '/usr/bin/python3', health: '/health', ...(facts && { facts }) });

function capacity(kind: string, workers: number, path: string, user?: AppUnderTest) {
  const spec: DeploymentSpec = { kind, workers, proxy: 'none', ...(user && { app: user }) };
  return predictCapacity(findKind(kind)!, spec, path, 2);
}

describe('the model of an ASGI app, route by route', () => {
  it("gives the demo's plain def route (/io-sync) anyio's 40 threads per process, and elsewhere what a blocking wait gets", () => {
    expect(capacity('uvicorn', 1, '/io-sync?ms=200')).toMatchObject({ capacity: 40, bound: "1 thread pool of 40 (anyio's default)", serviceMs: 200 });
    expect(capacity('gunicorn-uvicorn', 2, '/io-sync?ms=200')).toMatchObject({ capacity: 80, bound: "2 × thread pool of 40 (anyio's default)" });
    // Node has no thread pool for a sync handler: it stops the loop, as /io-blocking does.
    expect(capacity('node-async', 1, '/io-sync?ms=200').capacity).toBe(1);
    expect(capacity('gunicorn-gevent', 2, '/io-sync?ms=200').capacity).toBeNull();
    expect(capacity('gunicorn-sync', 4, '/io-sync?ms=200').capacity).toBe(4);
  });

  it("reads a user's routes: awaited unbounded, a blocking call in async def one per loop, a plain def the pool's threads", () => {
    const user = app(FASTAPI);
    expect(capacity('uvicorn', 1, '/async?ms=200', user)).toMatchObject({ capacity: null, bound: 'event loop: unbounded' });
    expect(capacity('gunicorn-uvicorn', 2, '/blocking?ms=200', user)).toMatchObject({ capacity: 2, bound: '2 event loops (time.sleep in an async def stops its loop)' });
    expect(capacity('uvicorn', 1, '/sync?ms=200', user)).toMatchObject({ capacity: 40, bound: "1 thread pool of 40 (anyio's default)" });
    expect(capacity('gunicorn-uvicorn', 2, '/items/7?verbose=1', user).capacity).toBe(80);
    // An app that sets its own pool size where bench can read it.
    expect(capacity('uvicorn', 1, '/sync', app({ ...FASTAPI, threadPool: { size: 8, startup: false } })).capacity).toBe(8);
  });

  it('states what it assumed where it could not read the pool, or could not read the app at all', () => {
    expect(capacity('uvicorn', 1, '/sync', app({ ...FASTAPI, threadPool: { size: 40, startup: true } })).bound).toBe(
      "1 thread pool of 40 (anyio's default; the app's startup code may resize it, which bench cannot see)",
    );
    expect(capacity('uvicorn', 1, '/sync', app({ ...FASTAPI, threadPool: undefined })).bound).toBe("1 thread pool of 40 (assumed: anyio's default; bench could not read the app's)");
    // No facts: bench cannot tell the routes apart, and models every one as awaited.
    expect(capacity('uvicorn', 1, '/sync', app()).capacity).toBeNull();
  });

  it("predicts Little's law with the pool as K: 80 clients of 200 ms on 40 threads serve 200 req/s, and wait 400 ms", () => {
    const model = { ...capacity('uvicorn', 1, '/io-sync?ms=200') };
    expect(predict(model, { concurrency: 80 })).toEqual({ predictedThroughputRps: 200, predictedLatencyMs: 400 });
    expect(predict(model, { concurrency: 20 })).toEqual({ predictedThroughputRps: 100, predictedLatencyMs: 200 });
  });
});

/** A Django project as bench reads it under ASGI: a sync view, an async one, and one that blocks its loop. */
const DJANGO: AsgiAppFacts = {
  framework: 'Django ASGIHandler',
  routes: [
    { path: '/sync', pattern: '^/sync$', runs: 'one-thread' },
    { path: '/async', pattern: '^/async$', runs: 'event-loop' },
    { path: '/blocking', pattern: '^/blocking$', runs: 'blocks-loop', blocks: ['time.sleep'] },
    { path: '/items/<int:pk>/', pattern: '^/items/(?P<pk>[0-9]+)/$', runs: 'one-thread' },
  ],
};

describe('the model of a Django app under ASGI', () => {
  it('gives a sync view one request at a time per process, and says that Django runs it so', () => {
    const user = app(DJANGO);
    expect(capacity('uvicorn', 1, '/sync?ms=50', user)).toMatchObject({ capacity: 1, bound: '1 process (Django runs sync views on one thread per process under ASGI)' });
    expect(capacity('gunicorn-uvicorn', 3, '/items/7/', user)).toMatchObject({ capacity: 3, bound: '3 processes (Django runs sync views on one thread per process under ASGI)' });
    expect(capacity('uvicorn', 1, '/async?ms=50', user)).toMatchObject({ capacity: null, bound: 'event loop: unbounded' });
    expect(capacity('uvicorn', 1, '/blocking?ms=50', user).capacity).toBe(1);
  });

  it("predicts Little's law with K = processes for a sync view: 8 clients of 50 ms on one process serve 20 req/s and wait 400 ms, on two 40 req/s", () => {
    // A user's app has its d measured at one client (aggregate.ts), not read from the path.
    const measured = (kind: string, workers: number, path: string) => ({ ...capacity(kind, workers, path, app(DJANGO)), serviceMs: 50 });
    expect(predict(measured('uvicorn', 1, '/sync'), { concurrency: 8 })).toEqual({ predictedThroughputRps: 20, predictedLatencyMs: 400 });
    expect(predict(measured('gunicorn-uvicorn', 2, '/sync'), { concurrency: 8 })).toEqual({ predictedThroughputRps: 40, predictedLatencyMs: 200 });
    expect(predict(measured('uvicorn', 1, '/async'), { concurrency: 8 })).toEqual({ predictedThroughputRps: 160, predictedLatencyMs: 50 });
  });
});
