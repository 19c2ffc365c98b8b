import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchIn, workFolder } from './support/cli.js';
import { api, EventFeed, startServe, type Serving } from './support/serve.js';
import { serveForFile } from './support/serve-fixture.js';
import type { LiveTick } from '../harness/serve/protocol.js';
import { isLiving } from '../harness/process/procfs.js';
import { flask, gunicorn, nginx } from '../harness/software/catalog.js';
import { describeWith } from './support/software.js';

const MS = 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const alive = isLiving;

/** Ticks once the new setting has settled: the live window (2 s) holds only the new setting's answers. */
async function settledTicks(feed: EventFeed): Promise<LiveTick[]> {
  await new Promise((r) => setTimeout(r, 3500));
  return feed.ticksFor(2.5);
}

describe('bench serve', () => {
  const fixture = serveForFile('serve');
  const dir = fixture.dir;
  let serving: Serving;
  let feed: EventFeed;
  const seenPids: number[] = [];
  beforeAll(() => void ({ serving, feed } = fixture));

  it('refuses every request without the token it printed', async () => {
    expect((await fetch(serving.origin + '/api/options')).status).toBe(403);
    expect((await fetch(serving.origin + '/')).status).toBe(403);
    expect((await fetch(serving.origin + '/?token=wrong', { redirect: 'manual' })).status).toBe(403);
    expect(serving.cookie).toMatch(/^bench_serve=/);
    const page = await fetch(serving.origin + '/', { headers: { cookie: serving.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/assets/app.js');
  });

  it('serves Chart.js and the page from bench itself', async () => {
    const chart = await fetch(serving.origin + '/assets/chart.umd.js', { headers: { cookie: serving.cookie } });
    expect(chart.status).toBe(200);
    expect((await chart.text()).length).toBeGreaterThan(100_000);
  });

  it('names the field of a bad choice, and asks for a deployment before load', async () => {
    const bad = await api(serving, 'POST', '/api/deployment', { kind: 'nope', nginx: false });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/deployment\.kind/);
    const early = await api(serving, 'POST', '/api/load', { endpoint: 'io', ms: MS, mode: 'closed', clients: 8, rate: 10, slowClients: 0 });
    expect(early.status).toBe(409);
    const clients = await api(serving, 'POST', '/api/load', { endpoint: 'io', ms: MS, mode: 'closed', clients: 0, rate: 10, slowClients: 0 });
    expect(clients.status).toBe(400);
    expect(clients.json.error).toMatch(/load\.clients/);
  });

  it('shows one blocking worker at 1000/d with 1 of 1 busy, and L = λ·W', async () => {
    expect((await api(serving, 'POST', '/api/deployment', { kind: 'node-blocking', nginx: false })).status).toBe(202);
    const state = await feed.until((s) => s.deployment.status === 'ready' || s.deployment.status === 'failed', 30_000);
    expect(state.deployment).toMatchObject({ status: 'ready', label: 'node-blocking', capacity: 1, slotsPerProcess: 1 });
    expect((await api(serving, 'POST', '/api/load', { endpoint: 'io', ms: MS, mode: 'closed', clients: 8, rate: 10, slowClients: 0 })).status).toBe(202);
    const ticks = await settledTicks(feed);
    const rps = median(ticks.map((t) => t.rps));
    expect(rps / (1000 / MS)).toBeGreaterThan(0.9);
    expect(rps / (1000 / MS)).toBeLessThan(1.1);
    expect(median(ticks.map((t) => t.busy))).toBe(1);
    expect(ticks.at(-1)!.workers).toHaveLength(1);
    const last = ticks.at(-1)!;
    expect(median(ticks.map((t) => t.inFlight))).toBeGreaterThan(7);
    expect(median(ticks.map((t) => t.waiting))).toBeGreaterThan(6);
    // Little's law live: the measured λ·W against the measured L (each tick rests on some 20 answers).
    const little = median(ticks.map((t) => t.littleL! / t.inFlight));
    expect(little).toBeGreaterThan(0.8);
    expect(little).toBeLessThan(1.2);
    expect(last.predictedRps).toBe(1000 / MS);
    seenPids.push(...last.workers.map((w) => w.pid));
  });

  it('switches to a pre-fork pool of 4, keeps the load, and shows W·1000/d with 4 of 4 busy', async () => {
    expect((await api(serving, 'POST', '/api/deployment', { kind: 'node-prefork', workers: 4, nginx: false })).status).toBe(202);
    const second = await api(serving, 'POST', '/api/deployment', { kind: 'node-async', nginx: false });
    expect(second.status).toBe(409);
    expect(second.json.error).toMatch(/node-prefork ×4 is starting: wait until it is ready/);
    await feed.until((s) => s.deployment.label === 'node-prefork ×4' && s.deployment.status === 'ready' && s.load !== null, 30_000);
    const ticks = await settledTicks(feed);
    const rps = median(ticks.map((t) => t.rps));
    expect(rps / ((4 * 1000) / MS)).toBeGreaterThan(0.9);
    expect(rps / ((4 * 1000) / MS)).toBeLessThan(1.1);
    expect(median(ticks.map((t) => t.busy))).toBe(4);
    expect(ticks.at(-1)!.workers).toHaveLength(4);
    expect(seenPids.some(alive)).toBe(false);
    seenPids.push(...ticks.at(-1)!.workers.map((w) => w.pid));
  });

  it('saves what it showed as a run that bench report reads, a row per setting', async () => {
    const saved = await api(serving, 'POST', '/api/save');
    expect(saved.status).toBe(200);
    const run = JSON.parse(readFileSync(join(saved.json.dir, 'results.json'), 'utf8'));
    expect(run.results.map((r: { deployment: string }) => r.deployment)).toEqual(['node-blocking', 'node-prefork ×4']);
    for (const row of run.results) expect(row.concurrency).toBe(8);
    expect(run.results[0].throughputRatio).toBeGreaterThan(0.85);
    expect(run.results[1].throughputRatio).toBeGreaterThan(0.85);
    expect(run.results[0].timeline.length).toBeGreaterThan(2);
    expect(run.changes.map((c: { what: string }) => c.what)).toEqual(['start node-blocking', '/io?ms=100, 8 clients', 'start node-prefork ×4', '/io?ms=100, 8 clients']);
    expect(existsSync(join(saved.json.dir, 'throughput.png'))).toBe(true);
    const report = benchIn(dir)('report', saved.json.dir);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).not.toMatch(/warning|incomplete/i);
  });

  it('tears every server down on Ctrl-C and exits 130', async () => {
    expect(seenPids.filter(alive)).toHaveLength(4);
    expect(await serving.interrupt()).toBe(130);
    expect(seenPids.filter(alive)).toEqual([]);
  });
});

describe('bench serve --record, closed by its terminal (SIGHUP)', () => {
  const dir = workFolder('serve-record');

  it('refuses a --record folder that holds other files', () => {
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const r = benchIn(dir)('serve', '--record', '.');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .* is not empty/);
  });

  it('stops every server it started, removes its private folders, and leaves the session recorded', async () => {
    // A temp folder of its own, so that another bench's folders (a test running beside it) do not count.
    const privateTmp = join(dir, 'tmp');
    mkdirSync(privateTmp);
    const serving = await startServe(['--record', 'session'], dir, undefined, { TMPDIR: privateTmp });
    const feed = new EventFeed(serving);
    await feed.open();
    await api(serving, 'POST', '/api/deployment', { kind: 'node-prefork', workers: 2, nginx: false });
    await feed.until((s) => s.deployment.status === 'ready', 30_000);
    await api(serving, 'POST', '/api/load', { endpoint: 'io', ms: 50, mode: 'closed', clients: 4, rate: 10, slowClients: 0 });
    const ticks = await feed.ticksFor(3);
    const pids = ticks.at(-1)!.workers.map((w) => w.pid);
    expect(pids).toHaveLength(2);
    expect(readdirSync(privateTmp).filter((f) => f.startsWith('bench-serve-')), 'the deployment\'s private folder, while it runs').toHaveLength(1);
    feed.close();
    expect(await serving.interrupt('SIGHUP')).toBe(130);
    expect(pids.filter(isLiving)).toEqual([]);
    expect(readdirSync(privateTmp).filter((f) => f.startsWith('bench-serve-')), 'private folders left').toEqual([]);
    const run = JSON.parse(readFileSync(join(dir, 'session', 'results.json'), 'utf8'));
    expect(run.results).toHaveLength(1);
    expect(run.results[0]).toMatchObject({ deployment: 'node-prefork ×2', concurrency: 4 });
    expect(run.results[0].throughputRatio).toBeGreaterThan(0.8);
    expect(existsSync(join(dir, 'session', 'report.html'))).toBe(true);
  });
});

