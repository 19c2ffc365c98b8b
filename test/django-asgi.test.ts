import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { inspectApp } from '../harness/app/inspect.js';
import { django } from '../harness/deployments/django-runserver.js';
import type { ResultRow, RunResults } from '../harness/results/types.js';
import { DEBIAN_PYTHON, uvicorn } from '../harness/software/catalog.js';
import { benchIn, workFolder } from './support/cli.js';
import { writeDjangoProject } from './support/django-project.js';
import { describeWith } from './support/software.js';

const describeDjango = await describeWith([django, uvicorn]);
const work = workFolder('django-asgi');
const bench = benchIn(work);
const dir = join(work, 'project');

describeDjango('a Django project under ASGI', () => {
  let run: RunResults;

  beforeAll(() => {
    writeDjangoProject(dir);
    // 4 clients of 200 ms: one thread serves the sync view 1000/200 = 5 req/s, the loop the async one 4·5 = 20.
    // Why 200 ms: the thread holds a request for less than its whole latency (the HTTP and the loop's
    // part overlap the next one's turn), which one client's d counts: at 50 ms a queue of sync
    // requests ran at 20.0 req/s for 18.3 predicted (ratio 1.09). And Django 3.2 runs its middleware
    // and request signals on that same thread for an async view too, a millisecond or two a request
    // that the clients queue for: 8 clients at 50 ms got 128 req/s by wrk, not 160. Both are lost in
    // 200 ms; the model counts neither (docs/model.md). Why 4 clients: the one thread's queue is
    // c·d deep, and 8 clients' 1.6 s of it skewed a 4 s window (4.0 req/s for 4.9 predicted).
    writeFileSync(join(work, 'django-asgi.yaml'), ['path: [/awaited?ms=200, /slow?ms=200]', 'duration: 4', 'warmup: 0.3', 'concurrency: [4]', 'deployments: [uvicorn]', ''].join('\n'));
    const r = bench('run', 'django-asgi.yaml', '--app', 'mysite.asgi:application', '--app-dir', dir, '--python', DEBIAN_PYTHON, '--health', '/slow?ms=0', '--out', 'run');
    expect(r.code, r.stderr).toBe(0);
    run = JSON.parse(readFileSync(join(work, 'run', 'results.json'), 'utf8')) as RunResults;
  }, 60_000);

  it('is read by importing it: a plain def view runs on one thread, an async def on the loop', () => {
    const read = inspectApp({ target: 'mysite.asgi:application', dir, python: DEBIAN_PYTHON });
    expect(read).toMatchObject({ imported: true, shape: 'asgi', framework: 'Django ASGIHandler' });
    const routes = read.imported ? read.facts.routes : [];
    expect(routes?.filter((r) => ['/slow', '/awaited'].includes(r.path))).toEqual([
      { path: '/slow', pattern: '^/slow$', runs: 'one-thread' },
      { path: '/awaited', pattern: '^/awaited$', runs: 'event-loop' },
    ]);
  });

  it('serves a sync view one request at a time under uvicorn and an async view as many as the clients, each within 10% of its model', () => {
    expect(run.failures).toEqual([]);
    const row = (path: string): ResultRow => run.results.find((x) => x.path.startsWith(path))!;
    for (const x of run.results) {
      const where = `${x.deployment} ${x.path}: ${x.throughputRps} req/s, predicted ${x.predictedThroughputRps} (${x.model.bound}, d = ${x.model.serviceMs} ms)`;
      expect(x.errors + x.non2xx, where).toBe(0);
      expect(x.throughputRatio, where).toBeGreaterThan(0.9);
      expect(x.throughputRatio, where).toBeLessThan(1.1);
    }
    expect(row('/slow').model).toMatchObject({ capacity: 1, bound: expect.stringMatching(/^1 process \(Django runs sync views on one thread per process under ASGI\)/) });
    expect(row('/awaited').model).toMatchObject({ capacity: null, bound: expect.stringMatching(/^event loop: unbounded/) });
    // Against the wait itself, not only bench's model of it: 1000/200 and 8·1000/200.
    expect(row('/slow').throughputRps).toBeGreaterThan(5 * 0.85);
    expect(row('/slow').throughputRps).toBeLessThan(5 * 1.1);
    expect(row('/awaited').throughputRps).toBeGreaterThan(20 * 0.85);
    expect(row('/awaited').throughputRps).toBeLessThan(20 * 1.1);
  });
});
