import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { RunResults } from '../harness/results/types.js';
import { gunicorn, pythonModule, uvicorn } from '../harness/software/catalog.js';
import { inspectApp } from '../harness/app/inspect.js';
import { resolvePlanApp } from '../harness/plan/build-plan.js';
import { parseScenario } from '../harness/scenario/load.js';
import { BIN, benchIn, workFolder } from './support/cli.js';
import { fastapi, writeFastApiApp } from './support/fastapi-app.js';
import { describeWith } from './support/software.js';

const work = workFolder('fastapi');
const bench = benchIn(work);
// A user's FastAPI app, written here as its owner would, outside bench's repository.
const app = writeFastApiApp(join(work, 'shop'));
const APP_FLAGS = ['--app', app.target, '--app-dir', app.dir, '--python', app.python, '--health', app.health];

const djangoModule = pythonModule('django', 'django', 'python3-django');
const describeFastApi = await describeWith([fastapi, uvicorn, gunicorn, djangoModule]);

/** The command lines of the processes running now that mention the app's folder (any server hosting it). */
function serversOfTheApp(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(app.dir) && / -m (gunicorn|uvicorn) /.test(cmd)) found.push(cmd);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * A scenario of these lines run on the app, named by --app (no app: block): bench reads its shape,
 * FastAPI, and its routes by importing it. Returns the run's results.
 */
function measured(name: string, lines: string[]): RunResults {
  writeFileSync(join(work, `${name}.yaml`), [...lines, 'warmup: 0.5', ''].join('\n'));
  const r = bench('run', `${name}.yaml`, ...APP_FLAGS, '--out', name);
  expect(r.code, r.stderr).toBe(0);
  const run = JSON.parse(readFileSync(join(work, name, 'results.json'), 'utf8')) as RunResults;
  expect(run.failures).toEqual([]);
  return run;
}

