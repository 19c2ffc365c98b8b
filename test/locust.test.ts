import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { livingProcesses } from '../harness/process/procfs.js';
import type { RunResults } from '../harness/results/types.js';
import { flask, gunicorn, locust } from '../harness/software/catalog.js';
import { freePort } from '../harness/process/ports.js';
import { locustfile } from '../harness/files/bench-paths.js';
import { LocustCluster } from '../harness/load/locust/cluster.js';
import { benchIn, BIN, workFolder } from './support/cli.js';
import { describeWith } from './support/software.js';

const describeLocust = await describeWith([locust, flask, gunicorn]);

/**
 * Locust's processes (master and workers) run bench's locustfile: this checkout's, not another's
 * whose tests run beside these; with a port, only those of the master bound to it.
 */
const locustProcesses = (port?: number) =>
  livingProcesses().filter((p) => {
    try {
      const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8');
      return cmdline.includes(locustfile) && (port === undefined || new RegExp(`\0--master-(bind-)?port\0${port}\0`).test(cmdline));
    } catch {
      return false;
    }
  });

const results = (dir: string): RunResults => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));

describeLocust('--generator locust', () => {
  const dir = workFolder('locust');
  const bench = benchIn(dir);
  const point = ['run', 'blocking-vs-workers', '--deployments', 'gunicorn-sync', '--workers', '3', '--path', '/io?ms=40', '--concurrency', '6', '--duration', '4', '--warmup', '1'];
  // A longer service time than point's: Locust's few ms per request on a busy machine stay within the 10%.
  const twoPoints = ['run', 'blocking-vs-workers', '--deployments', 'gunicorn-sync', '--workers', '3', '--path', '/io?ms=80', '--concurrency', '3,6', '--duration', '3', '--warmup', '1'];

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

  /** A run whose master binds a free loopback port for `remote` workers started with bench locust-worker; the run's exit code, and its output. */
  async function clusterRun(out: string, remote: number, args: string[]) {
    const port = await freePort();
    const run = spawn(
      process.execPath,
      [BIN, ...twoPoints, '--generator', 'locust', '--locust-workers', '0', '--locust-remote-workers', String(remote), '--locust-master-bind', `127.0.0.1:${port}`, '--out', out, ...args],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    run.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const ran = new Promise<number | null>((done) => run.on('exit', done));
    return { port, ran, output: () => stdout };
  }

  /** `bench locust-worker` joining the master at port: its exit, its output, and the locust process it runs. */
  function worker(port: number) {
    const child = spawn(process.execPath, [BIN, 'locust-worker', '--master', `127.0.0.1:${port}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const locustPid = () => locustProcesses().find((p) => readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(child.pid))?.pid;
    return { done, printed: () => printed, locustPid };
  }

  /** Resolves once the Locust master bound to port has opened a window (its record says so), `after` ms later. */
  async function windowOpened(port: number, after: number) {
    const deadline = Date.now() + 40_000;
    for (;;) {
      const master = locustProcesses(port).find((p) => readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes('\0--master\0'));
      const log = master && readFileSync(`/proc/${master.pid}/environ`, 'utf8').split('\0').find((v) => v.startsWith('BENCH_LOCUST_LOG='));
      if (log && readFileSync(log.slice('BENCH_LOCUST_LOG='.length), 'utf8').includes('"type": "open"')) break;
      if (Date.now() > deadline) throw new Error('the Locust master opened no window within 40 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, after));
  }

  /**
   * Little's law on what the window measured (c clients each waiting the mean latency: c / mean req/s)
   * within 10%: the count over the window is right. The model's ratio gets a wider band: how fast
   * the server itself was depends on what else this shared machine runs.
   */
  const withinLittlesLaw = (row: RunResults['results'][number]) => {
    const littles = row.concurrency / (row.latencyMs!.mean / 1000);
    expect(row.throughputRps / littles, `c=${row.concurrency}`).toBeGreaterThan(0.9);
    expect(row.throughputRps / littles, `c=${row.concurrency}`).toBeLessThan(1.1);
    expect(row.throughputRatio, `c=${row.concurrency}`).toBeGreaterThan(0.8);
    expect(row.throughputRatio, `c=${row.concurrency}`).toBeLessThan(1.1);
  };

  it('keeps two bench locust-worker processes for a two-point run, both points within 10% of Little\'s law, and sends them away at its end', async () => {
    const { port, ran, output } = await clusterRun('two-points', 2, []);
    await new Promise((r) => setTimeout(r, 1000));
    const workers = [worker(port), worker(port)];
    expect(await ran, output()).toBe(0);
    expect(await Promise.all(workers.map((w) => w.done))).toEqual([0, 0]);
    expect(workers[0]!.printed()).toMatch(/running \S*locust -f \S+bench_locustfile\.py --worker --master-host 127\.0\.0\.1 --master-port \d+/);
    const rows = results(join(dir, 'two-points')).results;
    expect(rows.map((row) => row.concurrency)).toEqual([3, 6]);
    for (const row of rows) {
      withinLittlesLaw(row);
      expect(row.generator.processes).toBe(2);
      expect(row.generatorChanges).toBeUndefined();
    }
    expect(locustProcesses(port)).toEqual([]);
  });

  it('marks a point whose worker was killed mid-window, counts no more than its timeline, and fails it under --strict', async () => {
    const { port, ran, output } = await clusterRun('killed', 2, ['--concurrency', '6', '--duration', '5', '--strict']);
    const workers = [worker(port), worker(port)];
    await windowOpened(port, 2000);
    process.kill(workers[1]!.locustPid()!, 'SIGKILL');
    expect(await ran).toBe(1);
    expect(await workers[0]!.done).toBe(0);
    const run = results(join(dir, 'killed'));
    const row = run.results[0]!;
    expect(row.generatorChanges).toEqual([expect.objectContaining({ change: 'worker lost', repeat: 1 })]);
    expect(row.generatorChanges![0]!.t).toBeGreaterThan(1);
    expect(row.generatorChanges![0]!.t).toBeLessThan(3.5);
    const timelineMean = row.timeline.reduce((sum, s) => sum + s.rps, 0) / row.timeline.length;
    expect(row.throughputRps).toBeLessThanOrEqual(timelineMean * 1.02);
    expect(run.failures).toEqual([expect.objectContaining({ deployment: 'gunicorn-sync ×3', reason: expect.stringMatching(/worker \S+ lost \d\.\d s into the window.*--strict/) })]);
    expect(output()).toMatch(/WORKERS-CHANGED/);
    expect(readFileSync(join(dir, 'killed', 'report.md'), 'utf8')).toMatch(/WORKERS-CHANGED at c=6: worker \S+ lost/);
    expect(locustProcesses(port)).toEqual([]);
  });

  it('gives a worker that joins mid-run its config: the point it joined is marked, and the next one is driven by both within 10%', async () => {
    const { port, ran, output } = await clusterRun('joined', 1, ['--duration', '4']);
    const first = worker(port);
    // A worker takes a second or two to start: it joins well inside the window.
    await windowOpened(port, 0);
    const late = worker(port);
    expect(await ran, output()).toBe(0);
    expect(await Promise.all([first.done, late.done])).toEqual([0, 0]);
    const [joinedAt, next] = results(join(dir, 'joined')).results;
    expect(joinedAt!.generatorChanges).toEqual([expect.objectContaining({ change: 'worker joined' })]);
    expect(next!.generatorChanges).toBeUndefined();
    expect(next!.generator.processes).toBe(2);
    withinLittlesLaw(next!);
    // Users it got before its config arrived waited for it, without a word.
    expect(late.printed().length).toBeLessThan(2000);
  });

  it('records a Locust master that cannot start as the deployment\'s failure, and writes the reports, with no stack trace', async () => {
    const squatter = createServer();
    const port = await freePort();
    await new Promise<void>((listening) => squatter.listen(port, '127.0.0.1', listening));
    try {
      const r = bench(...point, '--duration', '2', '--generator', 'locust', '--locust-workers', '1', '--locust-master-bind', `127.0.0.1:${port}`, '--out', 'no-master');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const run = results(join(dir, 'no-master'));
      expect(run.complete).toBe(true);
      expect(run.failures).toEqual([expect.objectContaining({ deployment: 'gunicorn-sync ×3', reason: expect.stringMatching(/the load generator failed: Locust stopped \(locust master exited/) })]);
      expect(readFileSync(join(dir, 'no-master', 'report.md'), 'utf8')).toMatch(/gunicorn-sync ×3 failed: the load generator failed/);
    } finally {
      squatter.close();
    }
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

  it('keeps its master when the last worker quits mid-window, and ends it as soon as the run says so, window or not', async () => {
    const port = await freePort();
    const cluster = new LocustCluster({ workers: 0, remoteWorkers: 1, masterBind: { host: '127.0.0.1', port } });
    const only = worker(port);
    const interrupt = new AbortController();
    let opened: () => void;
    const windowOpen = new Promise<void>((resolve) => (opened = resolve));
    // One request a second to a port nothing listens on: the window's figures do not matter here.
    const config = { host: 'http://127.0.0.1:9', requests: [{ method: 'GET', path: '/', headers: {}, weight: 1, name: '/' }], perUserRps: 1, warmupS: 0, durationS: 30, timeoutS: 1 };
    const point = cluster.point({ users: 1, config }, undefined, { waiting: () => {}, starting: () => {}, windowOpened: () => opened() }, interrupt.signal);
    try {
      await windowOpen;
      // Ctrl-C of a worker says quit to the master; a headless Locust master whose last worker quits quits too.
      process.kill(only.locustPid()!, 'SIGINT');
      await only.done;
      await new Promise((r) => setTimeout(r, 1500));
      expect(locustProcesses(port).map((p) => p.pid), 'the master, still there for the next point').toHaveLength(1);
      interrupt.abort();
      expect(await point).toBeUndefined();
    } finally {
      const closing = performance.now();
      await cluster.close();
      // A master that reads bench's quit only when its 30 s window ends is stopped after 5 s of waiting for it.
      expect(performance.now() - closing).toBeLessThan(4000);
    }
    expect(locustProcesses(port)).toEqual([]);
  });

  it('takes Locust flags only with --generator locust', () => {
    const r = bench(...point, '--locust-workers', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--locust-workers: only with --generator locust/);
  });
});
