import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../harness/results/types.js';
import { flask, gunicorn, locust, nginx } from '../harness/software/catalog.js';
import { BIN, workFolder } from './support/cli.js';
import { buildHosts, commandOf, describeWithHosts, leftFiles, type TestHost, type TestHosts } from './support/netns.js';
import { describeWith } from './support/software.js';

const describeHosts = (await describeWith([locust, flask, gunicorn, nginx])) === describe ? describeWithHosts() : describe.skip;

const MASTER_PORT = 5557;
const results = (dir: string): RunResults => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
const exitOf = (child: ChildProcess) => new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** The exit code of a child, or 'still running' after `ms`, so that a hang fails with what it printed. */
const exitWithin = (exited: Promise<number | null>, ms: number) => Promise.race([exited, sleep(ms).then(() => 'still running' as const)]);

/** Output of a child, kept for the failure message. */
function captured(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

/** Whether a Locust master's record under `dir` says a window opened. */
function windowOpened(dir: string): boolean {
  const records = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('reports.jsonl'));
  return records.some((f) => {
    try {
      return /"type": *"open"/.test(readFileSync(join(dir, f), 'utf8'));
    } catch {
      return false; // removed as the run ended
    }
  });
}

/** Waits until `host` has no process but its sshd listener, for up to `ms`; returns what is left, with commands. */
async function emptied(host: TestHost, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  while (host.processes().length > 0 && Date.now() < deadline) await sleep(100);
  return host.processes().map((pid) => `${host.name}: ${pid} ${commandOf(pid)}`);
}

