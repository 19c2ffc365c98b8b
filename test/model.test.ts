import { describe, expect, it } from 'vitest';
import { median, toRow, type Sample } from '../harness/aggregate.js';
import { findKind } from '../harness/deployments/kinds.js';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import { predict, predictCapacity, serviceMs } from '../harness/model.js';
import type { PlannedDeployment } from '../harness/plan.js';

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

  it('predicts nothing for a path without a known service time', () => {
    expect(predict(capacity(planned('node-async'), '/hello'), { concurrency: 8 })).toEqual({
      predictedThroughputRps: null,
      predictedLatencyMs: null,
    });
  });
});

function sample(throughputRps: number, p99: number, overrides: Partial<Sample> = {}): Sample {
  return {
    durationS: 2,
    requests: throughputRps * 2,
    throughputRps,
    latencyMs: { p50: p99 / 2, p90: p99 * 0.9, p99, p999: p99, max: p99, mean: p99 / 2 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    generatorCpuPercent: 20,
    resources: { cpuPercent: 10, peakRssMb: 50, processes: 5 },
    timeline: [],
    ...overrides,
  };
}

describe('result rows', () => {
  it('report the median of repeats with their min–max spread and the worst errors', () => {
    const row = toRow({
      planned: planned('gunicorn-sync', 4),
      path: '/io?ms=50',
      level: { concurrency: 8 },
      samples: [sample(78, 110), sample(70, 130, { errors: 2 }), sample(80, 105)],
    });
    expect(row).toMatchObject({ throughputRps: 78, repeats: 3, errors: 2, predictedThroughputRps: 80, throughputRatio: 0.975 });
    expect(row.spread).toEqual({ throughputRps: { min: 70, max: 80 }, p50Ms: { min: 52.5, max: 65 }, p99Ms: { min: 105, max: 130 } });
    expect(row.latencyMs.p99).toBe(110);
  });

  it('mark an open-loop point that fell behind its offered load as saturated, with what went unsent', () => {
    const row = toRow({
      planned: planned('gunicorn-sync', 4),
      path: '/io?ms=50',
      level: { offeredRps: 160, connections: 64 },
      samples: [sample(79, 900, { unsent: 200 })],
    });
    expect(row).toMatchObject({ loop: 'open', offeredRps: 160, saturated: true, unsent: 200, predictedThroughputRps: 80, concurrency: 64 });
    const kept = toRow({ planned: planned('gunicorn-sync', 4), path: '/io?ms=50', level: { offeredRps: 40, connections: 64 }, samples: [sample(40, 60)] });
    expect(kept.saturated).toBe(false);
  });

  it('flag a point whose load generator ran out of CPU', () => {
    const row = toRow({ planned: planned('node-async'), path: '/hello', level: { concurrency: 64 }, samples: [sample(60000, 2, { generatorCpuPercent: 99 })] });
    expect(row.generator).toEqual({ cpuPercent: 99, saturated: true });
  });

  it('take the median of an even number of values as the mean of the middle two', () => {
    expect(median([1, 9, 3, 5])).toBe(4);
  });
});
