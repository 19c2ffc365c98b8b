import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import type { AppUnderTest, ResultRow, RunResults } from '../harness/results/types.js';
import { fcgiwrap, gevent, gunicorn, nginx, uwsgi } from '../harness/software/catalog.js';
import { benchIn, workFolder } from './support/cli.js';
import { withDeployment } from './support/deployments.js';
import { describeWith, python3 } from './support/software.js';

// A user's own apps, not bench's demo: a plain WSGI callable and a Node program (test/fixtures).
const WSGI_DIR = resolve('test/fixtures/wsgi-app');
const NODE_APP = resolve('test/fixtures/node-app/server.mjs');
const WSGI_APP: AppUnderTest = { kind: 'wsgi', wsgi: 'fixture_app:application', dir: WSGI_DIR, python: '/usr/bin/python3', health: '/healthz' };
const NODE: AppUnderTest = { kind: 'node', node: NODE_APP, health: '/healthz' };

const work = workFolder('your-app');
const bench = benchIn(work);
const describeStack = await describeWith([gunicorn, gevent, uwsgi, nginx, fcgiwrap]);

/** Runs a scenario file written into the scratch folder through the real CLI; returns its results. */
function runScenario(name: string, lines: string[]): RunResults {
  writeFileSync(join(work, `${name}.yaml`), lines.join('\n'));
  const r = bench('run', `${name}.yaml`, '--out', name);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(join(work, name, 'results.json'), 'utf8')) as RunResults;
}

/** The head of a scenario measuring the fixture WSGI app on /work?ms=20, before its load levels and deployments. */
const WSGI_SCENARIO = [
  'app:',
  `  wsgi: fixture_app:application`,
  `  dir: ${JSON.stringify(WSGI_DIR)}`,
  '  health: /healthz',
  'path: /work?ms=20',
  'duration: 1.5',
  'warmup: 0.3',
];

/** The fixture Node program as a scenario's app. */
const NODE_APP_LINES = ['app:', `  node: ${JSON.stringify(NODE_APP)}`, '  health: /healthz'];

/** Every row within 10% of Little's law on the service time its deployment measured at one client. */
function expectModelHolds(rows: ResultRow[], waitMs = 20): void {
  for (const row of rows) {
    const where = `${row.deployment} c=${row.concurrency}: ${row.throughputRps} req/s, predicted ${row.predictedThroughputRps} on d = ${row.model.serviceMs} ms`;
    expect(row.model.serviceSource, where).toBe('measured');
    // The app's own waiting, plus what the server and the hop add.
    expect(row.model.serviceMs, where).toBeGreaterThanOrEqual(waitMs);
    expect(row.model.serviceMs, where).toBeLessThan(waitMs * 1.5);
    expect(row.errors + row.non2xx, where).toBe(0);
    expect(row.throughputRatio, where).toBeGreaterThan(0.9);
    expect(row.throughputRatio, where).toBeLessThan(1.1);
  }
}

describeStack("a user's own WSGI app", () => {
  it("is measured under every Python kind within 10% of the model built on its measured service time", () => {
    const run = runScenario('wsgi-matrix', [
      ...WSGI_SCENARIO,
      'concurrency: [1, 4]',
      'deployments:',
      '  - wsgiref',
      '  - { kind: gunicorn-sync, workers: 2 }',
      '  - { kind: gunicorn-sync+nginx, workers: 2 }',
      '  - { kind: gunicorn-gthread, workers: 1, threads: 4 }',
      '  - { kind: gunicorn-gevent, workers: 1 }',
      '  - { kind: uwsgi, workers: 2 }',
      '  - { kind: uwsgi+nginx, workers: 2 }',
    ]);
    expect(run.settings.app).toMatchObject({ kind: 'wsgi', wsgi: 'fixture_app:application', dir: WSGI_DIR, health: '/healthz' });
    expect(run.failures).toEqual([]);
    expect(run.results).toHaveLength(14);
    expectModelHolds(run.results);
    // The model's K is the kind's: one at a time for wsgiref, W for the pools, W × T for gthread.
    const at4 = (label: string) => run.results.find((r) => r.deployment === label && r.concurrency === 4)!;
    expect(at4('wsgiref').predictedThroughputRps! * at4('wsgiref').model.serviceMs!).toBeCloseTo(1000, -1);
    expect(at4('gunicorn-sync ×2').model.capacity).toBe(2);
    expect(at4('gunicorn-gthread ×1 (4 threads)').model.capacity).toBe(4);
    // Each row says how its server was started: the user's app, not the demo.
    expect(at4('gunicorn-sync ×2').serverArgs).toEqual(expect.arrayContaining(['--chdir', WSGI_DIR, 'fixture_app:application']));
    expect(at4('uwsgi+nginx ×2').nginxConfig).toContain('uwsgi_pass');
  });

  it('runs under CGI through a generated wsgiref launcher', () => {
    const run = runScenario('wsgi-cgi', [
      ...WSGI_SCENARIO,
      // One client: each request pays a Python start, which on the server's one core would make
      // more clients queue for the CPU rather than for the workers.
      'concurrency: [1]',
      'deployments: [cgi]',
    ]);
    expect(run.failures).toEqual([]);
    const [row] = run.results;
    expect(row!.errors + row!.non2xx).toBe(0);
    expect(row!.throughputRatio).toBeGreaterThan(0.9);
    expect(row!.throughputRatio).toBeLessThan(1.1);
  });

  it('gets the args, env and nginx settings the scenario gives it, as the server itself reports them', async () => {
    const greeting = async (url: string) => (await fetch(url)).headers.get('x-fixture-greeting');
    await withDeployment({ kind: 'gunicorn-sync', workers: 1, app: WSGI_APP, env: { FIXTURE_GREETING: 'from env' } }, async (d) => {
      expect(await greeting(`${d.baseUrl}/healthz`)).toBe('from env');
    });
    // fcgiwrap does not pass its own environment on: env: reaches a CGI program through nginx.
    await withDeployment({ kind: 'cgi', workers: 1, app: WSGI_APP, env: { FIXTURE_GREETING: 'from env, through CGI' } }, async (d) => {
      expect(await greeting(`${d.baseUrl}/healthz`)).toBe('from env, through CGI');
    });
    // gunicorn's own --env flag, passed through args:, sets the workers' environment.
    await withDeployment({ kind: 'gunicorn-sync', workers: 1, app: WSGI_APP, args: ['--env', 'FIXTURE_GREETING=from args'] }, async (d) => {
      expect(await greeting(`${d.baseUrl}/healthz`)).toBe('from args');
    });
    await withDeployment({ kind: 'uwsgi', workers: 1, app: WSGI_APP, args: ['--env', 'FIXTURE_GREETING=from uwsgi args'] }, async (d) => {
      expect(await greeting(`${d.baseUrl}/healthz`)).toBe('from uwsgi args');
    });
    await withDeployment(
      { kind: 'gunicorn-sync', workers: 1, app: WSGI_APP, proxy: 'nginx', nginx: { buffering: 'off', directives: ['add_header x-bench-directive applied;'] } },
      async (d) => {
        const res = await fetch(`${d.baseUrl}/healthz`);
        expect(res.headers.get('x-bench-directive')).toBe('applied');
        expect(d.nginxConfig).toContain('proxy_buffering off;');
      },
    );
  });
});