describeFastApi("a user's FastAPI app", () => {
  it('is told from a WSGI app by importing it, with how each of its routes runs and the thread pool anyio makes', () => {
    const read = inspectApp(app);
    expect(read).toMatchObject({ imported: true, shape: 'asgi', framework: 'FastAPI', facts: { threadPool: { size: 40, startup: false } } });
    const routes = read.imported ? read.facts.routes : [];
    expect(routes?.filter((r) => ['/async', '/blocking', '/sync'].includes(r.path))).toEqual([
      { path: '/async', pattern: '^/async$', runs: 'event-loop' },
      { path: '/blocking', pattern: '^/blocking$', runs: 'blocks-loop', blocks: ['time.sleep'] },
      { path: '/sync', pattern: '^/sync$', runs: 'thread-pool' },
    ]);
    // What a first look can measure: its own GET routes, not FastAPI's /docs and /openapi.json.
    expect(read).toMatchObject({ paths: ['/health', '/async', '/blocking', '/sync'] });
    // A startup handler may resize the pool on the loop, after bench has looked: bench says so.
    const resized = writeFastApiApp(join(work, 'resized'), { threadPool: 8 });
    expect(inspectApp(resized)).toMatchObject({ shape: 'asgi', facts: { threadPool: { size: 40, startup: true } } });
    // Django's handlers, both ways, from a module that configures its settings itself.
    const djangoDir = join(work, 'django-app');
    mkdirSync(djangoDir, { recursive: true });
    writeFileSync(
      join(djangoDir, 'site_handlers.py'),
      ['from django.conf import settings', 'settings.configure()', 'from django.core.asgi import get_asgi_application', 'from django.core.wsgi import get_wsgi_application', 'asgi = get_asgi_application()', 'wsgi = get_wsgi_application()', ''].join('\n'),
    );
    const handler = (target: string) => inspectApp({ target, dir: djangoDir, python: app.python });
    expect(handler('site_handlers:asgi')).toMatchObject({ imported: true, shape: 'asgi', framework: 'Django ASGIHandler' });
    expect(handler('site_handlers:wsgi')).toMatchObject({ imported: true, shape: 'wsgi', framework: 'Django WSGIHandler' });
  });

  it('sees a blocking call one level down, in a helper of the app\'s own module, and not an awaited one', () => {
    const helpers = join(work, 'helpers');
    mkdirSync(helpers, { recursive: true });
    writeFileSync(
      join(helpers, 'main.py'),
      [
        'import asyncio, time',
        'from fastapi import FastAPI',
        'app = FastAPI()',
        'def fetch():',
        '    time.sleep(0.05)',
        'async def pause():',
        '    await asyncio.sleep(0.05)',
        '@app.get("/through-helper")',
        'async def through_helper():',
        '    fetch()',
        '@app.get("/awaits-helper")',
        'async def awaits_helper():',
        '    await pause()',
        '',
      ].join('\n'),
    );
    const read = inspectApp({ target: 'main:app', dir: helpers, python: app.python });
    const routes = read.imported ? read.facts.routes : [];
    expect(routes?.filter((r) => r.path.includes('helper'))).toEqual([
      { path: '/through-helper', pattern: '^/through\\-helper$', runs: 'blocks-loop', blocks: ['time.sleep in fetch'] },
      { path: '/awaits-helper', pattern: '^/awaits\\-helper$', runs: 'event-loop' },
    ]);
  });

  it("is imported with its deployment's env:, so that an app that needs a variable to import is read, and its value is never shown", () => {
    const gated = join(work, 'gated');
    mkdirSync(gated, { recursive: true });
    writeFileSync(
      join(gated, 'gated.py'),
      ['import os', 'if "APP_TOKEN" not in os.environ:', '    raise RuntimeError("set APP_TOKEN")', 'from fastapi import FastAPI', 'app = FastAPI()', '@app.get("/ping")', 'def ping():', '    return "ok"', ''].join('\n'),
    );
    const input = { app: { pythonApp: 'gated:app', dir: gated, python: app.python } };
    const scenario = (deployments: string) => parseScenario(`path: /ping\nduration: 1\nconcurrency: [1]\ndeployments: ${deployments}\n`, 'gated.yaml');
    expect(resolvePlanApp(scenario('[uvicorn, { kind: uvicorn, env: { APP_TOKEN: s3cret-value } }]'), input)).toMatchObject({
      kind: 'asgi',
      facts: { routes: expect.arrayContaining([expect.objectContaining({ path: '/ping', runs: 'thread-pool' })]) },
    });
    expect(() => resolvePlanApp(scenario('[uvicorn]'), input)).toThrow(/--app: gated:app cannot be imported .*RuntimeError: set APP_TOKEN/);
    const refusal = (() => {
      try {
        resolvePlanApp(scenario('[{ kind: uvicorn, env: { APP_TOKEN_X: s3cret-value } }]'), input);
        return 'imported';
      } catch (err) {
        return String(err);
      }
    })();
    expect(refusal).toMatch(/RuntimeError: set APP_TOKEN/);
    expect(refusal).not.toMatch(/s3cret/);
  });

  it('is refused with exit 2 by a WSGI kind, naming both, before any server starts', async () => {
    const child = spawn(process.execPath, [BIN, 'run', ...APP_FLAGS, '--deployments', 'gunicorn-sync', '--out', 'never'], { cwd: work });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    const seen: string[] = [];
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    while (code === undefined) {
      seen.push(...serversOfTheApp());
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(code).toBe(2);
    expect(stderr).toMatch(/--deployments item 1: gunicorn-sync cannot host an ASGI app \(main:app, FastAPI\); the kinds that can: uvicorn, gunicorn-uvicorn/);
    expect(seen).toEqual([]);
    // Named as WSGI in a scenario, the app is refused for what it is.
    writeFileSync(join(work, 'as-wsgi.yaml'), [`app: { wsgi: "main:app", dir: ${JSON.stringify(app.dir)}, health: /health }`, 'path: /async', 'duration: 1', 'concurrency: [1]', 'deployments: [gunicorn-sync]'].join('\n'));
    const named = bench('run', 'as-wsgi.yaml', '--out', 'never');
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/as-wsgi\.yaml: app\.wsgi: main:app is an ASGI app \(FastAPI\), not a WSGI app; name it as app\.asgi \(the kinds that host it: uvicorn, gunicorn-uvicorn/);
  });

  it("holds Little's law on every route under uvicorn and gunicorn-uvicorn ×2: awaited, a blocking call holding the loop, and anyio's 40 threads", () => {
    // More clients than 40 threads a process, so the pool is the bound of the sync route: one
    // process 40 / 0.2 s = 200 req/s. Two processes get 160 clients, so that each pool stays full
    // however the connections fall between them, on a 0.4 s wait, which keeps the rate (and nginx's
    // CPU) down; their windows are longer, because clients that start together finish in waves.
    // The blocking route comes last: the requests its stopped loop still holds when a point ends
    // would delay the next path's one-client measurement.
    const one = measured('one-loop', ['path: [/async?ms=200, /sync?ms=200, /blocking?ms=50]', 'duration: 2', 'concurrency: [100]', 'deployments: [uvicorn]']);
    const two = measured('two-loops', [
      'path: [/async?ms=400, /sync?ms=400, /blocking?ms=50]',
      'duration: 4',
      'concurrency: [160]',
      // nginx connects anew for each request, so both workers get requests as their loops and
      // pools free up; kept-alive clients stay with the worker that accepted them (uneven spread).
      'deployments: [{ kind: gunicorn-uvicorn+nginx, workers: 2 }]',
    ]);
    expect(one.settings.app).toMatchObject({ kind: 'asgi', asgi: 'main:app', facts: { framework: 'FastAPI', threadPool: { size: 40 } } });
    const row = (run: RunResults, route: string) => run.results.find((x) => x.path.startsWith(route))!;
    for (const x of [...one.results, ...two.results]) {
      const where = `${x.deployment} ${x.path}: ${x.throughputRps} req/s, predicted ${x.predictedThroughputRps} (${x.model.bound}, d = ${x.model.serviceMs} ms)`;
      expect(x.errors + x.non2xx, where).toBe(0);
      expect(x.throughputRatio, where).toBeGreaterThan(0.9);
      expect(x.throughputRatio, where).toBeLessThan(1.1);
    }
    expect(row(one, '/sync').model).toMatchObject({ capacity: 40, bound: expect.stringMatching(/^1 thread pool of 40 \(anyio's default\)/) });
    expect(row(two, '/sync').model).toMatchObject({ capacity: 80, bound: expect.stringMatching(/^2 × thread pool of 40/) });
    expect(row(one, '/blocking').model).toMatchObject({ capacity: 1, bound: expect.stringMatching(/^1 event loop \(time\.sleep in an async def stops its loop\)/) });
    expect(row(two, '/blocking').model.capacity).toBe(2);
    expect(row(one, '/async').model.capacity).toBeNull();
    expect(row(two, '/async').model.capacity).toBeNull();
    // The pool, not the wait, is what held the sync route back: the awaited route, waiting as long, served far more.
    expect(row(one, '/sync').throughputRps).toBeLessThan(0.5 * row(one, '/async').throughputRps);
    // Each row records what its server ran with, read back by the server's own parser.
    expect(row(one, '/async').effectiveSettings).toMatchObject({ readBack: true, settings: { app: 'main:app', app_dir: app.dir, timeout_keep_alive: 5, limit_concurrency: null } });
    expect(row(two, '/async').effectiveSettings?.settings).toMatchObject({ workers: 2, worker_class: 'uvicorn.workers.UvicornWorker' });
  });
});