// Four hosts, as the recipe in docs/beyond-one-machine.md has them: the server, bench with its Locust master, two workers.
describeHosts('bench across separate hosts (network namespaces: a server host over ssh, Locust workers on two more)', () => {
  const dir = workFolder('hosts');
  let net: TestHosts;
  let server: TestHost, benchHost: TestHost, workers: TestHost[];
  beforeAll(async () => {
    net = await buildHosts(['server', 'bench', 'worker1', 'worker2']);
    [server, benchHost, ...workers] = [net.hosts.server!, net.hosts.bench!, net.hosts.worker1!, net.hosts.worker2!];
  });
  afterEach(() => Object.values(net?.hosts ?? {}).forEach((host) => host.reset()));
  afterAll(() => net?.teardown());

  const remote = (alias = 'server') => ['--server-host', alias, '--ssh-config', net.sshConfig, '--server-bench', `${process.execPath} ${BIN}`];
  const cluster = () => ['--generator', 'locust', '--locust-workers', '0', '--locust-remote-workers', '2', '--locust-master-bind', `${benchHost.address}:${MASTER_PORT}`];
  const startWorkers = () =>
    workers.map((host) => {
      const child = host.spawn(process.execPath, [BIN, 'locust-worker', '--master', `${benchHost.address}:${MASTER_PORT}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      return { child, output: captured(child), exited: exitOf(child) };
    });
  const startBench = (args: string[]) => {
    const child = benchHost.spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    return { child, output: captured(child), exited: exitOf(child) };
  };
  const everyHost = () => [server, benchHost, ...workers];
  async function nothingLeft(hosts: TestHost[], ms: number) {
    const left = (await Promise.all(hosts.map((h) => emptied(h, ms)))).flat();
    expect(left, 'processes left on the hosts').toEqual([]);
    expect(hosts.flatMap((h) => leftFiles(h).map((f) => `${h.name}: ${f}`)), 'files left in the hosts\' TMPDIRs').toEqual([]);
  }

  it('runs two deployments at two levels each through one Locust cluster within 10% of Little\'s law at every point, and leaves nothing on any host', async () => {
    const workersRun = startWorkers();
    const run = startBench([
      'run', 'blocking-vs-workers', '--deployments', 'node-prefork,gunicorn-sync', '--workers', '4', '--path', '/io?ms=100',
      '--concurrency', '2,6', '--duration', '3', '--warmup', '1', ...remote(), ...cluster(), '--out', 'cluster',
    ]);
    expect(await run.exited, run.output()).toBe(0);
    const rows = results(join(dir, 'cluster')).results;
    console.log(rows.map((r) => `${r.deployment} c=${r.concurrency}: ${r.throughputRps} req/s (${r.throughputRatio} of the model)`).join('\n'));
    expect(rows.map((r) => [r.server, r.concurrency])).toEqual([['node-prefork', 2], ['node-prefork', 6], ['gunicorn-sync', 2], ['gunicorn-sync', 6]]);
    for (const row of rows) {
      expect(row.generator).toMatchObject({ engine: 'locust' });
      expect(row.throughputRatio, `${row.deployment} c=${row.concurrency}, timeline ${row.timeline.map((t) => t.rps).join(' ')}`).toBeGreaterThan(0.9);
      expect(row.throughputRatio, `${row.deployment} c=${row.concurrency}`).toBeLessThan(1.1);
      // The server listened on its host's own address, and only there.
      expect(row.serverArgs?.join(' ')).toContain(server.address);
    }
    // The server is on a machine of its own: no note that it may have shared the generator's cores.
    expect(readFileSync(join(dir, 'cluster', 'report.md'), 'utf8')).not.toMatch(/shared the generator's/);
    // Workers leave when the run ends: the master tells them.
    for (const w of workersRun) expect(await w.exited, w.output()).toBe(0);
    await nothingLeft(everyHost(), 5000);
  });

  it('predicts a server across a slow link within 10%, one measured round trip per request on a connection nginx keeps alive and two where gunicorn closes each', async () => {
    // 10 ms each way: a round trip of 20 ms, beside 100 ms of work per request (without the network
    // term, 0.83 and 0.71 of the model). The relay's own delays on a busy machine stay small beside both.
    const link = await net.delayedLink(benchHost, server, 10);
    const run = startBench([
      'run', 'blocking-vs-workers', '--deployments', 'node-prefork+nginx,gunicorn-sync', '--workers', '4', '--path', '/io?ms=100',
      '--concurrency', '4', '--duration', '3', '--warmup', '1', ...remote(link.alias), '--out', 'delayed',
    ]);
    expect(await exitWithin(run.exited, 60_000), run.output()).toBe(0);
    const rows = results(join(dir, 'delayed')).results;
    console.log(rows.map((r) => `${r.deployment} c=4 over a 20 ms round trip: ${r.throughputRps} req/s, ${r.throughputRatio} of the model (RTT ${r.network?.rttMs} ms × ${r.network?.roundTrips})`).join('\n'));
    expect(rows.map((r) => [r.server, r.proxy, r.network?.roundTrips])).toEqual([['node-prefork', 'nginx', 1], ['gunicorn-sync', 'none', 2]]);
    for (const row of rows) {
      expect(row.serverArgs?.join(' ')).toContain(link.address);
      expect(row.network!.rttMs).toBeGreaterThan(19);
      expect(row.network!.rttMs).toBeLessThan(30);
      expect(row.throughputRatio, `${row.deployment}, timeline ${row.timeline.map((t) => t.rps).join(' ')}`).toBeGreaterThan(0.9);
      expect(row.throughputRatio, row.deployment).toBeLessThan(1.1);
    }
    expect(readFileSync(join(dir, 'delayed', 'report.md'), 'utf8')).toMatch(/RTT/);
  }, 60_000);

  it('marks a point whose Locust worker was killed mid-window, and never reports more than its timeline adds up to', async () => {
    const workersRun = startWorkers();
    const run = startBench(['run', 'blocking-vs-workers', '--deployments', 'node-prefork', '--workers', '4', '--path', '/io?ms=50', '--concurrency', '6', '--duration', '5', '--warmup', '0.5', ...remote(), ...cluster(), '--out', 'lost']);
    await windowUnderway(run.output);
    // The worker's host goes down at once: bench locust-worker and its Locust process, without a word to the master.
    for (const pid of workers[0]!.processes()) process.kill(pid, 'SIGKILL');
    expect(await exitWithin(run.exited, 30_000), run.output()).toBe(0);
    expect(await exitWithin(workersRun[1]!.exited, 10_000), workersRun[1]!.output()).toBe(0);
    const [row] = results(join(dir, 'lost')).results;
    const timeline = row!.timeline!.reduce((n, s) => n + s.rps, 0) / 5;
    console.log(`a worker killed mid-window: ${row!.throughputRps} req/s (${row!.throughputRatio} of the model), the timeline adds up to ${timeline.toFixed(1)} req/s`);
    expect(row!.throughputRatio).toBeLessThan(1.1);
    expect(row!.throughputRps).toBeLessThanOrEqual(timeline * 1.02);
    expect(row!.generatorChanges).toEqual([expect.objectContaining({ change: 'worker lost', repeat: 1 })]);
    expect(row!.generatorChanges![0]!.t).toBeGreaterThan(0);
    expect(row!.generatorChanges![0]!.t).toBeLessThan(5);
    expect(readFileSync(join(dir, 'lost', 'report.md'), 'utf8')).toMatch(/worker \S+ lost \d+\.\d s into the window/);
  }, 60_000);

  const farSide = () => server.processes().filter((pid) => !commandOf(pid).startsWith('sshd'));

  it('ends the far side within 15 s of its link being cut, and the run fails naming the server host', async () => {
    // A window long enough to outlast the far side's 15 s, so that the cut is all that ends it.
    const run = startBench(['run', 'blocking-vs-workers', '--deployments', 'node-prefork', '--workers', '2', '--path', '/io?ms=50', '--concurrency', '4', '--duration', '16', '--warmup', '0', ...remote(), '--out', 'cut']);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && farSide().filter((pid) => commandOf(pid).includes(join('dist', 'servers'))).length < 3) await sleep(100);
    expect(farSide().length, run.output()).toBeGreaterThan(0);
    await sleep(1000);
    server.cut();
    const cutAt = Date.now();
    // sshd's own session waits for its TCP connection to time out (sshd_config's ClientAliveInterval is the
    // server's setting, not bench's): the far side is what bench started under it.
    while (Date.now() < cutAt + 15_000 && farSide().length > 0) await sleep(100);
    const goneS = (Date.now() - cutAt) / 1000;
    server.restore();
    console.log(`far side gone ${goneS.toFixed(1)} s after the cut`);
    expect(farSide().map((pid) => commandOf(pid)), 'processes bench started on the server host, 15 s after its link was cut').toEqual([]);
    expect(leftFiles(server), 'files left in the server host\'s TMPDIR').toEqual([]);
    // With the link back, whatever bench's ssh hears (a reset, or the far side's exit) fails the deployment.
    expect(await exitWithin(run.exited, 30_000), run.output()).toBe(1);
    console.log(`bench exited ${((Date.now() - cutAt) / 1000).toFixed(1)} s after the cut`);
    expect(results(join(dir, 'cut')).failures).toEqual([expect.objectContaining({ deployment: 'node-prefork ×2', reason: expect.stringMatching(/on server \(ssh\)/) })]);
    expect(benchHost.processes()).toEqual([]);
  });

  it('leaves nothing on any host after Ctrl-C of bench mid-window', async () => {
    const workersRun = startWorkers();
    const run = startBench(['run', 'blocking-vs-workers', '--deployments', 'node-prefork', '--workers', '2', '--path', '/io?ms=50', '--concurrency', '4', '--duration', '20', '--warmup', '0', ...remote(), ...cluster(), '--out', 'interrupted']);
    await windowUnderway(run.output);
    run.child.kill('SIGINT');
    expect(await exitWithin(run.exited, 15_000), run.output()).toBe(130);
    // The master tells its workers to quit as it stops.
    for (const w of workersRun) expect(await exitWithin(w.exited, 10_000), w.output()).toBe(0);
    await nothingLeft(everyHost(), 5000);
  });

  it('leaves nothing on any host after SIGKILL of bench mid-window', async () => {
    const workersRun = startWorkers();
    const run = startBench(['run', 'blocking-vs-workers', '--deployments', 'node-prefork', '--workers', '2', '--path', '/io?ms=50', '--concurrency', '4', '--duration', '20', '--warmup', '0', ...remote(), ...cluster(), '--out', 'killed']);
    await windowUnderway(run.output);
    run.child.kill('SIGKILL');
    await run.exited;
    // bench's guardian stops what it started: the far side, and the Locust master, which tells its workers to leave.
    for (const w of workersRun) expect(await exitWithin(w.exited, 10_000), w.output()).toBe(0);
    await nothingLeft(everyHost(), 5000);
  });

  /**
   * Resolves 1.5 s into a window: once the Locust master on the bench host has written that it
   * opened one (its record, reports.jsonl, in bench's private folder under the host's TMPDIR).
   */
  async function windowUnderway(output: () => string) {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !windowOpened(benchHost.tmp)) await sleep(100);
    expect(windowOpened(benchHost.tmp), output()).toBe(true);
    await sleep(1500);
  }
});
