import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toRow } from '../harness/results/aggregate.js';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import { findKind } from '../harness/deployments/kinds.js';
import { modelGap, type GapEvidence } from '../harness/model/gap.js';
import type { PlannedDeployment } from '../harness/plan/build-plan.js';
import type { Placement, ResultRow } from '../harness/results/types.js';
import { checkResults } from '../harness/results/schema.js';
import { writeReports } from '../reports/index.js';
import { formatTable } from '../reports/tables/table.js';
import { row, run } from './support/results.js';
import { sample, SHARED, times } from './support/samples.js';

const SEPARATE: Placement = { mode: 'separate', serverCpus: '0', generatorCpus: '1', serverCores: 1 };

function evidence(kind: string, spec: Partial<DeploymentSpec> = {}, more: Partial<GapEvidence> = {}): GapEvidence {
  return { kind: findKind(kind)!, spec: { kind, workers: 1, proxy: 'none', ...spec }, placement: SHARED, generatorLimits: [], ...more };
}

/** A gthread ×3 (2 threads) row at 12 clients on /io?ms=40: Little's law says 150 req/s. */
function gthreadRow(throughputRps: number, fields: Partial<ResultRow> = {}): ResultRow {
  return row({
    deployment: 'gunicorn-gthread ×3 (2 threads)',
    concurrency: 12,
    throughputRps,
    path: '/io?ms=40',
    workers: 3,
    threads: 2,
    predictedThroughputRps: 150,
    throughputRatio: Math.round((throughputRps / 150) * 1000) / 1000,
    model: { capacity: 6, bound: '3 workers × 2 threads', serviceMs: 40 },
    ...fields,
  });
}

const GTHREAD = { workers: 3, threads: 2 };
const kinds = (gap: ReturnType<typeof modelGap>) => gap?.reasons.map((r) => r.kind);