describeStack("a user's own Node program", () => {
  it('is measured as one process and as a cluster, with and without nginx, within 10% of its measured-service-time model', () => {
    const run = runScenario('node-matrix', [
      ...NODE_APP_LINES,
      'path: /work?ms=20',
      'duration: 1.5',
      'warmup: 0.3',
      'concurrency: [1, 4]',
      'deployments:',
      '  - node',
      '  - { kind: node-cluster, workers: 2 }',
      '  - { kind: node-cluster+nginx, workers: 2 }',
    ]);
    expect(run.failures).toEqual([]);
    expect(run.results).toHaveLength(6);
    expectModelHolds(run.results);
  });

  it('is driven with a weighted mix of requests, whose mean service time the model then uses', () => {
    const run = runScenario('node-mix', [
      ...NODE_APP_LINES,
      'requests:',
      '  - { path: "/work?ms=10", weight: 3 }',
      '  - { method: POST, path: "/work?ms=30", headers: { content-type: application/json }, body: \'{"name":"x"}\', weight: 1 }',
      'duration: 1.5',
      'warmup: 0.3',
      'concurrency: [1, 4]',
      'deployments: [node]',
    ]);
    expect(run.results.map((r) => r.path)).toEqual(['mix: GET /work?ms=10 ×3, POST /work?ms=30 ×1', 'mix: GET /work?ms=10 ×3, POST /work?ms=30 ×1']);
    // 3 × 10 ms and 1 × 30 ms: 15 ms on average, plus the server's own time.
    expect(run.results[0]!.model.serviceMs).toBeGreaterThan(15);
    expect(run.results[0]!.model.serviceMs).toBeLessThan(20);
    expectModelHolds(run.results, 15);
  });

  it('behind nginx with upstreamKeepalive reuses upstream connections, which nginx by default does not', async () => {
    const requestsOnConnection = async (url: string) => {
      let most = 0;
      for (let i = 0; i < 20; i++) most = Math.max(most, Number((await fetch(url)).headers.get('x-requests-on-connection')));
      return most;
    };
    await withDeployment({ kind: 'node', app: NODE, proxy: 'nginx' }, async (d) => {
      expect(await requestsOnConnection(`${d.baseUrl}/healthz`)).toBe(1);
    });
    await withDeployment({ kind: 'node', app: NODE, proxy: 'nginx', nginx: { upstreamKeepalive: 4 } }, async (d) => {
      expect(await requestsOnConnection(`${d.baseUrl}/healthz`)).toBeGreaterThan(5);
    });
  });
});

// What a user's app is refused for is checked in-process, in app-refusals.unit.test.ts.
(await describeWith([python3]))('an interpreter for a WSGI app', () => {
  it('doctor --python says what an interpreter can host for a WSGI app, and refuses one that is not Python', () => {
    const ok = bench('doctor', '--python', '/usr/bin/python3');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/What \/usr\/bin\/python3 \(Python 3\.\d+\.\d+\) can host/);
    expect(ok.stdout).toMatch(/wsgiref +ok +the standard library/);
    expect(ok.stdout).not.toMatch(/node-prefork/);
    const bad = bench('doctor', '--python', join(work, 'no-python'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--python: .*no-python does not run as a Python interpreter/);
  });
});
