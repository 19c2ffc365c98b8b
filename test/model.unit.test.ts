import { describe, expect, it } from 'vitest';
import { toRow } from '../harness/results/aggregate.js';
import { median } from '../harness/stats/median.js';
import { sample, SHARED, times } from './support/samples.js';
import { findKind } from '../harness/deployments/kinds.js';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import { predict, predictCapacity, serviceMs } from '../harness/model/predict.js';
import type { PlannedDeployment } from '../harness/plan/build-plan.js';
import { runWarnings } from '../reports/warnings.js';
import { run } from './support/results.js';

function planned(kind: string, workers = 1, threads?: number, proxy: 'none' | 'nginx' = 'none'): PlannedDeployment {
  const spec: DeploymentSpec = { kind, workers, proxy, ...(threads !== undefined && { threads }) };
  return { spec, kind: findKind(kind)!, label: kind };
}

const capacity = (p: PlannedDeployment, path: string, cores = 2) => predictCapacity(p.kind, p.spec, path, cores);

describe("Little's law model", () => {
  it('reads the service time from /io and /cpu paths, and knows none for /hello', () => {
    expect(serviceMs('/io?ms=50')).toBe(50);
    expect(serviceMs('/cpu?ms=12.5')).toBe(12.5);
    expect(serviceMs('/hello')).toBeNull();
  });

  it('gives a blocking worker a capacity of 1, a pool W, threads W·T and an event loop none', () => {
    expect(capacity(planned('node-blocking'), '/io?ms=50').capacity).toBe(1);
    expect(capacity(planned('flask-dev'), '/io?ms=50').capacity).toBe(1);
    expect(capacity(planned('gunicorn-sync', 4), '/io?ms=50').capacity).toBe(4);
    expect(capacity(planned('gunicorn-gthread', 2, 4), '/io?ms=50').capacity).toBe(8);
    expect(capacity(planned('uwsgi', 3, 2), '/io?ms=50').capacity).toBe(6);
    expect(capacity(planned('node-async'), '/io?ms=50').capacity).toBeNull();
    expect(capacity(planned('gunicorn-gevent', 2), '/io?ms=50').capacity).toBeNull();
  });

  it('gives /io-blocking one request per event loop that a blocking wait stops, and elsewhere the same as /io', () => {
    expect(serviceMs('/io-blocking?ms=50')).toBe(50);
    expect(capacity(planned('uvicorn'), '/io-blocking?ms=50')).toMatchObject({ capacity: 1, bound: '1 event loop (a blocking wait stops its loop)' });
    expect(capacity(planned('gunicorn-uvicorn', 4), '/io-blocking?ms=50').capacity).toBe(4);
    expect(capacity(planned('node-async'), '/io-blocking?ms=50').capacity).toBe(1);
    // gevent's worker patches time.sleep into a cooperative wait: it does not stop the loop.
    expect(capacity(planned('gunicorn-gevent', 2), '/io-blocking?ms=50').capacity).toBeNull();
    expect(capacity(planned('gunicorn-sync', 4), '/io-blocking?ms=50').capacity).toBe(4);
    expect(capacity(planned('flask-dev'), '/io-blocking?ms=50').capacity).toBe(1);
    expect(capacity(planned('uvicorn'), '/io?ms=50').capacity).toBeNull();
    expect(capacity(planned('gunicorn-uvicorn', 4), '/io?ms=50').capacity).toBeNull();
    expect(capacity(planned('uvicorn'), '/cpu?ms=20', 2).capacity).toBe(1);
    expect(capacity(planned('gunicorn-uvicorn', 4), '/cpu?ms=20', 2).capacity).toBe(2);
  });

  it('bounds CPU-bound work by the cores, and by one core per process', () => {
    expect(capacity(planned('gunicorn-sync', 16), '/cpu?ms=20', 2)).toMatchObject({ capacity: 2, bound: '2 cores (CPU-bound)' });
    expect(capacity(planned('gunicorn-gthread', 1, 8), '/cpu?ms=20', 4).capacity).toBe(1);
    expect(capacity(planned('node-async'), '/cpu?ms=20', 8).capacity).toBe(1);
    expect(capacity(planned('gunicorn-gevent', 3), '/cpu?ms=20', 8).capacity).toBe(3);
  });

  it('predicts min(c, K)/d and the queueing latency in a closed loop', () => {
    const pool = capacity(planned('gunicorn-sync', 4), '/io?ms=50');
    expect(predict(pool, { concurrency: 2 })).toEqual({ predictedThroughputRps: 40, predictedLatencyMs: 50 });
    expect(predict(pool, { concurrency: 16 })).toEqual({ predictedThroughputRps: 80, predictedLatencyMs: 200 });
    const loop = capacity(planned('node-async'), '/io?ms=50');
    expect(predict(loop, { concurrency: 64 })).toEqual({ predictedThroughputRps: 1280, predictedLatencyMs: 50 });
  });

  it('predicts the offered rate below capacity and the capacity above it in an open loop', () => {
    const pool = capacity(planned('gunicorn-sync', 4), '/io?ms=50');
    expect(predict(pool, { offeredRps: 60 })).toEqual({ predictedThroughputRps: 60, predictedLatencyMs: 50 });
    expect(predict(pool, { offeredRps: 200 })).toEqual({ predictedThroughputRps: 80, predictedLatencyMs: null });
  });

  it("caps a user's app at its cores over the CPU each request took, whatever the pool holds", () => {
    // 8 workers of 2 ms requests could serve 4,000 req/s; 1 core at 0.5 ms of CPU each serves 2,000.
    const measured = { capacity: 8, bound: '8 workers', serviceMs: 2, serviceSource: 'measured' as const, cpuBoundRps: 2000 };
    expect(predict(measured, { concurrency: 2 })).toEqual({ predictedThroughputRps: 1000, predictedLatencyMs: 2 });
    expect(predict(measured, { concurrency: 16 })).toEqual({ predictedThroughputRps: 2000, predictedLatencyMs: 8 });
    expect(predict(measured, { offeredRps: 3000 })).toEqual({ predictedThroughputRps: 2000, predictedLatencyMs: null });
  });

  it('gives slow clients min(s, K) of the slots where a worker or thread reads its own request, and nothing behind nginx or on an event loop', () => {
    const slow = (p: PlannedDeployment, s: number, path = '/io?ms=50') => predictCapacity(p.kind, p.spec, path, 2, s);
    expect(slow(planned('gunicorn-sync', 4), 2)).toMatchObject({ capacity: 2, bound: '4 workers, 2 held by slow clients' });
    expect(slow(planned('gunicorn-sync', 4), 8).capacity).toBe(0);
    expect(slow(planned('gunicorn-gthread', 2, 4), 4).capacity).toBe(4);
    expect(slow(planned('flask-dev'), 1).capacity).toBe(0);
    expect(slow(planned('gunicorn-sync', 4, undefined, 'nginx'), 8).capacity).toBe(4);
    expect(slow(planned('node-prefork', 4), 4).capacity).toBe(4);
    expect(slow(planned('gunicorn-gevent', 2), 8).capacity).toBeNull();
    // Computing: the free workers, at most the cores.
    expect(slow(planned('gunicorn-sync', 4), 3, '/cpu?ms=20').capacity).toBe(1);
  });

  it('predicts 0 req/s and no latency when slow clients hold every slot', () => {
    const held = predictCapacity(findKind('gunicorn-sync')!, { kind: 'gunicorn-sync', workers: 4, proxy: 'none' }, '/io?ms=50', 2, 4);
    expect(predict(held, { concurrency: 8 })).toEqual({ predictedThroughputRps: 0, predictedLatencyMs: null });
  });

  it('adds the network to each request: one round trip on a kept-alive connection, two on a new connection each', () => {
    // The link: 20 ms of round trip to a server that waits 40 ms, one client.
    const loop = capacity(planned('node-async'), '/io?ms=40');
    expect(predict(loop, { concurrency: 1 }, { rttMs: 20, roundTrips: 1 })).toEqual({ predictedThroughputRps: 16.67, predictedLatencyMs: 60 });
    expect(predict(loop, { concurrency: 1 }, { rttMs: 20, roundTrips: 2 })).toEqual({ predictedThroughputRps: 12.5, predictedLatencyMs: 80 });
    expect(predict(loop, { concurrency: 1 })).toEqual({ predictedThroughputRps: 25, predictedLatencyMs: 40 });
    // On the wire a request holds its client, not a worker: K/d still bounds the pool once enough clients wait.
    const pool = capacity(planned('gunicorn-sync', 4), '/io?ms=50');
    expect(predict(pool, { concurrency: 2 }, { rttMs: 10, roundTrips: 2 })).toEqual({ predictedThroughputRps: 28.57, predictedLatencyMs: 70 });
    expect(predict(pool, { concurrency: 16 }, { rttMs: 10, roundTrips: 2 })).toEqual({ predictedThroughputRps: 80, predictedLatencyMs: 200 });
    expect(predict(pool, { offeredRps: 60 }, { rttMs: 10, roundTrips: 2 })).toEqual({ predictedThroughputRps: 60, predictedLatencyMs: 70 });
  });

  it('adds no round trip to a service time measured across the same network, which has them in it', () => {
    const measured = { capacity: 8, bound: '8 workers', serviceMs: 22, serviceSource: 'measured' as const };
    expect(predict(measured, { concurrency: 2 }, { rttMs: 20, roundTrips: 1 })).toEqual(predict(measured, { concurrency: 2 }));
  });

  it('predicts nothing for a path without a known service time', () => {
    expect(predict(capacity(planned('node-async'), '/hello'), { concurrency: 8 })).toEqual({
      predictedThroughputRps: null,
      predictedLatencyMs: null,
    });
  });
});