const describePython = await describeWith([flask, gunicorn, nginx]);

describePython('slow clients on the live page', () => {
  const dir = workFolder('serve-slow');

  it('stall a sync pool of 4 while they trickle, and barely move it behind nginx', async () => {
    const serving = await startServe([], dir);
    const feed = new EventFeed(serving);
    await feed.open();
    const load = (slowClients: number) => api(serving, 'POST', '/api/load', { endpoint: 'io', ms: 50, mode: 'closed', clients: 8, rate: 10, slowClients });
    const served: Record<string, { before: number; with4: number }> = {};
    for (const nginx of [false, true]) {
      await api(serving, 'POST', '/api/deployment', { kind: 'gunicorn-sync', workers: 4, nginx });
      const label = nginx ? 'gunicorn-sync+nginx ×4' : 'gunicorn-sync ×4';
      await feed.until((s) => s.deployment.label === label && s.deployment.status === 'ready', 30_000);
      await load(0);
      const before = median((await settledTicks(feed)).map((t) => t.rps));
      await load(4);
      const with4 = median((await settledTicks(feed)).map((t) => t.rps));
      served[label] = { before, with4 };
      await api(serving, 'POST', '/api/stop');
    }
    feed.close();
    expect(await serving.interrupt()).toBe(130);
    expect(served['gunicorn-sync ×4']!.before).toBeGreaterThan(0.9 * 80);
    expect(served['gunicorn-sync ×4']!.with4).toBeLessThan(0.15 * served['gunicorn-sync ×4']!.before);
    expect(served['gunicorn-sync+nginx ×4']!.with4).toBeGreaterThan(0.7 * served['gunicorn-sync+nginx ×4']!.before);
  });
});