describe('the model gap', () => {
  it('leaves a row within 0.85–1.10 of its prediction, or without one, alone', () => {
    expect(modelGap(gthreadRow(130), evidence('gunicorn-gthread', GTHREAD))).toBeUndefined();
    expect(modelGap(gthreadRow(160), evidence('gunicorn-gthread', GTHREAD))).toBeUndefined();
    expect(modelGap(row({ deployment: 'node-async', concurrency: 8, throughputRps: 9000, path: '/hello' }), evidence('node-async'))).toBeUndefined();
  });

  it("names the skew of a pool's workers with each one's share of the requests, and the cap those shares put on the pool", () => {
    // Seven of twelve kept-alive connections on one worker: it serves 2 at a time at 50 req/s, the pool at most 50 / 0.58.
    const answers = [
      { pid: 101, responses: 145, connections: 7 },
      { pid: 102, responses: 62, connections: 3 },
      { pid: 103, responses: 43, connections: 2 },
    ];
    const gap = modelGap(gthreadRow(83.3), evidence('gunicorn-gthread', GTHREAD, { answers }))!;
    expect(gap.ratio).toBe(0.555);
    const [spread] = gap.reasons;
    expect(spread!.kind).toBe('uneven-spread');
    expect(spread!.evidence).toEqual({
      source: 'responses',
      workers: [
        { pid: 101, share: 0.58, connections: 7 },
        { pid: 102, share: 0.248, connections: 3 },
        { pid: 103, share: 0.172, connections: 2 },
      ],
      keptAlive: true,
      busiestCapacityRps: 50,
      spreadCapRps: 86.21,
    });
    expect(spread!.text).toBe(
      'uneven spread over 3 workers (skewed: 58%, 25%, 17% of the requests); keep-alive connections stay with the worker that accepted them ' +
        "(7, 3, 2 of 12 connections); the busiest worker's 2 threads serve at most 50.0 req/s, which caps the pool at 86.2 req/s under these shares",
    );
  });

  it('counts a worker that answered nothing at 0%, from the processes the sampler saw', () => {
    const processCpu = [
      { pid: 100, leader: true, cpuPercent: 1 },
      { pid: 101, leader: false, cpuPercent: 6 },
      { pid: 102, leader: false, cpuPercent: 0.2 },
      { pid: 103, leader: false, cpuPercent: 0.1 },
    ];
    const gap = modelGap(gthreadRow(48), evidence('gunicorn-gthread', GTHREAD, { answers: [{ pid: 101, responses: 144, connections: 12 }], processCpu }))!;
    const spread = gap.reasons[0]!;
    if (spread.kind !== 'uneven-spread') throw new Error(spread.kind);
    expect(spread.evidence.workers.map((w) => [w.pid, w.share])).toEqual([[101, 1], [102, 0], [103, 0]]);
    expect(spread.evidence.spreadCapRps).toBe(50);
  });

  it("takes a user's app's shares from its workers' CPU time, the master left out", () => {
    const processCpu = [
      { pid: 100, leader: true, cpuPercent: 30 },
      { pid: 101, leader: false, cpuPercent: 60 },
      { pid: 102, leader: false, cpuPercent: 20 },
    ];
    const spec = { workers: 2, threads: 2, app: { kind: 'wsgi' as const, wsgi: 'app:app', dir: '/app', python: 'python3', health: '/' } };
    const r = row({ deployment: 'gunicorn-gthread ×2 (2 threads)', concurrency: 8, throughputRps: 60, predictedThroughputRps: 100, throughputRatio: 0.6, model: { capacity: 4, bound: '2 workers × 2 threads', serviceMs: 40, serviceSource: 'measured' } });
    const spread = modelGap(r, evidence('gunicorn-gthread', spec, { processCpu }))!.reasons[0]!;
    expect(spread.kind).toBe('uneven-spread');
    expect(spread.evidence).toMatchObject({ source: 'cpu', workers: [{ pid: 101, share: 0.75 }, { pid: 102, share: 0.25 }] });
    expect(spread.text).toMatch(/75%, 25% of their CPU time, since a user's app does not say which worker answered\)/);
  });

  it('does not blame an even spread, nor shares whose cap is above the prediction', () => {
    const even = [101, 102, 103].map((pid) => ({ pid, responses: 40, connections: 4 }));
    expect(kinds(modelGap(gthreadRow(120), evidence('gunicorn-gthread', GTHREAD, { answers: even })))).toEqual(['none']);
    // Six, four and two connections: every worker's two threads stay busy; the spread caps nothing.
    const busy = [
      { pid: 101, responses: 50, connections: 6 },
      { pid: 102, responses: 40, connections: 4 },
      { pid: 103, responses: 30, connections: 2 },
    ];
    expect(kinds(modelGap(gthreadRow(120), evidence('gunicorn-gthread', { workers: 3, threads: 4 }, { answers: busy })))).toEqual(['none']);
  });

  it('says the cores were the limit when they were busy, naming who used them', () => {
    const r = row({ deployment: 'gunicorn-sync ×4', concurrency: 8, throughputRps: 60, predictedThroughputRps: 100, throughputRatio: 0.6, path: '/cpu?ms=20', resources: { cpuPercent: 130, peakRssMb: 50, peakPssMb: 30, processes: 5 }, generator: { engine: 'builtin', placement: 'shared', cpuPercent: 55, cpuMsPerRequest: 0.1, eventLoopDelayMs: null, saturated: false } });
    const reason = modelGap(r, evidence('gunicorn-sync', { workers: 4 }, { machineCpu: [99, 97] }))!.reasons[0]!;
    expect(reason).toEqual({
      kind: 'cores',
      text: 'the cores were the limit: the 2 cores were 98% busy (the server 130% of a core, the generator 55% of a core, other processes 11% of a core)',
      evidence: { cores: 2, busyPercent: 196, serverPercent: 130, generatorPercent: 55, otherPercent: 11 },
    });
    // A server that needed 3% of a core was not denied it by other processes keeping the core busy.
    const idle = { ...r, resources: { ...r.resources, cpuPercent: 3 } };
    expect(kinds(modelGap(idle, evidence('gunicorn-sync', { workers: 4 }, { placement: SEPARATE, machineCpu: [100, 40] })))).toEqual(['none']);
  });

  it("says each of the app's processes used a whole core when fewer processes than cores were the limit", () => {
    const r = row({ deployment: 'node-async', concurrency: 64, throughputRps: 800, predictedThroughputRps: 1000, throughputRatio: 0.8, resources: { cpuPercent: 99, peakRssMb: 50, peakPssMb: 30, processes: 1 } });
    const reason = modelGap(r, evidence('node-async', {}, { processCpu: [{ pid: 7, leader: true, cpuPercent: 99 }], machineCpu: [100, 30] }))!.reasons[0]!;
    expect(reason.kind).toBe('cores');
    expect(reason.text).toMatch(/each of the app's 1 process used a whole core \(99% of a core\)/);
  });

  it('says the generator was the limit, and apart from it that the connection cap was hit', () => {
    const open = row({
      deployment: 'gunicorn-sync ×4',
      concurrency: 64,
      throughputRps: 40,
      loop: 'open',
      offeredRps: 80,
      late: 120,
      maxConnections: 64,
      peakConnections: 64,
      predictedThroughputRps: 80,
      throughputRatio: 0.5,
    });
    const gap = modelGap(open, evidence('gunicorn-sync', { workers: 4 }, { generatorLimits: ['CPU at 97% of its core'] }))!;
    expect(kinds(gap)).toEqual(['generator', 'connection-cap']);
    expect(gap.reasons[0]!.text).toBe('the load generator was the limit (builtin): CPU at 97% of its core');
    expect(gap.reasons[1]).toMatchObject({ evidence: { maxConnections: 64, late: 120, peakConnections: 64 } });
    expect(gap.reasons[1]!.text).toMatch(/all 64 connections allowed were busy and 120 sends went out late/);
  });

  it('says slow clients held workers, and how many of the slots', () => {
    const r = row({ deployment: 'gunicorn-sync ×4', concurrency: 8, throughputRps: 30, predictedThroughputRps: 40, throughputRatio: 0.75, slowClients: { count: 2, sendBytesPerSecond: 10, completed: 0 } });
    const reason = modelGap(r, evidence('gunicorn-sync', { workers: 4 }))!.reasons[0]!;
    expect(reason).toMatchObject({ kind: 'slow-clients', evidence: { count: 2, sendBytesPerSecond: 10, slots: 4, held: 2 } });
    expect(reason.text).toMatch(/^slow clients held workers: 2 slow clients trickling at 10 bytes\/s each held one of the 4 slots/);
  });

  it('says the database pool was the bound when every connection of it was in use', () => {
    const r = row({ deployment: 'gunicorn-gthread ×2 (4 threads)', concurrency: 16, throughputRps: 40, path: '/db?ms=50', pool: 2, predictedThroughputRps: 80, throughputRatio: 0.5 });
    const reason = modelGap(r, evidence('gunicorn-gthread', { workers: 2, threads: 4, database: 'postgres', pool: 2 }))!.reasons[0]!;
    expect(reason).toMatchObject({ kind: 'database-pool', evidence: { workers: 2, pool: 2, connections: 4, inFlight: 8 } });
    expect(reason.text).toMatch(/^the database pool was the bound: 2 processes × 2 connections = 4 for 8 requests in flight/);
  });

  it('calls a prediction a row beat an estimate where it rests on one client, and says when bench found no cause', () => {
    const model = { capacity: null, bound: 'event loop: unbounded', serviceMs: 1.2, serviceSource: 'measured' as const, estimate: 'the 1.2 ms mean latency measured at one client' };
    const beaten = row({ deployment: 'node-async', concurrency: 64, throughputRps: 1246, predictedThroughputRps: 982, throughputRatio: 1.269, model });
    const [reason] = modelGap(beaten, evidence('node-async'))!.reasons;
    expect(reason).toMatchObject({ kind: 'estimate', evidence: { restsOn: 'the 1.2 ms mean latency measured at one client', serviceMs: 1.2 } });
    expect(reason!.text).toMatch(/^the prediction is an estimate, not a bound: it rests on the 1\.2 ms mean latency measured at one client/);
    const past = row({ deployment: 'gunicorn-sync ×4', concurrency: 8, throughputRps: 100, predictedThroughputRps: 80, throughputRatio: 1.25 });
    expect(modelGap(past, evidence('gunicorn-sync', { workers: 4 }))!.reasons).toEqual([expect.objectContaining({ kind: 'none' })]);
  });
});

describe('rows made from samples', () => {
  const planned: PlannedDeployment = { spec: { kind: 'gunicorn-gthread', workers: 3, threads: 2, proxy: 'none' }, kind: findKind('gunicorn-gthread')!, label: 'gunicorn-gthread ×3 (2 threads)' };

  it("carry the gap with the repeats' worker answers summed, and a results file keeps it", () => {
    const workers = (a: number, b: number) => [
      { pid: 101, responses: a, connections: 10 },
      { pid: 102, responses: b, connections: 2 },
    ];
    const r = toRow({
      planned,
      path: '/io?ms=40',
      level: { concurrency: 12 },
      placement: SHARED,
      samples: [sample(75, times(150, 160), { workers: workers(100, 50) }), sample(75, times(150, 160), { workers: workers(110, 40) })],
    });
    expect(r.throughputRatio).toBe(0.5);
    const spread = r.modelGap!.reasons[0]!;
    expect(spread.kind).toBe('uneven-spread');
    expect(spread.evidence).toMatchObject({ workers: [{ pid: 101, share: 0.7, connections: 20 }, { pid: 102, share: 0.3, connections: 4 }] });
    const checked = checkResults(JSON.parse(JSON.stringify(run([r]))));
    expect('run' in checked && checked.run.results[0]!.modelGap).toEqual(r.modelGap);
  });
});

describe('reports', () => {
  const gapRow = gthreadRow(48, {
    modelGap: {
      ratio: 0.32,
      band: [0.85, 1.1],
      reasons: [{ kind: 'uneven-spread', text: 'uneven spread over 3 workers (skewed: 100%, 0%, 0% of the requests)', evidence: { source: 'responses', workers: [{ pid: 1, share: 1 }] } }],
    },
  });
  const estimated = row({
    deployment: 'node',
    path: '/io?ms=40',
    concurrency: 64,
    throughputRps: 1246,
    predictedThroughputRps: 982,
    throughputRatio: 1.27,
    model: { capacity: null, bound: 'event loop: unbounded', serviceMs: 1.2, serviceSource: 'measured', estimate: 'the 1.2 ms mean latency measured at one client' },
  });
  const both = run([gapRow, estimated]);

  it('show each row outside the band and its reasons as a note under the terminal table, and mark estimates', () => {
    const text = formatTable(both);
    expect(text).toContain('Why rows fell outside 0.85–1.10 of the prediction:');
    expect(text).toContain('  gunicorn-gthread ×3 (2 threads) at c=12: 48.0 of 150.0 req/s predicted (ratio 0.32): uneven spread over 3 workers (skewed: 100%, 0%, 0% of the requests).');
    expect(text).toMatch(/≈982\.0/);
    expect(text).toContain('≈: an estimate from what one client measured, not a bound: a row may beat it.');
  });

  it('show the same notes in report.md and report.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-gap-'));
    try {
      await writeReports(both, dir);
      const md = readFileSync(join(dir, 'report.md'), 'utf8');
      expect(md).toContain('### Why rows fell outside 0.85–1.10 of the prediction');
      expect(md).toContain('- gunicorn-gthread ×3 (2 threads) at c=12: 48.0 of 150.0 req/s predicted (ratio 0.32): uneven spread over 3 workers (skewed: 100%, 0%, 0% of the requests).');
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(html).toContain('<h3>Why rows fell outside 0.85–1.10 of the prediction</h3>');
      expect(html).toContain('<li>gunicorn-gthread ×3 (2 threads) at c=12: 48.0 of 150.0 req/s predicted (ratio 0.32): uneven spread over 3 workers (skewed: 100%, 0%, 0% of the requests).</li>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