describe("Little's law with a database", () => {
  /** A deployment of a `database: postgres` run, as the plan makes it. */
  const withDatabase = (p: PlannedDeployment, settings: Partial<DeploymentSpec> = {}) => ({ ...p, spec: { ...p.spec, database: 'postgres' as const, ...settings } });
  const db = (p: PlannedDeployment, path = '/db?ms=20') => predictCapacity(p.kind, p.spec, path, 2);

  it('takes /db?ms=N to wait N ms, and knows no service time for /db-rows', () => {
    expect(serviceMs('/db?ms=20')).toBe(20);
    expect(serviceMs('/db-rows?n=100')).toBeNull();
  });

  it('bounds a query by the pool once the pool is smaller than what the workers hold', () => {
    const gthread = planned('gunicorn-gthread', 2, 4);
    expect(db(withDatabase(gthread, { pool: 1 }))).toEqual({ capacity: 2, bound: 'pool: 2 workers × 1 connection', serviceMs: 20 });
    expect(db(withDatabase(planned('node-async'), { pool: 4 }))).toMatchObject({ capacity: 4, bound: 'pool: 1 process × 4 connections' });
    expect(db(withDatabase(planned('gunicorn-gevent', 2)))).toMatchObject({ capacity: 20, bound: 'pool: 2 workers × 10 connections' });
  });

  it("names the kind's own bound where the pool is no smaller: one connection per thread by default", () => {
    expect(db(withDatabase(planned('gunicorn-gthread', 2, 4)))).toMatchObject({ capacity: 8, bound: '2 workers × 4 threads' });
    expect(db(withDatabase(planned('gunicorn-sync', 4)))).toMatchObject({ capacity: 4, bound: '4 workers' });
    expect(db(withDatabase(planned('node-prefork', 3)))).toMatchObject({ capacity: 3, bound: '3 workers' });
  });

  it('holds gevent without a cooperative driver to one request per worker, like sync workers', () => {
    expect(db(withDatabase(planned('gunicorn-gevent', 2), { cooperativeDriver: false }))).toMatchObject({
      capacity: 2,
      bound: '2 workers, each blocked by its query (no cooperative driver)',
    });
  });

  it("bounds every pool together by PostgreSQL's max_connections less the reserved ones", () => {
    expect(db(withDatabase(planned('gunicorn-gevent', 20), { pool: 50 }))).toMatchObject({ capacity: 97, bound: 'max_connections 100 − 3 reserved' });
  });

  it('leaves paths that do not query the database, and runs without one, to the workers', () => {
    expect(db(withDatabase(planned('gunicorn-gthread', 2, 4), { pool: 1 }), '/io?ms=20')).toMatchObject({ capacity: 8 });
    expect(db(planned('gunicorn-gevent', 2))).toMatchObject({ capacity: null });
  });
});

