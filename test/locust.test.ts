import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { livingProcesses } from '../harness/process/procfs.js';
import type { RunResults } from '../harness/results.js';
import { flask, gunicorn, locust } from '../harness/software.js';
import { freePort } from '../harness/process/ports.js';
import { benchIn, BIN, workFolder } from './support/cli.js';
import { describeWith } from './support/software.js';

const describeLocust = await describeWith([locust, flask, gunicorn]);

/** Locust's processes (master and workers) run bench's locustfile. */
const locustProcesses = () =>
  livingProcesses().filter((p) => {
    try {
      return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes('bench_locustfile.py');
    } catch {
      return false;
    }
  });

const results = (dir: string): RunResults => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));

describeLocust('--generator locust', () => {
  const dir = workFolder('locust');
  const bench = benchIn(dir);
  const point = ['run', 'blocking-vs-workers', '--deployments', 'gunicorn-sync', '--workers', '3', '--path', '/io?ms=40', '--concurrency', '6', '--duration', '4', '--warmup', '1'];

  it('drives gunicorn-sync ×3 from a master and 2 workers within 10% of Little\'s law, and within 10% of the builtin engine', () => {
    const withLocust = bench(...point, '--generator', 'locust', '--locust-workers', '2', '--out', 'locust');
    expect(withLocust.code, withLocust.stderr).toBe(0);
    const row = results(join(dir, 'locust')).results[0]!;
    expect(row.generator).toMatchObject({ engine: 'locust', processes: 2, saturated: false });
    expect(row.throughputRatio).toBeGreaterThan(0.9);
    expect(row.throughputRatio).toBeLessThan(1.1);
    expect(row.latencyMs!.p50).toBeGreaterThan(40);
    expect(results(join(dir, 'locust')).settings.locust).toEqual({ workers: 2 });
    expect(results(join(dir, 'locust')).environment.software.locust).toMatch(/^2\./);
    const builtin = bench(...point, '--out', 'builtin');
    expect(builtin.code, builtin.stderr).toBe(0);
    const other = results(join(dir, 'builtin')).results[0]!;
    expect(row.throughputRps / other.throughputRps).toBeGreaterThan(0.9);
    expect(row.throughputRps / other.throughputRps).toBeLessThan(1.1);
    expect(locustProcesses()).toEqual([]);
  });

  it('waits for a worker that joins with bench locust-worker, as one from another machine would', async () => {
    const port = await freePort();
    const run = spawn(
      process.execPath,
      [BIN, ...point, '--generator', 'locust', '--locust-workers', '0', '--locust-remote-workers', '1', '--locust-master-bind', `127.0.0.1:${port}`, '--out', 'remote'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ran = new Promise<number | null>((done) => run.on('exit', done));
    await new Promise((r) => setTimeout(r, 1500));
    const worker = spawn(process.execPath, [BIN, 'locust-worker', '--master', `127.0.0.1:${port}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    worker.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const workerDone = new Promise<number | null>((done) => worker.on('exit', done));
    expect(await ran).toBe(0);
    expect(printed).toMatch(/running \S*locust -f \S+bench_locustfile\.py --worker --master-host 127\.0\.0\.1 --master-port \d+/);
    expect(await workerDone).toBe(0);
    const row = results(join(dir, 'remote')).results[0]!;
    expect(row.throughputRatio).toBeGreaterThan(0.9);
  });

  it('leaves no Locust process after Ctrl-C', async () => {
    const run = spawn(process.execPath, [BIN, ...point, '--duration', '20', '--generator', 'locust', '--locust-workers', '2', '--out', 'interrupted'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => run.on('exit', done));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && locustProcesses().length < 3) await new Promise((r) => setTimeout(r, 100));
    expect(locustProcesses().length).toBe(3);
    run.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(locustProcesses()).toEqual([]);
  });

  it('takes Locust flags only with --generator locust', () => {
    const r = bench(...point, '--locust-workers', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--locust-workers: only with --generator locust/);
  });
});
