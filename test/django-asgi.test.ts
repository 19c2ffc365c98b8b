import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { inspectApp } from '../harness/app/inspect.js';
import { django } from '../harness/deployments/django-runserver.js';
import type { ResultRow, RunResults } from '../harness/results/types.js';
import { daphneModule } from '../harness/deployments/daphne.js';
import { hypercornModule } from '../harness/deployments/hypercorn.js';
import { DEBIAN_PYTHON, gunicorn, nginx, uvicorn } from '../harness/software/catalog.js';
import { benchIn, workFolder } from './support/cli.js';
import { writeDjangoProject } from './support/django-project.js';
import { describeWith } from './support/software.js';

const describeDjango = await describeWith([django, uvicorn, gunicorn, hypercornModule, daphneModule, nginx]);
const work = workFolder('django-asgi');
const bench = benchIn(work);
const dir = join(work, 'project');

describeDjango('a Django project under ASGI', () => {
  let run: RunResults;
  const DEPLOYMENTS = ['uvicorn', 'daphne', 'hypercorn+nginx ×1', 'gunicorn-uvicorn+nginx ×2'];

  beforeAll(() => {
    writeDjangoProject(dir);
    // 8 clients of 50 ms, where Django's shared sync thread shows: an async view's ~15 turns on it
    // a request (middleware, signals) wait behind the other requests in flight, 128 req/s where
    // c/d says 150; a sync view holds the thread for the view, less than one client's latency.
    // hypercorn behind nginx: Debian's 0.13.2 closes each connection after its response, which
    // nginx's upstream keep-alive hides. Short windows: the model's figures are the point.
    writeFileSync(
      join(work, 'django-asgi.yaml'),
      [
        'path: [/awaited?ms=50, /slow?ms=50]',
        'duration: 2',
        'warmup: 0.3',
        'concurrency: [8]',
        'deployments: [uvicorn, daphne, hypercorn+nginx, { kind: gunicorn-uvicorn, workers: 2, proxy: nginx }]',
        '',
      ].join('\n'),
    );
    const r = bench('run', 'django-asgi.yaml', '--app', 'mysite.asgi:application', '--app-dir', dir, '--python', DEBIAN_PYTHON, '--health', '/slow?ms=0', '--out', 'run');
    expect(r.code, r.stderr).toBe(0);
    run = JSON.parse(readFileSync(join(work, 'run', 'results.json'), 'utf8')) as RunResults;
  }, 120_000);

  it('is read by importing it: a plain def view runs on one thread, an async def on the loop', () => {
    const read = inspectApp({ target: 'mysite.asgi:application', dir, python: DEBIAN_PYTHON });
    expect(read).toMatchObject({ imported: true, shape: 'asgi', framework: 'Django ASGIHandler' });
    const routes = read.imported ? read.facts.routes : [];
    expect(routes?.filter((r) => ['/slow', '/awaited'].includes(r.path))).toEqual([
      { path: '/slow', pattern: '^/slow$', runs: 'one-thread' },
      { path: '/awaited', pattern: '^/awaited$', runs: 'event-loop' },
    ]);
    // What a first look can measure: the project's own views, not the admin's.
    expect(read).toMatchObject({ paths: ['/slow', '/awaited'] });
  });

  it("serves sync and async views under uvicorn, daphne, hypercorn+nginx and gunicorn-uvicorn ×2+nginx, each within 10% of a model that counts Django's shared sync thread", () => {
    expect(run.failures).toEqual([]);
    expect(run.results.map((x) => x.deployment)).toEqual(DEPLOYMENTS.flatMap((d) => [d, d]));
    for (const x of run.results) {
      const where = `${x.deployment} ${x.path}: ${x.throughputRps} req/s, predicted ${x.predictedThroughputRps} (${x.model.bound}, d = ${x.model.serviceMs} ms)`;
      expect(x.errors + x.non2xx, where).toBe(0);
      const processes = x.workers;
      // Two processes' sync views: how the 8 connections nginx opens fall between the two loops
      // (each accepts whatever arrives while its one thread is busy) decides whether both threads
      // stay busy, and the model assumes they do: measured 0.82 to 0.95 of it. A known gap,
      // checked here at 20%; one process is held to 10%.
      const twoThreads = processes > 1 && x.path.startsWith('/slow');
      expect(x.throughputRatio, where).toBeGreaterThan(twoThreads ? 0.8 : 0.9);
      expect(x.throughputRatio, where).toBeLessThan(1.1);
      if (x.path.startsWith('/slow')) {
        expect(x.model, where).toMatchObject({ capacity: processes, bound: expect.stringMatching(/on one thread per process under ASGI\).*each view holds Django's shared sync thread/) });
        // Against the wait itself, not only bench's model of it: one 50 ms view at a time per process.
        // A 2 s window holds 40 such views; its edges (views begun in the warm-up, a window timer
        // firing late) have counted up to 44 (22.01 req/s behind hypercorn, a CI run), hence 1.15.
        expect(x.throughputRps, where).toBeGreaterThan(processes * 20 * (twoThreads ? 0.8 : 0.85));
        expect(x.throughputRps, where).toBeLessThan(processes * 20 * 1.15);
      } else {
        expect(x.model, where).toMatchObject({ capacity: null, bound: expect.stringMatching(/^event loop: unbounded.*; Django's shared sync thread: each request waits behind the \d others in flight/) });
        // Below what 8 clients of 50 ms would get from a loop alone, and well above one thread's 20.
        expect(x.throughputRps, where).toBeLessThan(160);
        expect(x.throughputRps, where).toBeGreaterThan(100);
      }
    }
  });
});