describe('result rows', () => {
  it('report the median throughput of repeats with its spread, each repeat\'s figures, and the worst errors', () => {
    const row = toRow({
      planned: planned('gunicorn-sync', 4),
      path: '/io?ms=50',
      level: { concurrency: 8 },
      placement: SHARED,
      samples: [sample(78, times(100, 100)), sample(70, times(100, 120), { errors: 2 }), sample(80, times(100, 105))],
    });
    expect(row).toMatchObject({ throughputRps: 78, repeats: 3, errors: 2, predictedThroughputRps: 80, throughputRatio: 0.975, samples: 300 });
    expect(row.spread!.throughputRps).toEqual({ min: 70, max: 80 });
    expect(row.perRepeat!.map((r) => r.throughputRps)).toEqual([78, 70, 80]);
  });

  it('take percentiles from the repeats\' merged histograms, so max is the true maximum and p99 counts every latency', () => {
    // Two quiet repeats and one with a 2 s stall in 5 of its 100 requests. The median of the three
    // p99s would hide the stall (about 50 ms); merged, 5 of 300 latencies are 2 s: p99 is 2 s.
    const quiet = () => sample(80, times(100, 50));
    const stalled = sample(75, [...times(95, 50), ...times(5, 2000)]);
    const row = toRow({ planned: planned('gunicorn-sync', 4), path: '/io?ms=50', level: { concurrency: 4 }, placement: SHARED, samples: [quiet(), stalled, quiet()] });
    expect(row.samples).toBe(300);
    expect(row.latencyMs!.p99).toBeGreaterThanOrEqual(1990);
    expect(row.latencyMs!.max).toBeGreaterThanOrEqual(1990);
    expect(row.latencyMs!.p50).toBeLessThan(51);
  });

  it('of a server on another machine record the network, and predict with it', () => {
    const row = toRow({
      planned: planned('gunicorn-sync', 4),
      path: '/io?ms=50',
      level: { concurrency: 1 },
      placement: SHARED,
      samples: [sample(14, times(28, 70))],
      network: { rttMs: 10, roundTrips: 2 },
    });
    expect(row).toMatchObject({ network: { rttMs: 10, roundTrips: 2 }, predictedThroughputRps: 14.29, predictedLatencyMs: 70, throughputRatio: 0.98 });
  });

  it('of a server whose load came from elsewhere record the round trip bench timed, and predict without it', () => {
    const notInModel = "timed from bench's machine, while Locust workers on other machines sent the load";
    const row = toRow({
      planned: planned('gunicorn-sync', 4),
      path: '/io?ms=50',
      level: { concurrency: 1 },
      placement: SHARED,
      samples: [sample(19.6, times(39, 51))],
      network: { rttMs: 31, roundTrips: 2, notInModel },
    });
    // 1 client / 50 ms, not 1 / (50 + 2 × 31) ms: the workers' requests may never cross bench's wire.
    expect(row).toMatchObject({ network: { rttMs: 31, notInModel }, predictedThroughputRps: 20, predictedLatencyMs: 50, throughputRatio: 0.98 });
  });

  it('take the timeline and the fault outcome from the first repeat, and say so', () => {
    const timeline = (rps: number) => [{ t: 0, rps, p50Ms: 50, p99Ms: 60, errors: 0, non2xx: 0 }];
    const row = toRow({
      planned: planned('gunicorn-sync', 4),
      path: '/io?ms=50',
      level: { concurrency: 4 },
      placement: SHARED,
      samples: [
        sample(60, times(10, 50), { timeline: timeline(60), fault: { killedPid: 1, atS: 1, recoveryS: 0.1 } }),
        sample(80, times(10, 50), { timeline: timeline(80) }),
        sample(70, times(10, 50), { timeline: timeline(70) }),
      ],
    });
    expect(row.timelineRepeat).toBe(1);
    expect(row.timeline[0]!.rps).toBe(60);
    expect(row.fault?.killedPid).toBe(1);
  });

  it('of CGI rest on the time one client measured, bound by the cores at the CPU per request of their own level, and say when that is the bound', () => {
    // Unmeasured, the path's 20 ms says nothing of a CGI request: no prediction rather than 200 req/s.
    expect(predict(capacity(planned('cgi', 4), '/io?ms=20'), { concurrency: 8 }).predictedThroughputRps).toBeNull();
    // Measured here: a CGI program's start costs some 130 ms at one client, 106 ms of it CPU; at
    // c=8 the deployment's processes used 160% of a core for 15 req/s: 106.7 ms each.
    const row = toRow({
      planned: planned('cgi', 4),
      path: '/io?ms=20',
      level: { concurrency: 8 },
      placement: SHARED,
      samples: [sample(15, times(45, 550), { resources: { cpuPercent: 160, peakRssMb: 50, peakPssMb: 20, processes: 6 } })],
      measuredService: { ms: 133.658, cpuMs: 106.4 },
    });
    expect(row.model).toMatchObject({
      serviceMs: 133.658,
      serviceSource: 'measured',
      cpuMeasuredAt: 'this level',
      bound: '4 workers, and 2 cores at 106.667 ms of CPU per request (measured at this level)',
    });
    expect(row.predictedThroughputRps).toBe(18.75);
    expect(row.model.cpuBoundRps).toBe(row.predictedThroughputRps);
    // Measured at the level it bounds, the cores' figure is a bound, not an estimate.
    expect(row.model.estimate).toBeUndefined();
    expect(runWarnings(run([row]))).toContainEqual(expect.stringMatching(/^CPU-bound points are bounded by the core count/));
  });

  it("of a user's app whose level could not be sampled fall back to one client's CPU per request, and call the prediction an estimate", () => {
    const row = toRow({
      planned: planned('cgi', 4),
      path: '/io?ms=20',
      level: { concurrency: 8 },
      placement: SHARED,
      samples: [sample(15, times(45, 550), { resources: { cpuPercent: 0, peakRssMb: 0, peakPssMb: null, processes: 0 } })],
      measuredService: { ms: 133.658, cpuMs: 106.4 },
    });
    expect(row.model).toMatchObject({ cpuMeasuredAt: 'one client', cpuMsPerRequest: 106.4, bound: '4 workers, and 2 cores at 106.4 ms of CPU per request (measured at one client)' });
    expect(row.predictedThroughputRps).toBe(18.8);
    expect(row.model.estimate).toBe('the 106.4 ms of CPU per request measured at one client');
  });

  it('show no latency, rather than 0 ms, for a point where no request succeeded', () => {
    const row = toRow({ planned: planned('gunicorn-sync', 1), path: '/cpu?ms=20', level: { concurrency: 1 }, placement: SHARED, samples: [sample(0, [], { errors: 30 })] });
    expect(row.samples).toBe(0);
    expect(row.latencyMs).toBeNull();
  });

  it('mark an open-loop point that fell behind its offered load as saturated, with what went unsent', () => {
    const row = toRow({
      planned: planned('gunicorn-sync', 4),
      path: '/io?ms=50',
      level: { offeredRps: 160, maxConnections: 1000 },
      placement: SHARED,
      samples: [sample(79, times(100, 900), { unsent: 200, late: 0, peakConnections: 90 })],
    });
    expect(row).toMatchObject({ loop: 'open', offeredRps: 160, saturated: true, unsent: 200, predictedThroughputRps: 80, concurrency: 90, maxConnections: 1000 });
    expect(row.generator.saturated).toBe(false);
    const kept = toRow({
      planned: planned('gunicorn-sync', 4),
      path: '/io?ms=50',
      level: { offeredRps: 40, maxConnections: 1000 },
      placement: SHARED,
      samples: [sample(40, times(100, 60), { unsent: 0, late: 0, peakConnections: 3 })],
    });
    expect(kept.saturated).toBe(false);
  });

  it('flag a point whose load generator ran out of CPU, and say so in words', () => {
    const row = toRow({
      planned: planned('node-async'),
      path: '/hello',
      level: { concurrency: 64 },
      placement: SHARED,
      samples: [sample(60000, times(100, 2), { generator: { engine: 'builtin', cpuPercent: 99, cpuMsPerRequest: 0.016, eventLoopDelayMs: null } })],
    });
    expect(row.generator).toMatchObject({ engine: 'builtin', placement: 'shared', cpuPercent: 99, saturated: true });
    expect(row.generator.limit).toMatch(/CPU at 99%/);
  });

  it('bound CPU-bound paths by the cores the deployment was given', () => {
    const separate = { mode: 'separate', serverCpus: '0', generatorCpus: '1', serverCores: 1 } as const;
    const row = toRow({ planned: planned('gunicorn-sync', 4), path: '/cpu?ms=20', level: { concurrency: 8 }, placement: separate, samples: [sample(48, times(10, 160))] });
    expect(row.model.capacity).toBe(1);
    expect(row.predictedThroughputRps).toBe(50);
  });

  it('take the median of an even number of values as the mean of the middle two', () => {
    expect(median([1, 9, 3, 5])).toBe(4);
  });
});
