import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { findKind } from '../harness/deployments/kinds.js';
import { launch, type LaunchOptions } from '../harness/deployments/launch.js';
import { deathOf } from '../harness/deployments/liveness.js';
import { measurePoint } from '../harness/load/measure.js';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import type { RunResults } from '../harness/results/types.js';
import { findExecutable, type Software } from '../harness/software/catalog.js';
import { benchIn, workFolder } from './support/cli.js';
import { describeWith } from './support/software.js';

const python3: Software = { name: 'python3', apt: ['python3'], detect: async () => (findExecutable('python3') ? 'on PATH' : undefined) };

const work = workFolder('external');
const bench = benchIn(work);
const site = join(work, 'site');
mkdirSync(site);
writeFileSync(join(site, 'healthz'), 'ok\n');

const servers: ChildProcess[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.kill('SIGKILL');
});

/**
 * Python's own `python3 -m http.server`, which knows no /health, on a free loopback port (port 0:
 * the port it says it took); it serves `site`, and 404 for anything else.
 */
function httpServer(): Promise<{ url: string; server: ChildProcess }> {
  const server = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', site], {
    // It logs each request to stderr: a pipe nobody reads would fill and stop it.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  servers.push(server);
  return new Promise((resolve, reject) => {
    let said = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const port = /port (\d+)/.exec(said)?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}`, server });
    });
    server.on('exit', (code) => reject(new Error(`python3 -m http.server exited (${code}) before it listened: ${said}`)));
  });
}

function attach(spec: Partial<DeploymentSpec> & { url: string }, options: Partial<LaunchOptions> = {}) {
  return launch({ kind: 'external', workers: 1, proxy: 'none', ...spec }, findKind('external')!, 'python http.server', { tmpDir: work, readyTimeoutMs: 5000, ...options });
}

(await describeWith([python3]))('an external server that knows no /health (python3 -m http.server)', () => {
  it('is measured at three load levels under its own label, and the run exits 0', async () => {
    const { url } = await httpServer();
    writeFileSync(
      join(work, 'bench.yaml'),
      `path: /\nduration: 1\nwarmup: 0.3\nconcurrency: [1, 4, 8]\ndeployments:\n  - kind: external\n    url: ${url}\n    label: python http.server\n`,
    );
    const r = bench('run', 'bench.yaml', '--out', 'run');
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(work, 'run', 'results.json'), 'utf8')) as RunResults;
    expect(run.failures).toEqual([]);
    expect(run.results.map((row) => [row.deployment, row.concurrency])).toEqual([
      ['python http.server', 1],
      ['python http.server', 4],
      ['python http.server', 8],
    ]);
    for (const row of run.results) {
      expect(row).toMatchObject({ errors: 0, timeouts: 0, non2xx: 0 });
      // Little's law on the client's side: c requests always in flight, each taking the mean latency.
      const inFlight = (row.throughputRps * row.latencyMs!.mean) / 1000;
      expect(inFlight / row.concurrency, `${row.throughputRps} req/s × ${row.latencyMs!.mean} ms at c=${row.concurrency}`).toBeGreaterThan(0.7);
      expect(inFlight / row.concurrency, `${row.throughputRps} req/s × ${row.latencyMs!.mean} ms at c=${row.concurrency}`).toBeLessThan(1.3);
    }
    expect(readFileSync(join(work, 'run', 'report.md'), 'utf8')).toMatch(/^\| python http\.server \| 8 \|/m);
    expect(readFileSync(join(work, 'run', 'report.html'), 'utf8')).toContain('<td>python http.server</td>');
  });

  it('is measured at a url that names its host (localhost), not only at an address', async () => {
    const { url } = await httpServer();
    const named = url.replace('127.0.0.1', 'localhost');
    const d = await attach({ url: named });
    const m = await measurePoint({ url: `${d.baseUrl}/`, concurrency: 4, warmupS: 0.2, durationS: 1, timeoutS: 10 });
    expect(m).toMatchObject({ errors: 0, non2xx: 0 });
    expect(m.requests).toBeGreaterThan(20);
  });

  it('is alive while its measured path answers, even 404, and dead once nothing answers there', async () => {
    const { url, server } = await httpServer();
    const d = await attach({ url }, { measuredPath: '/no-such-page' });
    expect(d.healthPath).toBe('/no-such-page');
    expect(await deathOf(d, 2000)).toBeUndefined();
    server.kill('SIGKILL');
    await new Promise((done) => server.once('exit', done));
    expect(await deathOf(d, 1000)).toBe(`it stopped answering ${url}/no-such-page within 1 s`);
  });

  it('is asked at its health: path, which must answer 2xx', async () => {
    const { url } = await httpServer();
    const d = await attach({ url, health: '/healthz' }, { measuredPath: '/' });
    expect(d.healthPath).toBe('/healthz');
    expect(await deathOf(d, 2000)).toBeUndefined();
    await expect(attach({ url, health: '/nope' }, { readyTimeoutMs: 1000 })).rejects.toThrow(
      `python http.server did not start: ${url}/nope (its health:) did not answer 2xx within 1 s; name a path that answers 2xx while the server is up`,
    );
  });
});
