import { describe, expect, it } from 'vitest';
import { compareRuns } from '../harness/compare.js';
import { describeDeployment, formatChange } from '../reports/compare-labels.js';
import type { ResultRow, RunResults, Spread } from '../harness/results.js';

type RowFields = Partial<ResultRow> & Pick<ResultRow, 'deployment' | 'concurrency' | 'throughputRps'> & { p99?: number };

/** A closed-loop /io?ms=50 row; only what the comparison reads varies between tests. */
function row({ p99 = 60, ...fields }: RowFields): ResultRow {
  return {
    server: fields.deployment.split(' ')[0] ?? fields.deployment,
    workers: 4,
    proxy: 'none',
    path: '/io?ms=50',
    loop: 'closed',
    durationS: 3,
    requests: fields.throughputRps * 3,
    latencyMs: { p50: p99 * 0.8, p90: p99 * 0.9, p99, p999: p99 * 1.1, max: p99 * 1.2, mean: p99 * 0.8 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    predictedThroughputRps: null,
    predictedLatencyMs: null,
    throughputRatio: null,
    model: { capacity: 4, bound: '4 workers', serviceMs: 50 },
    repeats: 1,
    generator: { cpuPercent: 10, saturated: false },
    resources: { cpuPercent: 5, peakRssMb: 50, processes: 5 },
    timeline: [],
    ...fields,
  };
}

function repeated(fields: RowFields, throughput: Spread, p99: Spread): ResultRow {
  return row({ ...fields, repeats: 3, spread: { throughputRps: throughput, p50Ms: p99, p99Ms: p99 } });
}

function run(results: ResultRow[]): RunResults {
  return {
    scenario: 'fixture',
    startedAt: '2025-01-01T00:00:00.000Z',
    complete: true,
    environment: { node: 'v20.0.0', os: 'linux', cpus: 2, cpuModel: 'test', totalMemoryMb: 4096, benchVersion: '0.1.0', software: {} },
    settings: { xAxis: 'concurrency', durationS: 3, warmupS: 0.5, concurrency: [1, 8], rates: [], repeat: 1, paths: ['/io?ms=50'], deployments: [] },
    results,
    failures: [],
    skipped: [],
  };
}

const prefork4 = [
  row({ deployment: 'node-prefork ×4', concurrency: 1, throughputRps: 20, p99: 52 }),
  row({ deployment: 'node-prefork ×4', concurrency: 8, throughputRps: 80, p99: 101 }),
];

describe('compareRuns', () => {
  it('finds no regression when a run is compared with itself', () => {
    const comparison = compareRuns(run(prefork4), run(prefork4), 10);
    expect(comparison.regressed).toBe(false);
    expect(comparison.regressions).toEqual([]);
    expect(comparison.points).toHaveLength(2);
    expect(comparison.points.map((point) => point.throughput.changePct)).toEqual([0, 0]);
  });

  it('flags the throughput drop of a pool reconfigured with fewer workers, pairing the relabelled deployment', () => {
    const prefork2 = [
      row({ deployment: 'node-prefork ×2', workers: 2, concurrency: 1, throughputRps: 20, p99: 52 }),
      row({ deployment: 'node-prefork ×2', workers: 2, concurrency: 8, throughputRps: 40, p99: 201 }),
    ];
    const comparison = compareRuns(run(prefork4), run(prefork2), 10);
    expect(comparison.onlyInBase).toEqual([]);
    expect(comparison.onlyInNew).toEqual([]);
    expect(comparison.regressed).toBe(true);
    expect(comparison.regressions).toHaveLength(1);
    const [drop] = comparison.regressions;
    expect(drop).toMatchObject({ baseDeployment: 'node-prefork ×4', newDeployment: 'node-prefork ×2', loop: 'closed', level: 8 });
    expect(drop?.throughput).toMatchObject({ changePct: -50, regressed: true });
    expect(drop && describeDeployment(drop)).toBe('node-prefork ×4 → ×2');
  });

  it('flags a p99 rise even when throughput holds', () => {
    const slower = [prefork4[0]!, row({ deployment: 'node-prefork ×4', concurrency: 8, throughputRps: 79, p99: 150 })];
    const comparison = compareRuns(run(prefork4), run(slower), 10);
    expect(comparison.regressions).toHaveLength(1);
    expect(comparison.regressions[0]?.throughput.regressed).toBe(false);
    expect(comparison.regressions[0]?.p99).toMatchObject({ regressed: true, pastThreshold: true });
    expect(comparison.regressions[0]?.p99.changePct).toBeCloseTo(48.5, 1);
  });

  it('lets a change within the threshold pass', () => {
    const slightlyWorse = [
      row({ deployment: 'node-prefork ×4', concurrency: 1, throughputRps: 18.5, p99: 56 }),
      row({ deployment: 'node-prefork ×4', concurrency: 8, throughputRps: 73, p99: 110 }),
    ];
    expect(compareRuns(run(prefork4), run(slightlyWorse), 10).regressed).toBe(false);
    expect(compareRuns(run(prefork4), run(slightlyWorse), 5).regressed).toBe(true);
  });

  it('lets a change past the threshold pass when the repeats of both runs overlap', () => {
    const base = [repeated({ deployment: 'node-async', concurrency: 8, throughputRps: 100, p99: 60 }, { min: 80, max: 120 }, { min: 50, max: 90 })];
    const noisy = [repeated({ deployment: 'node-async', concurrency: 8, throughputRps: 85, p99: 75 }, { min: 70, max: 95 }, { min: 55, max: 95 })];
    const comparison = compareRuns(run(base), run(noisy), 10);
    expect(comparison.points[0]?.throughput).toMatchObject({ pastThreshold: true, regressed: false });
    expect(comparison.points[0]?.p99).toMatchObject({ pastThreshold: true, regressed: false });
    expect(comparison.regressed).toBe(false);
  });

  it('flags a change past the threshold whose repeats lie wholly beyond the base spread', () => {
    const base = [repeated({ deployment: 'node-async', concurrency: 8, throughputRps: 100, p99: 60 }, { min: 95, max: 105 }, { min: 58, max: 62 })];
    const worse = [repeated({ deployment: 'node-async', concurrency: 8, throughputRps: 80, p99: 75 }, { min: 78, max: 90 }, { min: 70, max: 80 })];
    const [point] = compareRuns(run(base), run(worse), 10).regressions;
    expect(point?.throughput.regressed).toBe(true);
    expect(point?.p99.regressed).toBe(true);
  });

  it('reports points measured by only one run without counting them as regressions', () => {
    const base = [...prefork4, row({ deployment: 'node-blocking', workers: 1, concurrency: 1, throughputRps: 20 })];
    const next = [
      ...prefork4,
      row({ deployment: 'node-prefork ×4', concurrency: 64, throughputRps: 80, p99: 800 }),
      row({ deployment: 'node-async', workers: 1, loop: 'open', concurrency: 64, offeredRps: 200, throughputRps: 1 }),
    ];
    const comparison = compareRuns(run(base), run(next), 10);
    expect(comparison.regressed).toBe(false);
    expect(comparison.points).toHaveLength(2);
    expect(comparison.onlyInBase).toEqual([{ deployment: 'node-blocking', path: '/io?ms=50', loop: 'closed', level: 1 }]);
    expect(comparison.onlyInNew).toEqual([
      { deployment: 'node-prefork ×4', path: '/io?ms=50', loop: 'closed', level: 64 },
      { deployment: 'node-async', path: '/io?ms=50', loop: 'open', level: 200 },
    ]);
  });

  it('does not pair deployments across kinds or when several of a kind are left over', () => {
    const base = [row({ deployment: 'gunicorn-sync ×2', concurrency: 8, throughputRps: 40 }), row({ deployment: 'gunicorn-sync ×4', concurrency: 8, throughputRps: 80 })];
    const next = [row({ deployment: 'gunicorn-sync ×8', concurrency: 8, throughputRps: 10 }), row({ deployment: 'node-async', concurrency: 8, throughputRps: 10 })];
    const comparison = compareRuns(run(base), run(next), 10);
    expect(comparison.points).toEqual([]);
    expect(comparison.onlyInBase).toHaveLength(2);
    expect(comparison.onlyInNew).toHaveLength(2);
  });

  it('matches open-loop points by offered rate, not by connection count', () => {
    const openRow = (offeredRps: number, concurrency: number) =>
      row({ deployment: 'node-async', loop: 'open', offeredRps, concurrency, throughputRps: offeredRps });
    const comparison = compareRuns(run([openRow(100, 16)]), run([openRow(100, 32), openRow(200, 16)]), 10);
    expect(comparison.points.map((point) => [point.loop, point.level])).toEqual([['open', 100]]);
    expect(comparison.onlyInNew.map((point) => point.level)).toEqual([200]);
  });

  it('gives no percentage, and no regression, when the base measured zero', () => {
    const comparison = compareRuns(
      run([row({ deployment: 'node-async', concurrency: 1, throughputRps: 0, p99: 0 })]),
      run([row({ deployment: 'node-async', concurrency: 1, throughputRps: 5, p99: 900 })]),
      10,
    );
    expect(comparison.points[0]?.throughput.changePct).toBeNull();
    expect(comparison.regressed).toBe(false);
  });
});

describe('formatChange', () => {
  it('signs changes with a plus or a minus sign and rounds to a tenth', () => {
    expect([formatChange(12.345), formatChange(-48.96), formatChange(0.01), formatChange(null)]).toEqual(['+12.3%', '−49.0%', '0.0%', 'n/a']);
  });
});
