import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, benchIn, workFolder } from './support/cli.js';
import type { RunResults } from '../harness/results/types.js';
import { checkResults } from '../harness/results/schema.js';

const work = workFolder('cli');
const bench = benchIn(work);

/** The same, without blocking this process: for tests whose server runs in it. */
function benchAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('the bench command', () => {
  it('runs a tiny scenario end to end and writes results.json and both charts', () => {
    writeFileSync(
      join(work, 'tiny.yaml'),
      [
        'path: /io?ms=20',
        'duration: 1',
        'warmup: 0.2',
        'concurrency: [1, 4]',
        'deployments:',
        '  - node-blocking',
        '  - kind: node-prefork',
        '    workers: 2',
      ].join('\n'),
    );
    const r = bench('run', 'tiny.yaml', '--out', 'out');
    expect(r.stderr).toMatch(/node-prefork ×2/);
    expect(r.code).toBe(0);
    const run = JSON.parse(readFileSync(join(work, 'out', 'results.json'), 'utf8')) as RunResults;
    // What bench writes, bench reads back: the file passes the schema every reader checks.
    expect(checkResults(run)).toEqual({ run });
    expect(run.scenario).toBe('tiny');
    expect(run.complete).toBe(true);
    expect(run.environment.cpus).toBeGreaterThan(0);
    expect(run.results.map((row) => [row.deployment, row.concurrency])).toEqual([
      ['node-blocking', 1],
      ['node-blocking', 4],
      ['node-prefork ×2', 1],
      ['node-prefork ×2', 4],
    ]);
    for (const row of run.results) {
      expect(row).toMatchObject({ proxy: 'none', durationS: 1, errors: 0, timeouts: 0, non2xx: 0 });
      expect(row.latencyMs!.p50).toBeGreaterThanOrEqual(20);
    }
    // Little's law at d = 20 ms: blocking 50 req/s at any c, a pool of 2 serves 100 at c = 4.
    const rps = run.results.map((row) => row.throughputRps);
    expect(rps[1]! / 50).toBeGreaterThan(0.85);
    expect(rps[1]! / 50).toBeLessThan(1.15);
    expect(rps[3]! / rps[1]!).toBeGreaterThan(1.7);
    for (const chart of ['throughput.png', 'latency.png']) {
      expect(readFileSync(join(work, 'out', chart)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    }
    expect(r.stdout).toMatch(/node-prefork ×2/);
  });

  it('measures an external server it did not start, on loopback, and leaves it running', async () => {
    const server = createServer((_req, res) => setTimeout(() => res.end('ok'), 20));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    writeFileSync(
      join(work, 'external.yaml'),
      `path: /anything\nduration: 1\nwarmup: 0.2\nconcurrency: [4]\ndeployments:\n  - kind: external\n    url: http://127.0.0.1:${port}\n`,
    );
    const r = await benchAsync('run', 'external.yaml', '--out', 'ext');
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(work, 'ext', 'results.json'), 'utf8')) as RunResults;
    expect(run.results[0]).toMatchObject({ deployment: `external 127.0.0.1:${port}`, server: 'external', predictedThroughputRps: null, errors: 0 });
    // 4 in flight, ~21 ms each.
    expect(run.results[0]!.throughputRps).toBeGreaterThan(4 * (1000 / 21) * 0.85);
    expect(server.listening).toBe(true);
    await new Promise((done) => server.close(done));
  });

  it('exits 2 and names the flag when a flag value is bad', () => {
    const r = bench('run', 'blocking-vs-workers', '--concurrency', '1,x,4');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--concurrency/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 on an unknown flag and suggests the right one', () => {
    const r = bench('run', 'blocking-vs-workers', '--worker', '4');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--worker'/);
    expect(r.stderr).toMatch(/--workers/);
  });

  it('exits 2 and names the file and key when a scenario is invalid', () => {
    writeFileSync(join(work, 'bad.yaml'), 'path: /io\nduration: 1\nconcurrency: [1]\ndeployments: [node-async]\nspeed: 3\n');
    const r = bench('run', 'bad.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:5:1: unknown key "speed"/);
  });

  it('exits 2 for an unknown scenario name and suggests the closest', () => {
    const r = bench('run', 'blocking-vs-worker');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did you mean "blocking-vs-workers"/);
  });

  it('lists the scenarios and deployment kinds', () => {
    const r = bench('list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/blocking-vs-workers/);
    expect(r.stdout).toMatch(/node-prefork/);
  });

  it('prints help that names every run flag', () => {
    const r = bench('run', '--help');
    expect(r.code).toBe(0);
    for (const flag of ['--out', '--duration', '--warmup', '--concurrency', '--workers', '--path', '--deployments', '--quick']) {
      expect(r.stdout).toContain(flag);
    }
  });
});
