import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { ProcessGroup, sleep } from '../harness/process/group.js';
import { freePort } from '../harness/process/ports.js';
import { waitUntilHealthy } from '../harness/process/readiness.js';
import type { RunResults } from '../harness/results/types.js';
import { flask, gunicorn, nginx, starlette, uvicorn } from '../harness/software/catalog.js';
import { readWorkerStatus, STATUS_DIR_ENV, type WorkerStatus } from '../harness/status/worker-status.js';
import { benchIn, workFolder } from './support/cli.js';
import { expectLittle, measure, withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

const D = 50; // ms each request waits; one request at a time serves 1000/D = 20 req/s
const oneAtATime = 1000 / D;

const describeAsgi = await describeWith([uvicorn, starlette, flask, gunicorn, nginx]);

/** Headers a server adds around the app's (the app sets the rest: content-type, content-length, x-worker-pid, x-bench-token). */
const SERVER_HEADERS = new Set(['date', 'server', 'connection', 'keep-alive']);

/** Status, the app's own headers and the body of each request, with the per-process values (pid, token) named rather than quoted. */
async function answers(d: RunningDeployment, requests: [string, string][]): Promise<string[]> {
  return Promise.all(
    requests.map(async ([method, path]) => {
      const r = await fetch(d.baseUrl + path, { method });
      const headers = [...r.headers]
        .filter(([name]) => !SERVER_HEADERS.has(name))
        .map(([name, value]) => {
          if (name === 'x-worker-pid') return `${name}: ${/^\d+$/.test(value) ? 'PID' : value}`;
          if (name === 'x-bench-token') return `${name}: ${value === d.token ? 'TOKEN' : value}`;
          return `${name}: ${value}`;
        })
        .sort();
      return [`${method} ${path} ${r.status}`, ...headers, await r.text()].join('\n');
    }),
  );
}

async function withStatusDir(spec: Partial<DeploymentSpec> & { kind: string }, body: (d: RunningDeployment, dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-status-'));
  try {
    await withDeployment({ ...spec, env: { [STATUS_DIR_ENV]: dir } }, (d) => body(d, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the status folder until `done` holds or `ms` pass; returns the last reading. */
async function statusUntil(dir: string, done: (s: WorkerStatus[]) => boolean, ms: number): Promise<WorkerStatus[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const statuses = readWorkerStatus(dir);
    if (done(statuses) || Date.now() >= deadline) return statuses;
    await sleep(20);
  }
}

const busy = (statuses: WorkerStatus[]) => statuses.reduce((sum, s) => sum + s.busy, 0);

const atOnce = (d: RunningDeployment, count: number, path: string) =>
  Promise.all(Array.from({ length: count }, () => fetch(d.baseUrl + path).then(async (r) => (await r.text(), r.status))));

describeAsgi('the ASGI app', () => {
  it('answers every endpoint with the same status, headers and bytes as the Flask app', async () => {
    const requests: [string, string][] = [
      ['GET', '/health'], ['GET', '/hello'], ['GET', '/io?ms=5'], ['GET', '/io-blocking?ms=5'], ['GET', '/cpu?ms=5'],
      ['GET', '/io?ms=2.5'], ['GET', '/io?ms=soon'], ['GET', '/io?ms=1&ms=2'], ['GET', '/io?ms=99999'],
      ['GET', '/nope'], ['GET', '/io/'], ['POST', '/io'],
    ];
    let flaskAnswers: string[] = [];
    await withDeployment({ kind: 'flask-dev' }, async (d) => void (flaskAnswers = await answers(d, requests)));
    await withDeployment({ kind: 'uvicorn' }, async (d) => expect(await answers(d, requests)).toEqual(flaskAnswers));
  });
});

describeAsgi("uvicorn's event loop measured against Little's law", () => {
  it('serves /io, an awaited sleep, to many clients at once, and /io-blocking, time.sleep inside async def, to one at a time', async () => {
    await withDeployment({ kind: 'uvicorn' }, async (d) => {
      const awaited = await measure(d, `/io?ms=${D}`, 16);
      expect(awaited.errors).toBe(0);
      expect(awaited.throughputRps, `${awaited.throughputRps} req/s at 16 clients`).toBeGreaterThan(8 * oneAtATime);
      // However many clients wait, the stopped loop serves one request per D.
      expectLittle(await measure(d, `/io-blocking?ms=${D}`, 8), 1, D);
    });
  });

  it('serves /io-blocking one request per event loop: four at a time from 4 uvicorn workers, given a new connection per request by nginx', async () => {
    // Connected to directly, the worker whose loop accepts first takes a burst of kept-alive
    // connections and serializes them (scenario async-python shows it); nginx connects anew for
    // each request, and a worker whose loop is stopped accepts none of them.
    await withDeployment({ kind: 'gunicorn-uvicorn', workers: 4, proxy: 'nginx' }, async (d) => {
      expectLittle(await measure(d, `/io-blocking?ms=${D}`, 16), 4, D);
    });
  });

  it('answers through nginx in front of uvicorn, and still serves /io to many clients at once', async () => {
    await withDeployment({ kind: 'uvicorn', proxy: 'nginx' }, async (d) => {
      expect((await fetch(`${d.baseUrl}/hello`)).headers.get('server')).toMatch(/^nginx/);
      const m = await measure(d, `/io?ms=${D}`, 16);
      expect(m.errors).toBe(0);
      expect(m.throughputRps, `${m.throughputRps} req/s at 16 clients`).toBeGreaterThan(8 * oneAtATime);
    });
  });
});

describeAsgi('worker status of the ASGI kinds', () => {
  it('uvicorn keeps one status file, its own, with every awaited request busy at once and one blocking request at a time', async () => {
    await withStatusDir({ kind: 'uvicorn' }, async (d, dir) => {
      const awaited = atOnce(d, 6, '/io?ms=600');
      const during = await statusUntil(dir, (s) => busy(s) === 6, 400);
      expect(during, JSON.stringify(during)).toEqual([{ pid: d.processes[0]!.pid, busy: 6 }]);
      expect(await awaited).toEqual(Array(6).fill(200));
      const blocking = atOnce(d, 3, '/io-blocking?ms=400');
      await sleep(200);
      expect(busy(readWorkerStatus(dir)), 'busy while the loop sleeps').toBe(1);
      expect(await blocking).toEqual(Array(3).fill(200));
      expect(busy(await statusUntil(dir, (s) => busy(s) === 0, 1000))).toBe(0);
    });
  });

  it('gunicorn with 2 uvicorn workers keeps a file per worker and none for its arbiter', async () => {
    await withStatusDir({ kind: 'gunicorn-uvicorn', workers: 2 }, async (d, dir) => {
      // Readiness counts the worker processes, which exist a moment before their app is imported.
      const files = await statusUntil(dir, (s) => s.length === 2, 5000);
      expect(files).toHaveLength(2);
      expect(files.map((s) => s.pid)).not.toContain(d.processes[0]!.pid);
      const answered = atOnce(d, 6, '/io?ms=600');
      const during = await statusUntil(dir, (s) => busy(s) === 6, 400);
      expect(busy(during), JSON.stringify(during)).toBe(6);
      expect(await answered).toEqual(Array(6).fill(200));
    });
  });
});

describeAsgi('bench export of the ASGI kinds', () => {
  const work = workFolder('asgi-export');
  const bench = benchIn(work);

  it('writes gunicorn-uvicorn as a gunicorn.conf.py with uvicorn\'s worker class that serves the ASGI app, and refuses lone uvicorn', async () => {
    writeFileSync(
      join(work, 'asgi.yaml'),
      ['path: /hello', 'duration: 0.5', 'warmup: 0.2', 'concurrency: [2]', 'deployments:', '  - kind: gunicorn-uvicorn', '    workers: 2', '  - uvicorn', ''].join('\n'),
    );
    const ran = bench('run', 'asgi.yaml', '--out', 'run');
    expect(ran.code, ran.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(work, 'run', 'results.json'), 'utf8')) as RunResults;

    const refused = bench('export', 'run', '--deployment', 'uvicorn', '--to', 'lone');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/uvicorn .*cannot be exported; only .*gunicorn-uvicorn/);

    const port = await freePort();
    const exported = join(work, 'exported');
    const r = bench('export', 'run', '--deployment', 'gunicorn-uvicorn ×2', '--bind', `127.0.0.1:${port}`, '--config-dir', exported, '--to', exported);
    expect(r.code, r.stderr).toBe(0);
    const conf = readFileSync(join(exported, 'gunicorn.conf.py'), 'utf8');
    expect(conf).toMatch(/^worker_class = "uvicorn\.workers\.UvicornWorker"/m);
    expect(conf).toMatch(/^wsgi_app = "asgi_app:app"/m);

    const python = run.results.find((row) => row.server === 'gunicorn-uvicorn')!.serverArgs![0]!;
    const server = new ProcessGroup('exported gunicorn-uvicorn', { command: python, args: ['-m', 'gunicorn', '-c', join(exported, 'gunicorn.conf.py')] }, join(work, 'exported.log'));
    try {
      await waitUntilHealthy(`http://127.0.0.1:${port}/health`, [server], 20_000, undefined);
      const answer = await fetch(`http://127.0.0.1:${port}/io-blocking?ms=1`);
      expect(await answer.text()).toBe('{"endpoint":"io-blocking","ms":1}\n');
    } finally {
      await server.stop();
    }
  });
});
