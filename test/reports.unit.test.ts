import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scale } from 'chart.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { GeneratorUse, LatencyMs, ModelPrediction, ResultRow, RunResults, SessionStep } from '../harness/results/types.js';
import { capacityRps } from '../reports/capacity.js';
import { CHART_HEIGHT, CHART_WIDTH, PANEL_HEIGHT } from '../reports/charts/chart-spec.js';
import { chartTitle, limitMarkers, logYScale, markerFills, wantsLogScale, xScale } from '../reports/charts/chart-style.js';
import { firstRequestLatencyConfig } from '../reports/charts/latency-chart.js';
import { CHARTS, chartWriter } from '../reports/charts/charts.js';
import { chartViews } from '../reports/charts/chart-views.js';
import { seriesLineChart } from '../reports/charts/line-chart.js';
import { summaryNotes, summaryTables } from '../reports/summary.js';
import { handout } from '../reports/handout.js';
import { COARSE_MARK, describeLoad, describeLoads, latencyCell, NONE } from '../harness/formatting/numbers.js';
import { writeReports, writers } from '../reports/index.js';
import { deploymentFootprints, memoryChartConfig } from '../reports/charts/memory-chart.js';
import { buildSeries, PALETTE, POINT_STYLES } from '../reports/series.js';
import { formatTable } from '../reports/tables/table.js';
import { timelineDeployments, timelinePoints, timelineRows } from '../reports/charts/timeline-chart.js';
import { runWarnings } from '../reports/warnings.js';
import { gapNotes } from '../reports/model-gap.js';

/** Every test writes into its own folder under one root, removed when the file is done. */
const root = mkdtempSync(join(tmpdir(), 'bench-reports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const freshDir = () => mkdtemp(join(root, 'out-'));

// ---- fixtures: hand-made results, shaped like a real run of /io?ms=50 ----

const blocking: ModelPrediction = { capacity: 1, bound: '1 blocking worker', serviceMs: 50 };
const fourWorkers: ModelPrediction = { capacity: 4, bound: '4 workers', serviceMs: 50 };
const eventLoop: ModelPrediction = { capacity: null, bound: 'event loop: unbounded', serviceMs: 50 };

function latency(p50: number, p99: number): LatencyMs {
  return { p50, p90: p99 * 0.8, p99, p999: p99 * 1.2, max: p99 * 1.5, mean: p50 * 1.1 };
}

/** The builtin generator on the server's cores, comfortably below its limits. */
const idleGenerator: GeneratorUse = {
  engine: 'builtin',
  placement: 'shared',
  cpuPercent: 20,
  cpuMsPerRequest: 0.05,
  eventLoopDelayMs: { p99: 2, max: 5 },
  saturated: false,
};

function row(fields: Partial<ResultRow> & Pick<ResultRow, 'deployment' | 'concurrency'>): ResultRow {
  const throughputRps = fields.throughputRps ?? 20;
  const predictedThroughputRps = fields.predictedThroughputRps === undefined ? 20 : fields.predictedThroughputRps;
  const repeats = fields.repeats ?? 1;
  return {
    server: fields.deployment.split(' ')[0] ?? fields.deployment,
    workers: 1,
    proxy: 'none',
    path: '/io?ms=50',
    loop: 'closed',
    durationS: 3,
    requests: Math.round(throughputRps * 3),
    throughputRps,
    // As many successes as a 3 s window at that rate holds, over every repeat.
    samples: Math.round(throughputRps * 3 * repeats),
    latencyMs: latency(50, 60),
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    predictedThroughputRps,
    predictedLatencyMs: 50,
    throughputRatio: predictedThroughputRps === null ? null : throughputRps / predictedThroughputRps,
    model: blocking,
    repeats,
    generator: idleGenerator,
    resources: { cpuPercent: 5, peakRssMb: 50, peakPssMb: 40, processes: 1 },
    timeline: [],
    timelineRepeat: 1,
    ...fields,
  };
}

/** A repeated closed-loop point: the figures are medians, with a min–max spread. */
function repeated(fields: Partial<ResultRow> & Pick<ResultRow, 'deployment' | 'concurrency' | 'throughputRps'>): ResultRow {
  const rps = fields.throughputRps;
  const p50 = fields.latencyMs?.p50 ?? 50;
  const p99 = fields.latencyMs?.p99 ?? 60;
  return row({
    repeats: 3,
    spread: {
      throughputRps: { min: rps * 0.9, max: rps * 1.1 },
      p50Ms: { min: p50 * 0.9, max: p50 * 1.1 },
      p99Ms: { min: p99 * 0.8, max: p99 * 1.3 },
    },
    ...fields,
  });
}

function run(results: ResultRow[], overrides: Partial<RunResults> = {}): RunResults {
  return {
    schemaVersion: 2,
    scenario: 'fixture',
    description: 'One blocking worker vs a pre-fork pool vs an event loop',
    notice: 'The blocking worker flattens at 20 req/s however many clients wait.',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:05:00.000Z',
    complete: true,
    environment: {
      node: 'v20.0.0',
      os: 'linux',
      cpus: 2,
      cpuModel: 'test cpu',
      totalMemoryMb: 16384,
      benchVersion: '0.1.0',
      software: { nginx: '1.22.1', gunicorn: '20.1.0' },
      serverEnvironment: { names: ['PATH'], removed: [] },
    },
    settings: {
      xAxis: 'concurrency',
      durationS: 3,
      warmupS: 0.5,
      timeoutS: 10,
      quick: false,
      generator: 'builtin',
      placement: { mode: 'shared', serverCpus: null, generatorCpus: null, serverCores: 2 },
      maxConnections: 1000,
      concurrency: [1, 8, 64],
      rates: [],
      repeat: 3,
      paths: ['/io?ms=50'],
      deployments: ['node-blocking', 'node-prefork ×4', 'node-async'],
    },
    results,
    failures: [],
    skipped: [],
    ...overrides,
  };
}

const prefork = { server: 'node-prefork', workers: 4, model: fourWorkers, resources: { cpuPercent: 12, peakRssMb: 240, peakPssMb: 110, processes: 5 } };
const async_ = { model: eventLoop, resources: { cpuPercent: 30, peakRssMb: 70, peakPssMb: 60, processes: 1 } };
const second = (t: number, rps: number, errors = 0) => ({ t, rps, p50Ms: 50, p99Ms: 60, errors, non2xx: 0 });
/** A label with everything that needs quoting or escaping: a comma, quotes, angle brackets. */
const TRICKY = 'gunicorn-sync ×4, "tuned" <fast>';

// Listed out of x order on purpose: series must come out sorted.
const closedRun = run(
  [
    repeated({ deployment: 'node-blocking', concurrency: 64, throughputRps: 19.5, latencyMs: latency(3200, 3300) }),
    repeated({ deployment: 'node-blocking', concurrency: 1, throughputRps: 19.8, latencyMs: latency(50.4, 55) }),
    repeated({ deployment: 'node-blocking', concurrency: 8, throughputRps: 19.6, latencyMs: latency(405, 420), errors: 2, timeouts: 2 }),
    repeated({ deployment: 'node-prefork ×4', ...prefork, concurrency: 1, throughputRps: 19.7, timeline: [second(0, 20), second(1, 19), second(2, 20)] }),
    repeated({
      deployment: 'node-prefork ×4',
      ...prefork,
      concurrency: 8,
      throughputRps: 70,
      predictedThroughputRps: 80,
      latencyMs: latency(101, 180),
      errors: 4, // the timeout among them
      timeouts: 1,
      non2xx: 7,
      timeline: [second(0, 79), second(1, 55, 4), second(2, 78)],
      events: [{ t: 1.5, what: 'worker killed' }],
    }),
    repeated({ deployment: 'node-prefork ×4', ...prefork, concurrency: 64, throughputRps: 79, predictedThroughputRps: 80, latencyMs: latency(800, 900) }),
    repeated({ deployment: 'node-async', ...async_, concurrency: 1, throughputRps: 19.9 }),
    repeated({ deployment: 'node-async', ...async_, concurrency: 8, throughputRps: 158, predictedThroughputRps: 160 }),
    repeated({
      deployment: 'node-async',
      ...async_,
      concurrency: 64,
      throughputRps: 1100,
      predictedThroughputRps: 1280,
      generator: { ...idleGenerator, cpuPercent: 99, saturated: true },
    }),
    repeated({ deployment: TRICKY, server: 'gunicorn-sync', workers: 4, model: fourWorkers, concurrency: 1, throughputRps: 19.4 }),
  ],
  {
    settings: { ...run([]).settings, timelineDeployment: 'node-prefork ×4' },
    failures: [{ deployment: 'uwsgi ×4', server: 'uwsgi', reason: 'exited with code 1: <no app loaded>' }],
    skipped: [{ deployment: 'flask-dev', server: 'flask-dev', reason: 'flask is not installed' }],
  },
);

/** Open loop at 10, 40 and 160 req/s: one blocking worker (capacity 20 req/s) saturates from 40 on. */
const openRun = run(
  [10, 40, 160].flatMap((rate) => {
    const saturated = rate > 20;
    const open = { loop: 'open' as const, concurrency: 64, offeredRps: rate, repeats: 1 };
    return [
      row({
        deployment: 'node-blocking',
        ...open,
        throughputRps: Math.min(rate, 19.8),
        predictedThroughputRps: Math.min(rate, 20),
        latencyMs: saturated ? latency(1500 * (rate / 40), 2500 * (rate / 40)) : latency(51, 60),
        saturated,
        unsent: saturated ? rate * 2 : 0,
        errors: rate === 160 ? 5 : 0,
      }),
      row({ deployment: 'node-async', ...async_, ...open, throughputRps: rate * 0.99, predictedThroughputRps: rate, saturated: false, unsent: 0 }),
    ];
  }),
  { settings: { ...run([]).settings, rates: [10, 40, 160], repeat: 1 } },
);

const workersRun = run(
  [1, 2, 4].flatMap((workers) => {
    const sync = { server: 'gunicorn-sync', workers, concurrency: 64 };
    const cpuBound: ModelPrediction = { capacity: Math.min(workers, 2), bound: '2 cores (CPU-bound)', serviceMs: 10 };
    return [
      row({
        deployment: `gunicorn-sync ×${workers}`,
        ...sync,
        model: { ...fourWorkers, capacity: workers },
        throughputRps: 19 * workers,
        predictedThroughputRps: 20 * workers,
      }),
      ...[`gunicorn-sync ×${workers}`, `gunicorn-sync ×${workers} + nginx`].map((deployment) =>
        row({
          deployment,
          ...sync,
          proxy: deployment.endsWith('nginx') ? 'nginx' : 'none',
          path: '/cpu?ms=10',
          model: cpuBound,
          throughputRps: 90 * Math.min(workers, 2),
          predictedThroughputRps: 100 * Math.min(workers, 2),
          resources: { cpuPercent: 100 * Math.min(workers, 2), peakRssMb: 30 + 25 * workers, peakPssMb: 25 + 10 * workers, processes: workers + 1 },
        }),
      ),
    ];
  }),
  { settings: { ...run([]).settings, xAxis: 'workers', concurrency: [64], paths: ['/io?ms=50', '/cpu?ms=10'], repeat: 1 } },
);

/** gunicorn sync ×4 with and without nginx in front, beside 0, 2 and 4 slow clients at c=8. */
const slowRun = run(
  [0, 2, 4].flatMap((count) =>
    (['none', 'nginx'] as const).map((proxy) =>
      row({
        deployment: proxy === 'none' ? 'gunicorn-sync ×4' : 'gunicorn-sync+nginx ×4',
        server: 'gunicorn-sync',
        proxy,
        concurrency: 8,
        throughputRps: proxy === 'none' ? [78, 39, 2][count / 2]! : 77,
        slowClients: { count, sendBytesPerSecond: 100, completed: count },
      }),
    ),
  ),
  { settings: { ...run([]).settings, xAxis: 'slow-clients', concurrency: [8], slowClients: { counts: [0, 2, 4], sendBytesPerSecond: 100 } } },
);

const emptyRun = run([], { complete: false, notice: undefined });

/** One deployment whose percentiles rest on 50, 500 and 5,000 samples (at c=1, 8 and 64). */
const sampledRun = run(
  (
    [
      [1, 50],
      [8, 500],
      [64, 5000],
    ] as const
  ).map(([concurrency, samples]) => row({ deployment: 'node-async', ...async_, concurrency, samples })),
  { settings: { ...run([]).settings, repeat: 1 } },
);

/** Every request to /cpu?ms=20 timed out: nothing succeeded, so that point has no latency to show. */
const noSuccessRun = run(
  [
    row({ deployment: 'gunicorn-sync ×1', server: 'gunicorn-sync', concurrency: 1 }),
    row({
      deployment: 'gunicorn-sync ×1',
      server: 'gunicorn-sync',
      path: '/cpu?ms=20',
      concurrency: 1,
      throughputRps: 0,
      samples: 0,
      latencyMs: null,
      errorLatencyMs: latency(10000, 10000),
      errors: 12,
      timeouts: 12,
    }),
  ],
  { settings: { ...run([]).settings, paths: ['/io?ms=50', '/cpu?ms=20'], repeat: 1 } },
);

/**
 * Open loop at 400 req/s with the generator on a core of its own: the blocking worker falls behind
 * (the server's limit), while node-async is held back by the generator's connection cap.
 */
const limitsRun = run(
  [
    row({ deployment: 'node-blocking', loop: 'open', offeredRps: 400, concurrency: 64, throughputRps: 19.8, saturated: true, unsent: 3000 }),
    row({
      deployment: 'node-async',
      ...async_,
      loop: 'open',
      offeredRps: 400,
      concurrency: 64,
      throughputRps: 310,
      predictedThroughputRps: 400,
      saturated: false,
      unsent: 250,
      peakConnections: 1000,
      maxConnections: 1000,
      generator: { ...idleGenerator, placement: 'separate', cpuPercent: 40, saturated: true, limit: 'connection cap (1000) reached' },
    }),
  ],
  {
    settings: {
      ...run([]).settings,
      rates: [400],
      repeat: 1,
      placement: { mode: 'separate', serverCpus: '0', generatorCpus: '1', serverCores: 1 },
    },
  },
);

// ---- helpers ----

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which PNG requires to come first, right after the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** RFC 4180 fields of one CSV record, so the tests check quoting by parsing rather than by pattern. */
function parseCsvRecord(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted && char === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  return [...fields, field];
}

async function writeWith(name: string, results: RunResults): Promise<{ outDir: string; written: string[] }> {
  const writer = writers.find((w) => w.name === name);
  if (!writer) throw new Error(`no writer named ${name}`);
  const outDir = await freshDir();
  return { outDir, written: await writer.write(results, outDir) };
}

async function writtenText(name: string, results: RunResults): Promise<string> {
  const { written } = await writeWith(name, results);
  expect(written).toHaveLength(1);
  return readFile(written[0] ?? '', 'utf8');
}

// ---- the pure logic ----

describe('buildSeries', () => {
  it('draws one line per deployment on a concurrency sweep, with points sorted by concurrency', () => {
    const series = buildSeries(closedRun);
    expect(series.map((s) => s.label)).toEqual(['node-blocking', 'node-prefork ×4', 'node-async', TRICKY]);
    expect(series[0]?.points.map((point) => [point.x, point.throughputRps, point.p50Ms])).toEqual([
      [1, 19.8, 50.4],
      [8, 19.6, 405],
      [64, 19.5, 3200],
    ]);
  });

  it('carries the prediction and, for repeated points, the min–max spread', () => {
    const point = buildSeries(closedRun)[1]?.points[1];
    expect(point?.predictedRps).toBe(80);
    expect(point?.spread?.throughputRps).toEqual({ min: 70 * 0.9, max: 70 * 1.1 });
  });

  it('leaves the spread out of points measured once', () => {
    expect(buildSeries(openRun).flatMap((s) => s.points).every((point) => point.spread === undefined)).toBe(true);
  });

  it('gives every series its own colour and marker, in measuring order', () => {
    const series = buildSeries(closedRun);
    expect(series.map((s) => s.colour)).toEqual(PALETTE.slice(0, 4));
    expect(series.map((s) => s.pointStyle)).toEqual(POINT_STYLES.slice(0, 4));
  });

  it('adds the path to the label only when the run measured several paths', () => {
    const twoPaths = run([
      row({ deployment: 'node-async', concurrency: 1, path: '/hello' }),
      row({ deployment: 'node-async', concurrency: 1, path: '/io?ms=50' }),
    ]);
    expect(buildSeries(twoPaths).map((s) => s.label)).toEqual(['node-async /hello', 'node-async /io?ms=50']);
  });

  it('plots workers on a workers sweep, one line per server, proxy, load and path', () => {
    const series = buildSeries(workersRun);
    expect(series.map((s) => s.label)).toEqual([
      'gunicorn-sync c=64 /io?ms=50',
      'gunicorn-sync c=64 /cpu?ms=10',
      'gunicorn-sync+nginx c=64 /cpu?ms=10',
    ]);
    expect(series[0]?.points.map((point) => [point.x, point.throughputRps])).toEqual([
      [1, 19],
      [2, 38],
      [4, 76],
    ]);
    expect(series[0]?.deployments).toEqual(['gunicorn-sync ×1', 'gunicorn-sync ×2', 'gunicorn-sync ×4']);
  });

  it('plots the slow clients on a slow-clients sweep, starting from none, one line per deployment', () => {
    const series = buildSeries(slowRun);
    expect(series.map((s) => s.label)).toEqual(['gunicorn-sync ×4', 'gunicorn-sync+nginx ×4']);
    expect(series[0]?.points.map((point) => [point.x, point.throughputRps])).toEqual([
      [0, 78],
      [2, 39],
      [4, 2],
    ]);
  });

  it('puts slow clients on a linear x axis labelled at every count, 0 included', () => {
    const scale = xScale(slowRun, buildSeries(slowRun));
    expect(scale.type).toBe('linear');
    expect(scale.title.text).toMatch(/^slow clients/);
    expect(xScale(slowRun, []).min).toBeLessThan(0);
  });

  it('plots the offered rate on an open-loop run and flags the saturated points', () => {
    const [blockingLine] = buildSeries(openRun);
    expect(blockingLine?.points.map((point) => [point.x, point.saturated])).toEqual([
      [10, false],
      [40, true],
      [160, true],
    ]);
  });

  it("knows each deployment's capacity in req/s, or that it has none", () => {
    expect(buildSeries(openRun).map((s) => s.capacityRps)).toEqual([20, null]);
  });

  it('has no capacity for a series whose points disagree on it', () => {
    expect(buildSeries(workersRun)[0]?.capacityRps).toBeNull();
  });

  it('returns no series when nothing was measured', () => {
    expect(buildSeries(emptyRun)).toEqual([]);
  });

  it('gives a point where no request succeeded no latency, rather than 0 ms', () => {
    const [, cpu] = buildSeries(noSuccessRun);
    expect(cpu?.points.map((point) => [point.p50Ms, point.p99Ms])).toEqual([[null, null]]);
  });
});

describe('chart markers', () => {
  it('draw a server-saturated point hollow and a generator-limited one grey, with a key for each', () => {
    const series = buildSeries(limitsRun);
    const blocking = series.find((s) => s.deployments.includes('node-blocking'))!;
    const async = series.find((s) => s.deployments.includes('node-async'))!;
    expect(markerFills(blocking)).toEqual(['#ffffff']);
    expect(markerFills(async)).toEqual(['#8a8a8a']);
    const limits = limitMarkers(series);
    expect(limits.keys.map((key) => key.text)).toEqual(['server saturated', 'generator-limited']);
    expect(limits.notes.join('; ')).toMatch(/grey markers: the load generator was the limit/);
  });
});

describe('capacityRps', () => {
  it('is K × 1000 / d: four workers on 50 ms requests serve 80 req/s', () => {
    expect(capacityRps(fourWorkers)).toBe(80);
  });

  it('is null for an event loop, which has no capacity to reach', () => {
    expect(capacityRps(eventLoop)).toBeNull();
  });

  it('is null when the service time is unknown', () => {
    expect(capacityRps({ capacity: 4, bound: '4 workers', serviceMs: null })).toBeNull();
  });
});

describe('latencyCell', () => {
  const at = (samples: number) => row({ deployment: 'node-async', concurrency: 1, samples, latencyMs: latency(50, 53.1) });

  it('marks a p99 from 50 samples as coarse, and not one from 500', () => {
    expect(latencyCell(at(50), 'p99')).toBe(`53.1${COARSE_MARK}`);
    expect(latencyCell(at(500), 'p99')).toBe('53.1');
  });

  it('marks a p99.9 from 500 samples as coarse, and not one from 5,000', () => {
    expect(latencyCell(at(500), 'p999')).toBe(`63.7${COARSE_MARK}`);
    expect(latencyCell(at(5000), 'p999')).toBe('63.7');
  });

  it('never marks a p50', () => {
    expect(latencyCell(at(2), 'p50')).toBe('50.0');
  });

  it('puts the mark on the median, before the min–max across repeats', () => {
    const point = repeated({ deployment: 'node-async', concurrency: 1, throughputRps: 10, samples: 90, latencyMs: latency(50, 60) });
    expect(latencyCell(point, 'p99', { spread: true })).toBe(`60.0${COARSE_MARK} (48.0–78.0)`);
  });

  it('shows – where no request succeeded, whether latencies are null or rest on 0 samples', () => {
    expect(latencyCell(row({ deployment: 'node-async', concurrency: 1, samples: 0, latencyMs: null }), 'p50')).toBe(NONE);
    expect(latencyCell(at(0), 'p99')).toBe(NONE);
  });
});

describe('wantsLogScale', () => {
  it('asks for a log axis when 20 req/s and 1280 req/s share a chart', () => {
    expect(wantsLogScale([20, 80, 1280])).toBe(true);
  });

  it('keeps a linear axis for values within 30× of each other', () => {
    expect(wantsLogScale([20, 80, 400])).toBe(false);
  });

  it('keeps a linear axis when a point served nothing, since zero has no place on a log axis', () => {
    expect(wantsLogScale([0, 20, 1280])).toBe(false);
  });
});

describe('deploymentFootprints', () => {
  it("takes each deployment's peak RSS with its process count, its peak PSS, its busiest CPU, and its line colour", () => {
    const heavy = { cpuPercent: 40, peakRssMb: 300, peakPssMb: 120, processes: 5 };
    const footprints = deploymentFootprints(
      run([
        row({ deployment: 'node-prefork ×4', concurrency: 1, resources: { cpuPercent: 60, peakRssMb: 200, peakPssMb: 130, processes: 4 } }),
        row({ deployment: 'node-prefork ×4', concurrency: 8, resources: heavy }),
        row({ deployment: 'node-async', concurrency: 1 }),
      ]),
    );
    expect(footprints).toEqual([
      { deployment: 'node-prefork ×4', colour: PALETTE[0], peakRssMb: 300, peakPssMb: 130, processes: 5, cpuPercent: 60 },
      { deployment: 'node-async', colour: PALETTE[1], peakRssMb: 50, peakPssMb: 40, processes: 1, cpuPercent: 5 },
    ]);
  });

  it('keeps PSS null for a deployment where no point could read it', () => {
    const unread = { cpuPercent: 5, peakRssMb: 50, peakPssMb: null, processes: 1 };
    const [footprint] = deploymentFootprints(run([row({ deployment: 'node-async', concurrency: 1, resources: unread })]));
    expect(footprint?.peakPssMb).toBeNull();
  });
});

describe('memoryChartConfig', () => {
  const bars = (results: RunResults) =>
    memoryChartConfig(results)!.data.datasets.map((dataset) => [dataset.label, dataset.data, dataset.yAxisID]);

  it('draws summed PSS beside summed RSS for every deployment, then CPU on its own axis', () => {
    expect(bars(closedRun)).toEqual([
      ['summed RSS (MB, left axis)', [50, 240, 70, 50], 'y'],
      ['summed PSS (MB, left axis)', [40, 110, 60, 40], 'y'],
      ['CPU (%, right axis)', [5, 12, 30, 5], 'cpu'],
    ]);
  });

  it('leaves out the PSS bar of a deployment whose PSS could not be read, and keeps its RSS', () => {
    const unread = { cpuPercent: 5, peakRssMb: 180, peakPssMb: null, processes: 5 };
    const mixed = run([row({ deployment: 'node-async', concurrency: 1 }), row({ deployment: 'gunicorn-sync ×4', concurrency: 1, resources: unread })]);
    expect(bars(mixed).slice(0, 2)).toEqual([
      ['summed RSS (MB, left axis)', [50, 180], 'y'],
      ['summed PSS (MB, left axis)', [40, null], 'y'],
    ]);
  });

  it('draws only RSS and CPU when no point could read PSS', () => {
    const unread = { cpuPercent: 5, peakRssMb: 50, peakPssMb: null, processes: 1 };
    expect(bars(run([row({ deployment: 'node-async', concurrency: 1, resources: unread })])).map(([label]) => label)).toEqual([
      'summed RSS (MB, left axis)',
      'CPU (%, right axis)',
    ]);
  });
});

describe('load levels in words', () => {
  it('name the slow clients beside the load, in sentences and on the timeline', () => {
    const sync = slowRun.results.filter((r) => r.deployment === 'gunicorn-sync ×4');
    expect(sync.map(describeLoad)).toEqual(['c=8 with 0 slow clients', 'c=8 with 2 slow clients', 'c=8 with 4 slow clients']);
    expect(describeLoads(sync.slice(1))).toBe('c=8 with 2, 4 slow clients');
    expect(describeLoads(closedRun.results.filter((r) => r.deployment === 'node-prefork ×4'))).toBe('c=1, 8, 64');
  });
});

describe('timelineDeployments', () => {
  const everyTimeline = (settings: RunResults['settings']) =>
    run(closedRun.results.map((r) => ({ ...r, timeline: r.timeline.length > 0 ? r.timeline : [second(0, r.throughputRps)] })), { settings });

  it('draws every deployment with a timeline, the one the run names first', () => {
    expect(timelineDeployments(everyTimeline(closedRun.settings))).toEqual(['node-prefork ×4', 'node-blocking', 'node-async', TRICKY]);
    expect(timelineRows(closedRun, 'node-prefork ×4').map((r) => [r.deployment, r.concurrency])).toEqual([
      ['node-prefork ×4', 1],
      ['node-prefork ×4', 8],
    ]);
  });

  it('keeps the order measured when the run names none', () => {
    const { timelineDeployment, ...settings } = closedRun.settings;
    expect(timelineDeployments(everyTimeline(settings))).toEqual(['node-blocking', 'node-prefork ×4', 'node-async', TRICKY]);
  });

  it('leaves out the deployments without per-second figures', () => {
    expect(timelineDeployments(closedRun)).toEqual(['node-prefork ×4']);
    expect(timelineDeployments(openRun)).toEqual([]);
  });
});

describe('timelinePoints', () => {
  const points = (fields: Partial<ResultRow>) => timelinePoints(row({ deployment: 'gunicorn-sync ×3', concurrency: 6, ...fields })).map((p) => [p.x, p.rps, p.failed]);

  it('folds a last bucket of a few hundredths of a second into the second before it, so its scaled-up count draws no spike', () => {
    // A bench serve step held 4.0 s: its fifth bucket caught a few answers in its first instants, scaled to 235 a second.
    const held = [second(0, 70), second(1, 70), second(2, 73), second(3, 72), second(4, 235.4)];
    expect(points({ durationS: 4, timeline: held })).toEqual([
      [0.5, 70, 0],
      [1.5, 70, 0],
      [2.5, 73, 0],
      [3.5, 72, 0],
    ]);
    // Held 4.2 s: the last 0.2 s counts for 0.2 of the 1.2 s it joins, and the point sits at that span's middle.
    expect(points({ durationS: 4.2, timeline: [...held.slice(0, 4), second(4, 12, 6)] }).at(-1)).toEqual([3.6, 62, 1]);
  });

  it('keeps a last bucket of half a second or more, and the only bucket of a short window, at the middle of what they cover', () => {
    expect(points({ durationS: 2.5, timeline: [second(0, 20), second(1, 20), second(2, 18)] }).at(-1)).toEqual([2.25, 18, 0]);
    expect(points({ durationS: 0.3, timeline: [second(0, 80)] })).toEqual([[0.15, 80, 0]]);
  });

  it('draws the seconds after the last answer, and a point where nothing came back at all, as zeros across the window', () => {
    expect(points({ durationS: 3, timeline: [second(0, 24)] })).toEqual([
      [0.5, 24, 0],
      [1.5, 0, 0],
      [2.5, 0, 0],
    ]);
    const held = row({ deployment: 'gunicorn-sync ×4', concurrency: 8, throughputRps: 0, samples: 0, latencyMs: null, durationS: 2, slowClients: { count: 4, sendBytesPerSecond: 100, completed: 0 } });
    expect(timelinePoints(held).map((p) => [p.x, p.rps])).toEqual([
      [0.5, 0],
      [1.5, 0],
    ]);
    expect(timelineRows(run([row({ deployment: 'gunicorn-sync ×4', concurrency: 8, timeline: [second(0, 80)] }), held]), 'gunicorn-sync ×4')).toHaveLength(2);
  });

  it('draws a row that recorded no window length at the middle of each second, as before', () => {
    expect(points({ durationS: 0, timeline: [second(0, 20), second(1, 19)] })).toEqual([
      [0.5, 20, 0],
      [1.5, 19, 0],
    ]);
  });

  it('adds no seconds to wrk, which keeps no timeline', () => {
    const wrk = row({ deployment: 'node-async', concurrency: 8, samples: 0, generator: { ...idleGenerator, engine: 'wrk' } });
    expect(timelinePoints(wrk)).toEqual([]);
    expect(timelineDeployments(run([wrk]))).toEqual([]);
  });
});

describe('gapNotes', () => {
  const none = { kind: 'none' as const, text: 'bench found no cause among those it measures (spread over workers, cores, load generator, connection cap, slow clients, database pool)', evidence: {} };
  const crashed = (fault: ResultRow['fault']) =>
    run([row({ deployment: 'node-blocking', concurrency: 16, throughputRps: 1.7, throughputRatio: 0.085, modelGap: { ratio: 0.085, band: [0.85, 1.1], reasons: [none] }, fault })]);

  it('name the worker-crash scenario’s own SIGKILL as the cause, instead of saying bench found none', () => {
    expect(gapNotes(crashed({ killedPid: 27221, atS: 0.31, recoveryS: null }))).toEqual([
      'node-blocking at c=16: 1.7 of 20.0 req/s predicted (ratio 0.09): the scenario killed process 27221 (SIGKILL) 0.31 s into the window, and the deployment was not whole again before the window closed.',
    ]);
    expect(gapNotes(crashed({ killedPid: 27374, atS: 0.3, recoveryS: 0.28 }))[0]).toMatch(/\(SIGKILL\) 0\.3 s into the window, and the deployment was whole again 0\.28 s later\.$/);
    expect(gapNotes(crashed(undefined))[0]).toMatch(/: bench found no cause among those it measures/);
  });
});

describe('runWarnings', () => {
  const warnings = runWarnings(closedRun);

  it('says when the load generator, not the server, was the limit, naming its engine and placement', () => {
    expect(warnings).toContain(
      "node-async GENERATOR-LIMITED at c=64: the load generator (builtin, sharing the server's cores) was the limit, " +
        'not the server: CPU at 99%; the server may do better than these figures.',
    );
  });

  it("gives the generator's own limit when the run recorded one", () => {
    expect(runWarnings(limitsRun)).toContain(
      'node-async GENERATOR-LIMITED at 400 req/s offered: the load generator (builtin, on cores of its own) was the limit, ' +
        'not the server: connection cap (1000) reached; the server may do better than these figures.',
    );
  });

  it('lists saturated open-loop points per deployment as the server falling behind, with the requests unsent and failed', () => {
    expect(runWarnings(openRun)).toEqual([
      'node-blocking SATURATED at 40, 160 req/s offered: the server fell behind the offered load, achieving at most 19.8 req/s; ' +
        '400 requests unsent and 5 failed.',
    ]);
  });

  it('tells a server that fell behind from a generator that held the load back', () => {
    const [first, second, ...rest] = runWarnings(limitsRun);
    expect(rest).toEqual([]);
    expect(first).toMatch(/^node-async GENERATOR-LIMITED /);
    expect(second).toMatch(/^node-blocking SATURATED /);
  });

  it('says when a saturated server also filled the connection cap, and that without a model bench cannot tell which held the load back', () => {
    const behind = (predictedThroughputRps: number | null, path: string) =>
      row({ deployment: 'node-blocking', path, loop: 'open', offeredRps: 300, maxConnections: 20, concurrency: 20, throughputRps: 50, predictedThroughputRps, saturated: true, unsent: 10, late: 400 });
    const [modelled] = runWarnings(run([behind(50, '/io?ms=20')]));
    expect(modelled).toMatch(/Its connections filled the generator's cap \(20; 400 sends late\), as those of a server this far behind/);
    const [unknown] = runWarnings(run([behind(null, '/hello')]));
    expect(unknown).toMatch(/The connection cap \(20\) was reached as well \(400 sends late\) and with no model for this path bench cannot tell which held the load back: rerun with a higher --max-connections/);
    expect(runWarnings(limitsRun)[1]).not.toMatch(/cap/);
  });

  it('names a point where no request succeeded, and says its latencies show as –', () => {
    expect(runWarnings(noSuccessRun)).toEqual([
      'gunicorn-sync ×1 /cpu?ms=20 at c=1: no request succeeded (0 samples): its latencies are shown as –.',
    ]);
  });

  it('notes the core-count ceiling when a point is CPU-bound, on the server machine where there is one', () => {
    expect(runWarnings(workersRun)).toEqual([
      'CPU-bound points are bounded by the core count (2 on this machine): past it, more workers or clients only queue.',
    ]);
    const far = { ...workersRun, settings: { ...workersRun.settings, serverHost: 'bench@203.0.113.10', placement: { mode: 'separate' as const, serverCpus: null, generatorCpus: null, serverCores: 8 } } };
    expect(runWarnings(far)).toEqual([
      'CPU-bound points are bounded by the core count (8 on bench@203.0.113.10, the server machine): past it, more workers or clients only queue.',
    ]);
  });

  it('names failed and skipped deployments with their reasons', () => {
    expect(warnings).toContain('uwsgi ×4 failed: exited with code 1: <no app loaded>');
    expect(warnings).toContain('flask-dev skipped: flask is not installed');
  });

  it('says when the run did not finish', () => {
    expect(runWarnings(emptyRun)).toEqual([expect.stringMatching(/^The run did not finish/)]);
  });
});

// ---- the writers ----

describe('chart titles', () => {
  it("name the scenario by its title, cut at a word where it would not fit the chart's one title line", () => {
    const long = run([], { title: 'gunicorn sync, gthread and gevent workers in front of a Django site with its PostgreSQL database' });
    expect(chartTitle(long, 'Throughput').text).toBe('Throughput by concurrency (scenario: gunicorn sync, gthread and gevent workers in front of a…)');
    expect(chartTitle(run([], { title: 'mysite' }), 'Throughput').text).toBe('Throughput by concurrency (scenario: mysite)');
    expect(chartTitle(run([]), 'Throughput').text).toBe('Throughput by concurrency (scenario: fixture)');
  });
});

/** A `bench serve` session: the blocking worker at 1 then 4 clients, a pool of 4 at 8 on /io and /hello, then 4 slow clients on gunicorn sync. */
const step = (fields: Partial<SessionStep> & Pick<SessionStep, 'deployment' | 'load' | 'throughputRps' | 'note'>): SessionStep => ({
  t: 0,
  lengthS: 5,
  path: '/io?ms=50',
  slowClients: 0,
  p50Ms: 51,
  p99Ms: 60,
  errorsPerS: { refused: 0, reset: 0, timeout: 0, non2xx: 0, other: 0 },
  inFlight: 1,
  littleL: 1,
  busy: 1,
  held: 0,
  capacity: 1,
  predictedRps: 20,
  modelWorking: null,
  ...fields,
});
const sessionRun = run(
  [
    row({ deployment: 'node-blocking', concurrency: 1, throughputRps: 19.6, timeline: [second(0, 20)] }),
    row({ deployment: 'node-blocking', concurrency: 4, throughputRps: 19.7, latencyMs: latency(203, 210), timeline: [second(0, 20)] }),
    row({ deployment: 'node-prefork ×4', ...prefork, concurrency: 8, throughputRps: 79, predictedThroughputRps: 80, timeline: [second(0, 79)] }),
    row({ deployment: 'node-prefork ×4', ...prefork, path: '/hello', concurrency: 8, throughputRps: 1280, predictedThroughputRps: null, timeline: [second(0, 1280)] }),
    row({
      deployment: 'gunicorn-sync ×4',
      server: 'gunicorn-sync',
      workers: 4,
      model: fourWorkers,
      concurrency: 8,
      throughputRps: 2,
      predictedThroughputRps: 80,
      slowClients: { count: 4, sendBytesPerSecond: 100, completed: 0 },
      timeline: [second(0, 2)],
    }),
  ],
  {
    scenario: 'serve',
    settings: { ...run([]).settings, concurrency: [1, 4, 8], paths: ['/io?ms=50', '/hello'], repeat: 1 },
    steps: [
      step({ t: 3, deployment: 'node-blocking', load: '1 client', concurrency: 1, throughputRps: 19.6, modelWorking: 'min(1 client, 1 worker) / 0.050 s = 20 req/s', note: 'below the ceiling: every request served at once' }),
      step({ t: 9, deployment: 'node-blocking', load: '4 clients', concurrency: 4, throughputRps: 19.7, p50Ms: 203, p99Ms: 1250, inFlight: 4, littleL: 4.1, note: 'at the ceiling: 1 of 1 workers busy, 3 requests waiting, latency 4× the service time' }),
      step({ t: 20, deployment: 'node-prefork ×4', load: '8 clients', concurrency: 8, throughputRps: 79, p50Ms: 101, inFlight: 8, littleL: 8.1, busy: 4, capacity: 4, predictedRps: 80, note: 'at the ceiling: 4 of 4 workers busy, 4 requests waiting, latency 2× the service time' }),
      step({ t: 30, deployment: 'node-prefork ×4', path: '/hello', load: '8 clients', concurrency: 8, throughputRps: 1280, p50Ms: 6, inFlight: 8, littleL: 7.7, busy: 4, capacity: 4, predictedRps: null, note: "no model for /hello: the figures show the server's own overhead" }),
      step({
        t: 40,
        deployment: 'gunicorn-sync ×4',
        load: '8 clients, 4 slow',
        concurrency: 8,
        slowClients: 4,
        throughputRps: 2,
        p50Ms: 2900,
        inFlight: 8,
        littleL: 5.8,
        busy: 0,
        held: 4,
        capacity: 4,
        predictedRps: 80,
        errorsPerS: { refused: 0, reset: 0, timeout: 0.4, non2xx: 0, other: 0 },
        note: 'slow clients hold 4 of 4 workers: the normal clients barely get through',
      }),
    ],
  },
);

describe('the handout of a bench serve session', () => {
  const sheet = handout(sessionRun)!;

  it('lists the steps in the order held, plain columns first, each with its figures and note', () => {
    expect(sheet.table.headers).toEqual([
      'step',
      'deployment',
      'load',
      'served (req/s)',
      'typical (p50)',
      'slowest 1% (p99)',
      'in flight (L)',
      'λ × W',
      'workers busy',
      'failed a second',
      'the model',
      'what it shows',
    ]);
    expect(sheet.table.rows.map((r) => r.cells)).toEqual([
      ['1', 'node-blocking', '/io?ms=50, 1 client', '19.6', '51.0 ms', '60.0 ms', '1', '1', '1 of 1', '0', 'min(1 client, 1 worker) / 0.050 s = 20 req/s', 'below the ceiling: every request served at once'],
      ['2', 'node-blocking', '/io?ms=50, 4 clients', '19.7', '203 ms', '1.3 s', '4', '4.1', '1 of 1', '0', '20 req/s', 'at the ceiling: 1 of 1 workers busy, 3 requests waiting, latency 4× the service time'],
      ['3', 'node-prefork ×4', '/io?ms=50, 8 clients', '79.0', '101 ms', '60.0 ms', '8', '8.1', '4 of 4', '0', '80 req/s', 'at the ceiling: 4 of 4 workers busy, 4 requests waiting, latency 2× the service time'],
      ['4', 'node-prefork ×4', '/hello, 8 clients', '1280.0', '6.0 ms', '60.0 ms', '8', '7.7', '4 of 4', '0', '– (no model for /hello)', "no model for /hello: the figures show the server's own overhead"],
      ['5', 'gunicorn-sync ×4', '/io?ms=50, 8 clients, 4 slow', '2.0', '2.9 s', '60.0 ms', '8', '5.8', '0 of 4, 4 held', '0.4', '80 req/s', 'slow clients hold 4 of 4 workers: the normal clients barely get through'],
    ]);
  });

  it("opens with what the session shows and how to read the table by Little's law", () => {
    expect(sheet.intro[0]).toBe(
      'This session held 5 settings, in the order below, from node-blocking at 1 client. The most served was 1280.0 req/s, by node-prefork ×4 at 8 clients (step 4). 3 of 4 steps with a model came within 15% of it.',
    );
    expect(sheet.intro.join(' ')).toContain('L = λ × W');
  });

  it('leaves out the CPU and failure columns when no step has them, and is absent from a run that is not a session', () => {
    const quiet = handout({ ...sessionRun, steps: sessionRun.steps!.slice(0, 3) })!;
    expect(quiet.table.headers).not.toContain('failed a second');
    expect(quiet.table.headers).not.toContain('server CPU');
    expect(handout({ ...sessionRun, steps: [{ ...sessionRun.steps![0]!, cpuPercent: 55 }] })!.table.rows[0]!.cells).toContain('55%');
    expect(handout(closedRun)).toBeNull();
  });

  it('opens report.html and report.md, before the engineer’s summary', async () => {
    // Paths in cells may break after their slashes: <wbr> marks where.
    const html = (await writtenText('HTML report', sessionRun)).replace(/<wbr>/g, '');
    const markdown = await writtenText('Markdown report', sessionRun);
    for (const text of [html, markdown]) {
      const at = (needle: string) => text.indexOf(needle);
      expect(at('The session, step by step')).toBeGreaterThan(0);
      expect(at('The session, step by step')).toBeLessThan(at('Summary'));
      const notes = sessionRun.steps!.map((s) => at(s.note.replace(/'/g, text === html ? '&#39;' : "'")));
      expect(notes.every((n) => n > 0)).toBe(true);
      expect(notes).toEqual([...notes].sort((a, b) => a - b));
    }
  });
});

describe('chart panels', () => {
  const views = chartViews(sessionRun);

  it('put each path on a panel of its own, so /hello at 1280 req/s does not flatten /io at 20 and 80', () => {
    expect(views.map((v) => v.heading)).toEqual([' at /io?ms=50', ' at /hello', ' at /io?ms=50']);
    expect(views.map((v) => Math.max(...v.run.results.map((r) => r.throughputRps)))).toEqual([79, 1280, 2]);
  });

  it('label a log axis whose figures sit between two 1-2-5 ticks (one slow step at 3.1 s)', () => {
    const y = logYScale('latency');
    const scale = { min: 3100, max: 3125, ticks: [] as { value: number }[] } as unknown as Scale;
    y.afterDataLimits(scale);
    y.afterBuildTicks(scale);
    expect(scale.ticks.map((t) => t.value)).toEqual([2000]);
  });

  it('keep each deployment in one colour and marker from panel to panel', () => {
    const looks = views.flatMap((v) => buildSeries(v.run, v.colours).map((s) => [s.label, s.colour, s.pointStyle]));
    expect(new Set(looks.map((look) => look.join())).size).toBe(new Set(looks.map(([label]) => label)).size);
    expect(looks.filter(([label]) => label === 'node-prefork ×4')).toHaveLength(2);
  });

  it('put slow-client rows on a panel whose x axis counts the slow clients, and keep them off the by-concurrency one', () => {
    const [io, , slow] = views;
    expect(io!.run.results.some((r) => r.slowClients)).toBe(false);
    expect(buildSeries(slow!.run).map((s) => [s.label, s.points.map((p) => p.x)])).toEqual([['gunicorn-sync ×4', [4]]]);
    expect(xScale(slow!.run, buildSeries(slow!.run)).title.text).toMatch(/^slow clients/);
    expect(chartTitle(slow!.run, `Throughput${slow!.heading}`).text).toMatch(/^Throughput at \/io\?ms=50 by slow clients/);
  });

  it('start the slow-client panel from the same deployment and load without slow clients, at 0', () => {
    const sync = { server: 'gunicorn-sync', workers: 3, model: fourWorkers, concurrency: 6 };
    const slowly = (count: number, throughputRps: number) => row({ deployment: 'gunicorn-sync ×3', ...sync, throughputRps, slowClients: { count, sendBytesPerSecond: 100, completed: 0 } });
    const session = run(
      [
        row({ deployment: 'node-prefork ×3', ...prefork, concurrency: 6, throughputRps: 70 }),
        row({ deployment: 'gunicorn-sync ×3', ...sync, concurrency: 12, throughputRps: 71 }),
        row({ deployment: 'gunicorn-sync ×3', ...sync, throughputRps: 71 }),
        slowly(2, 25),
        slowly(3, 4.5),
      ],
      { scenario: 'serve', settings: { ...run([]).settings, concurrency: [6, 12], repeat: 1 } },
    );
    const [byClients, bySlow] = chartViews(session);
    expect(buildSeries(bySlow!.run).map((s) => [s.label, s.points.map((p) => [p.x, p.throughputRps])])).toEqual([
      [
        'gunicorn-sync ×3',
        [
          [0, 71],
          [2, 25],
          [3, 4.5],
        ],
      ],
    ]);
    expect(bySlow!.run.settings.slowClients).toEqual({ counts: [0, 2, 3], sendBytesPerSecond: 100 });
    expect(byClients!.run.results.some((r) => r.slowClients)).toBe(false);
    expect(byClients!.run.results).toHaveLength(3);
  });

  it('draw a session that ran clients and then a rate on two panels, by concurrency and by offered load, with a load column that says which', () => {
    const open = (offeredRps: number, throughputRps: number) => row({ deployment: 'node-blocking', loop: 'open', offeredRps, concurrency: 64, throughputRps });
    const session = run([open(20, 19.8), open(60, 31), row({ deployment: 'node-blocking', concurrency: 256, throughputRps: 3.2 }), row({ deployment: 'node-blocking', concurrency: 4, throughputRps: 30 })], {
      scenario: 'serve',
      settings: { ...run([]).settings, concurrency: [4, 256], rates: [20, 60], repeat: 1 },
    });
    const panels = chartViews(session).map((v) => [chartTitle(v.run, 'Throughput').text, buildSeries(v.run).flatMap((s) => s.points.map((p) => [p.x, p.throughputRps]))]);
    expect(panels).toEqual([
      [
        'Throughput by offered load (scenario: serve)',
        [
          [20, 19.8],
          [60, 31],
        ],
      ],
      [
        'Throughput by concurrency (scenario: serve)',
        [
          [4, 30],
          [256, 3.2],
        ],
      ],
    ]);
    const [points] = summaryTables(session);
    expect(points!.headers[1]).toBe('load');
    expect(points!.rows.map((r) => r.cells[1])).toEqual(['20 req/s', '60 req/s', 'c=256', 'c=4']);
  });

  it('say how many times a setting a session held again was measured, under the chart and the table', () => {
    const again = run([row({ deployment: 'node-blocking', concurrency: 4, throughputRps: 30.7, repeats: 2, spread: { throughputRps: { min: 29.9, max: 31.4 }, p50Ms: { min: 124, max: 6267 }, p99Ms: { min: 251, max: 7848 } } })], {
      scenario: 'serve',
      settings: { ...run([]).settings, concurrency: [4], repeat: 1 },
    });
    const bars = [{ x: 4, low: 29.9, high: 31.4, colour: '#000000' }];
    const config = seriesLineChart(again, buildSeries(again), { what: 'Throughput', datasets: [], legendItems: [], notes: [], bars, limitNotes: [], y: {} });
    expect(config.options!.plugins!.subtitle!.text).toBe('bars: min–max of 2 repeats');
    expect(summaryNotes(again)[0]).toMatch(/^A point measured more than once \(a setting held again\) shows the median/);
  });

  it('leave a run of one path without slow clients as one chart, and a slow-clients sweep on its own axis', () => {
    expect(chartViews(closedRun).map((v) => [v.run, v.heading])).toEqual([[closedRun, '']]);
    expect(chartViews(slowRun).map((v) => [v.run, v.heading])).toEqual([[slowRun, '']]);
  });

  it('draw a panel for each in throughput.png and latency.png, and a timeline panel for every deployment', async () => {
    for (const chart of CHARTS.filter((c) => ['throughput.png', 'latency.png'].includes(c.file))) {
      expect(pngSize((await chart.render(sessionRun))!)).toEqual({ width: CHART_WIDTH, height: 3 * PANEL_HEIGHT });
    }
    const deployments = ['node-blocking', 'node-prefork ×2', 'node-prefork ×4', 'gunicorn-sync ×4', 'uwsgi ×4', 'node-async'];
    const crash = run(deployments.map((deployment) => row({ deployment, concurrency: 8, timeline: [second(0, 20), second(1, 5, 3)] })));
    expect(timelineDeployments(crash)).toEqual(deployments);
    const timeline = CHARTS.find((c) => c.file === 'timeline.png')!;
    expect(pngSize((await timeline.render(crash))!)).toEqual({ width: CHART_WIDTH, height: deployments.length * PANEL_HEIGHT });
    // The session's node-prefork ×4 served /io and /hello: a timeline panel each, beside node-blocking's and gunicorn's.
    expect(pngSize((await timeline.render(sessionRun))!)).toEqual({ width: CHART_WIDTH, height: 4 * PANEL_HEIGHT });
  });
});

describe('chart writers', () => {
  // tune.png is a tune run's (test/tune-chart.test.ts); every other chart applies to any closed-loop run.
  for (const chart of CHARTS.filter((c) => c.applies(closedRun))) {
    it(`${chart.name} writes a ${CHART_WIDTH}×${CHART_HEIGHT} PNG`, async () => {
      const outDir = await freshDir();
      const written = await chartWriter(chart).write(closedRun, outDir);
      expect(written).toEqual([join(outDir, chart.file)]);
      expect(pngSize(await readFile(written[0] ?? ''))).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    });
  }

  it('draws every chart of an open-loop run, a workers sweep, a slow-clients sweep, and runs with limited or failed points', async () => {
    for (const results of [openRun, workersRun, slowRun, limitsRun, noSuccessRun]) {
      for (const chart of CHARTS.filter((c) => c.applies(results))) {
        const png = await chart.render(results);
        // The workers sweep and the failed run measured two paths: a panel each on the by-load charts.
        const panels = [workersRun, noSuccessRun].includes(results) && ['throughput.png', 'latency.png'].includes(chart.file) ? 2 : 1;
        expect(png && pngSize(png)).toEqual({ width: CHART_WIDTH, height: panels === 1 ? CHART_HEIGHT : panels * PANEL_HEIGHT });
      }
    }
  });

  it('writes no timeline when the deployment has no per-second figures', async () => {
    const outDir = await freshDir();
    const timeline = CHARTS.find((chart) => chart.file === 'timeline.png');
    expect(timeline).toBeDefined();
    if (timeline) expect(await chartWriter(timeline).write(openRun, outDir)).toEqual([]);
  });
});

describe('report.html', () => {
  const html = writtenText('HTML report', closedRun);

  it('leads with the scenario, its description and what to notice', async () => {
    const text = await html;
    expect(text).toContain('<h1>bench: fixture</h1>');
    expect(text).toContain('One blocking worker vs a pre-fork pool vs an event loop');
    expect(text).toContain('The blocking worker flattens at 20 req/s however many clients wait.');
  });

  it("titles the page by the scenario's title, and gives a description that is the title once", async () => {
    const titled = run(closedRun.results, { scenario: 'bench', title: 'One blocking worker vs a pre-fork pool vs an event loop' });
    const text = await writtenText('HTML report', titled);
    expect(text).toContain('<title>bench: One blocking worker vs a pre-fork pool vs an event loop</title>');
    expect(text).toContain('<h1>bench: One blocking worker vs a pre-fork pool vs an event loop</h1>');
    expect(text).not.toContain('<p class="description">');
    expect(text).not.toContain('bench: bench');
    const markdown = await writtenText('Markdown report', titled);
    expect(markdown.split('\n').slice(0, 3)).toEqual(['# bench: One blocking worker vs a pre-fork pool vs an event loop', '', '> **What to notice.** The blocking worker flattens at 20 req/s however many clients wait.']);
  });

  it('has the summary tables with predictions and spreads, one row per point in each', async () => {
    const text = await html;
    expect(text).toContain('<th class="num">predicted</th>');
    expect(text.match(/<tr(?: class="flagged")?><td>/g)).toHaveLength(2 * closedRun.results.length);
    // The min–max may go to a line of its own, never the figure apart from itself.
    expect(text).toContain('<td class="num">70.0 <span class="spread">(63.0–77.0)</span></td>');
  });

  it('embeds every chart the run has as a PNG data URI', async () => {
    expect((await html).match(/<img src="data:image\/png;base64,iVBORw0KGgo/g)).toHaveLength(CHARTS.filter((c) => c.applies(closedRun)).length);
  });

  it('loads nothing from the network', async () => {
    expect(await html).not.toMatch(/https?:\/\//);
  });

  it('escapes labels and reasons from the results', async () => {
    const text = await html;
    expect(text).toContain('gunicorn-sync ×4, &quot;tuned&quot; &lt;fast&gt;');
    expect(text).toContain('exited with code 1: &lt;no app loaded&gt;');
    expect(text).not.toContain('<fast>');
  });

  it('shows the warnings and the environment, with the load generator and where it ran', async () => {
    const text = await html;
    expect(text).toContain('the load generator (builtin, sharing the server&#39;s cores) was the limit, not the server');
    expect(text).toContain('<dt>gunicorn</dt><dd>20.1.0</dd>');
    expect(text).toContain('<dt>load generator</dt><dd>builtin, sharing the server&#39;s cores</dd>');
  });

  it('says under the table that percentiles cover successful responses only', async () => {
    expect(await html).toContain(
      '<p class="note">Latency percentiles cover successful (2xx) responses only; failed requests&#39; latencies are reported apart',
    );
  });

  it('has samples, p99.9 and PSS columns, and says how RSS and PSS differ', async () => {
    const text = await html;
    for (const header of ['samples', 'p99.9 ms', 'peak RSS MB', 'peak PSS MB']) expect(text).toContain(`<th class="num">${header}</th>`);
    expect(text).toContain('so summed PSS is what the pool really costs.');
  });

  it('marks a p99.9 from fewer than 1,000 samples and explains the mark under the table', async () => {
    const text = await writtenText('HTML report', sampledRun);
    // c=8: 500 samples; c=64: 5,000.
    expect(text).toContain('<td class="num">500</td><td class="num">50.0</td><td class="num">60.0</td><td class="num">72.0†</td>');
    expect(text).toContain('<td class="num">5000</td><td class="num">50.0</td><td class="num">60.0</td><td class="num">72.0</td>');
    expect(text).toContain('<p class="note">† rests on fewer than 100 samples (p99) or 1,000 (p99.9): read as roughly the slowest responses seen</p>');
  });

  it('adds no footnote when every percentile rests on enough samples', async () => {
    const plenty = run(sampledRun.results.filter((r) => r.samples >= 1000));
    expect(await writtenText('HTML report', plenty)).not.toContain('†');
  });

  it('shows – for the latencies of a point where nothing succeeded, and flags it', async () => {
    const text = await writtenText('HTML report', noSuccessRun);
    expect(text).toContain(
      '<td class="num">0</td><td class="num">–</td><td class="num">–</td><td class="num">–</td><td class="num">12</td>',
    );
    expect(text).not.toContain('0.0 ms');
    expect(text).toMatch(/<tr class="flagged"><td>gunicorn-sync ×1<\/td><td>\/cpu\?<wbr>ms=<wbr>20<\/td>.*no request succeeded<\/td><\/tr>/);
  });

  it('says in the notes column which limit a point hit: the server or the load generator', async () => {
    const text = await writtenText('HTML report', limitsRun);
    expect(text).toContain('<td>SATURATED: the server fell behind, 3000 unsent</td>');
    expect(text).toContain('<td>GENERATOR-LIMITED: connection cap (1000) reached</td>');
    expect(text).toContain('<dd>builtin, on cores of its own (server on CPUs 0, generator on 1); at most 1000 connections</dd>');
  });
});

describe('report.md', () => {
  const markdown = writtenText('Markdown report', closedRun);

  it('links every chart relative to itself', async () => {
    const text = await markdown;
    for (const file of ['throughput.png', 'latency.png', 'memory.png', 'timeline.png']) {
      expect(text).toMatch(new RegExp(`!\\[[^\\]]+\\]\\(${file.replace('.', '\\.')}\\)`));
    }
  });

  it('links no timeline when none was drawn', async () => {
    expect(await writtenText('Markdown report', openRun)).not.toContain('timeline.png');
  });

  it('has the notice, the warnings and a row per point in each of its two tables', async () => {
    const text = await markdown;
    expect(text).toContain('> **What to notice.** The blocking worker flattens');
    expect(text).toContain('## Warnings');
    expect(text.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))).toHaveLength(
      2 * (closedRun.results.length + 1),
    );
  });

  it('escapes Markdown in labels', async () => {
    expect(await markdown).toContain('gunicorn-sync ×4, "tuned" \\<fast\\>');
  });

  it('says under the table which responses the percentiles cover and how RSS and PSS differ', async () => {
    const text = await markdown;
    expect(text).toContain("Latency percentiles cover successful (2xx) responses only; failed requests' latencies are reported apart");
    expect(text).toContain("RSS sums every process's resident pages, counting pages that pre-forked workers share once per worker;");
  });

  it('marks coarse percentiles with a dagger and puts the footnote under the table', async () => {
    const lines = (await writtenText('Markdown report', sampledRun)).split('\n');
    const rowAt = (load: number) => lines.find((line) => line.startsWith(`| node-async | ${load} |`));
    expect(rowAt(1)).toContain('| 50 | 50.0 | 60.0† | 72.0† |');
    expect(rowAt(64)).toContain('| 5000 | 50.0 | 60.0 | 72.0 |');
    expect(lines).toContain('† rests on fewer than 100 samples (p99) or 1,000 (p99.9): read as roughly the slowest responses seen');
  });

  it('shows – for the latencies of a point where nothing succeeded', async () => {
    const lines = (await writtenText('Markdown report', noSuccessRun)).split('\n');
    expect(lines.find((line) => line.startsWith('| gunicorn-sync ×1 | /cpu?ms=20 |'))).toContain('| 0 | – | – | – | 12 |');
  });
});

describe('results.csv', () => {
  const csv = writtenText('CSV results', closedRun).then((text) => text.trimEnd().split('\r\n'));

  it('has a header and one record per point, all of the same width', async () => {
    const lines = await csv;
    expect(lines).toHaveLength(closedRun.results.length + 1);
    const header = parseCsvRecord(lines[0] ?? '');
    expect(header.slice(0, 3)).toEqual(['deployment', 'server', 'workers']);
    for (const line of lines) expect(parseCsvRecord(line)).toHaveLength(header.length);
  });

  it('quotes a label holding a comma and quotes, doubling the quotes', async () => {
    const lines = await csv;
    const tricky = lines.find((line) => line.startsWith('"'));
    expect(tricky?.startsWith('"gunicorn-sync ×4, ""tuned"" <fast>",')).toBe(true);
    expect(parseCsvRecord(tricky ?? '')[0]).toBe(TRICKY);
  });

  it('leaves missing values empty and writes the raw figures', async () => {
    const lines = await csv;
    const header = parseCsvRecord(lines[0] ?? '');
    const record = parseCsvRecord(lines[1] ?? '');
    const field = (name: string) => record[header.indexOf(name)];
    expect(field('offeredRps')).toBe('');
    expect(field('throughputRps')).toBe('19.5');
    expect(field('throughputMinRps')).toBe(String(19.5 * 0.9));
    expect(field('generatorSaturated')).toBe('false');
  });

  /** Checks a record's fields by column name; every name must be a column, or it would read as an empty field. */
  function expectFields(header: string[], record: string[], expected: Record<string, string>): void {
    for (const name of Object.keys(expected)) expect(header).toContain(name);
    expect(Object.fromEntries(Object.keys(expected).map((name) => [name, record[header.indexOf(name)]]))).toEqual(expected);
  }

  it('has the samples, the latency of failed requests, the generator and PSS', async () => {
    const [header = [], served = [], failed = []] = (await writtenText('CSV results', noSuccessRun)).trimEnd().split('\r\n').map(parseCsvRecord);
    expectFields(header, served, {
      samples: '60',
      errorLatencyP99Ms: '',
      generatorEngine: 'builtin',
      generatorPlacement: 'shared',
      generatorCpuMsPerRequest: '0.05',
      eventLoopDelayP99Ms: '2',
      peakRssMb: '50',
      peakPssMb: '40',
    });
    expectFields(header, failed, { samples: '0', latencyP50Ms: '', errorLatencyP50Ms: '10000', errorLatencyP99Ms: '10000' });
  });

  it("has the generator's limit and the open loop's connections", async () => {
    const [header = [], , limited = []] = (await writtenText('CSV results', limitsRun)).trimEnd().split('\r\n').map(parseCsvRecord);
    expectFields(header, limited, {
      saturated: 'false',
      generatorSaturated: 'true',
      generatorLimit: 'connection cap (1000) reached',
      peakConnections: '1000',
      maxConnections: '1000',
    });
  });
});

describe('writeReports', () => {
  it('runs every writer into a folder it creates', async () => {
    const outDir = join(await freshDir(), 'nested');
    const written = await writeReports(closedRun, outDir);
    const files = ['throughput.png', 'latency.png', 'memory.png', 'timeline.png', 'report.html', 'report.md', 'results.csv'];
    expect(written).toEqual(files.map((file) => join(outDir, file)));
  });

  it('embeds in the HTML the very charts it writes', async () => {
    const outDir = await freshDir();
    await writeReports(openRun, outDir);
    const html = await readFile(join(outDir, 'report.html'), 'utf8');
    expect(html).toContain((await readFile(join(outDir, 'throughput.png'))).toString('base64'));
  });

  it('still writes every report when nothing was measured', async () => {
    const outDir = await freshDir();
    const written = await writeReports(emptyRun, outDir);
    expect(written.map((path) => path.slice(outDir.length + 1))).toEqual([
      'throughput.png',
      'latency.png',
      'memory.png',
      'report.html',
      'report.md',
      'results.csv',
    ]);
    expect(await readFile(join(outDir, 'report.html'), 'utf8')).toContain('Nothing measured.');
    expect((await readFile(join(outDir, 'results.csv'), 'utf8')).trimEnd().split('\r\n')).toHaveLength(1);
  });

  it('writes every report for 6 deployments × 6 points well within 2 s', async () => {
    const labels = ['node-blocking', 'node-prefork ×4', 'node-async', 'flask-dev', 'gunicorn-sync ×4', 'gunicorn-sync+nginx ×4'];
    const typical = run(
      labels.flatMap((deployment) =>
        [1, 2, 4, 8, 16, 64].map((concurrency) =>
          repeated({ deployment, concurrency, throughputRps: 20 * Math.min(concurrency, 4), timeline: [second(0, 20), second(1, 20)] }),
        ),
      ),
    );
    const outDir = await freshDir();
    const started = performance.now();
    await writeReports(typical, outDir);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('formatTable', () => {
  const lines = formatTable(closedRun).split('\n');
  const cellsOf = (deployment: string, load: number) =>
    lines.find((line) => line.startsWith(deployment) && line.split(/\s{2,}/)[1] === String(load))?.split(/\s{2,}/);

  it('has a header and one row per measured point, then the warnings', () => {
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      'deployment',
      'c',
      'workers',
      'req/s',
      'predicted',
      'ratio',
      'samples',
      'p50 ms',
      'p99 ms',
      'errors',
      'non-2xx',
      'PSS MB',
      'status',
    ]);
    expect(lines.slice(2, 2 + closedRun.results.length).every((line) => !line.startsWith('warning'))).toBe(true);
    expect(lines[2 + closedRun.results.length]).toBe('');
  });

  it('shows the median with the min–max of repeated points, the prediction and the ratio', () => {
    expect(cellsOf('node-prefork ×4', 8)).toEqual(['node-prefork ×4', '8', '4', '70.0 (63.0–77.0)', '80.0', '0.88', '630', '101', '180', '4', '7', '110']);
  });

  it('rounds ms to a tenth below 100 and whole above', () => {
    expect(cellsOf('node-blocking', 1)?.slice(7, 9)).toEqual(['50.4', '55.0']);
    expect(cellsOf('node-blocking', 64)?.slice(7, 9)).toEqual(['3200', '3300']);
  });

  it('counts timeouts as errors and shows non-2xx responses separately', () => {
    expect(cellsOf('node-blocking', 8)?.slice(9, 11)).toEqual(['2', '0']);
  });

  it('shows summed PSS when every point has it, else summed RSS, saying which in the header', () => {
    expect(lines[0]).toContain('PSS MB');
    const unread = { cpuPercent: 5, peakRssMb: 180, peakPssMb: null, processes: 5 };
    const mixed = formatTable(run([row({ deployment: 'node-async', concurrency: 1 }), row({ deployment: 'node-prefork ×4', concurrency: 1, resources: unread })]));
    expect(mixed.split('\n')[0]?.split(/\s{2,}/).at(-1)).toBe('RSS MB');
    expect(mixed.split('\n')[3]?.split(/\s{2,}/).at(-1)).toBe('180');
  });

  it('marks a p99 from fewer than 100 samples and explains the mark under the table', () => {
    const sampled = formatTable(sampledRun).split('\n');
    const p99s = sampled.slice(2, 5).map((line) => line.split(/\s{2,}/)[8]);
    expect(p99s).toEqual(['60.0†', '60.0', '60.0']);
    expect(sampled[5]).toBe('† rests on fewer than 100 samples (p99) or 1,000 (p99.9): read as roughly the slowest responses seen');
  });

  it('shows – for the latencies of a point where nothing succeeded, never 0.0, and warns about it', () => {
    const text = formatTable(noSuccessRun).split('\n');
    const cells = text.find((line) => line.includes('/cpu?ms=20'))?.split(/\s{2,}/);
    expect(cells?.slice(7, 10)).toEqual(['0', '–', '–']);
    expect(text).toContain('warning: gunicorn-sync ×1 /cpu?ms=20 at c=1: no request succeeded (0 samples): its latencies are shown as –.');
  });

  it('right-aligns numbers so the columns line up under their headers', () => {
    const header = lines[0] ?? '';
    const ratioEnd = header.indexOf('ratio') + 'ratio'.length;
    const non2xxEnd = header.indexOf('non-2xx') + 'non-2xx'.length;
    for (const line of lines.slice(2, 2 + closedRun.results.length)) {
      expect(line.slice(ratioEnd - 3, ratioEnd)).toMatch(/^\.\d\d$/);
      // Lines end at their last value: the status column is empty on most rows.
      expect(line.slice(non2xxEnd - 2, non2xxEnd + 1)).toMatch(/^ \d( |$)/);
    }
  });

  it('marks a generator-limited point in the status column and warns under the table', () => {
    expect(cellsOf('node-async', 64)?.at(-1)).toBe('GENERATOR-LIMITED');
    expect(lines).toContain(
      "warning: node-async GENERATOR-LIMITED at c=64: the load generator (builtin, sharing the server's cores) was the limit, " +
        'not the server: CPU at 99%; the server may do better than these figures.',
    );
  });

  it('shows the offered rate on an open-loop run and marks the points where the server saturated', () => {
    const open = formatTable(openRun).split('\n');
    // The closed-loop run's columns, with the offered rate where the concurrency was.
    expect(open[0]?.split(/\s{2,}/)).toEqual(lines[0]?.split(/\s{2,}/).map((header) => (header === 'c' ? 'offered' : header)));
    expect(open.filter((line) => line.endsWith('SATURATED')).map((line) => line.split(/\s{2,}/).slice(0, 2))).toEqual([
      ['node-blocking', '40'],
      ['node-blocking', '160'],
    ]);
  });

  it('tells a server that saturated from a load generator that was the limit', () => {
    const statuses = formatTable(limitsRun)
      .split('\n')
      .slice(2, 4)
      .map((line) => [line.split(/\s{2,}/)[0], line.split(/\s{2,}/).at(-1)]);
    expect(statuses).toEqual([
      ['node-blocking', 'SATURATED'],
      ['node-async', 'GENERATOR-LIMITED'],
    ]);
  });

  it('shows the slow clients beside each point and, apart, how many of their requests were answered', () => {
    const [header, , , , , , fourSlow] = formatTable(slowRun).split('\n').map((line) => line.split(/\s{2,}/));
    expect(header?.slice(0, 5)).toEqual(['deployment', 'c', 'workers', 'slow clients', 'req/s']);
    expect(header?.at(-2)).toBe('slow answered');
    expect([fourSlow?.[0], fourSlow?.[3], fourSlow?.[4], fourSlow?.at(-2)]).toEqual(['gunicorn-sync ×4', '4', '2.0', '4']);
  });

  it('adds a path column when the run measured several paths', () => {
    expect(formatTable(workersRun).split('\n')[0]?.split(/\s{2,}/).slice(0, 3)).toEqual(['deployment', 'path', 'c']);
  });

  it('says nothing was measured, and lists failed and skipped deployments beneath', () => {
    const text = formatTable({
      ...emptyRun,
      complete: true,
      failures: [{ deployment: 'node-prefork ×4', server: 'node-prefork', reason: 'port 8080 in use' }],
      skipped: [{ deployment: 'uwsgi ×4', server: 'uwsgi', reason: 'uwsgi is not installed' }],
    });
    expect(text).toBe(
      [
        'Nothing measured.',
        '',
        'warning: node-prefork ×4 failed: port 8080 in use',
        'warning: uwsgi ×4 skipped: uwsgi is not installed',
      ].join('\n'),
    );
  });
});

describe("a requests: mix's own figures", () => {
  const mixed = row({
    deployment: 'gunicorn-sync+nginx ×4 (static by the app)',
    concurrency: 8,
    byRequest: [
      { request: 'GET /io?ms=20', weight: 1, throughputRps: 40, samples: 120, latencyMs: latency(163.6, 390) },
      { request: 'GET /static/large.bin', weight: 3, throughputRps: 120, samples: 60, latencyMs: latency(93.2, 425) },
    ],
  });

  it('gets a table of each request apart under the terminal table, a coarse p99 marked', () => {
    const lines = formatTable(run([mixed])).split('\n');
    const at = lines.indexOf('Each request of the mix:');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]?.split(/\s{2,}/)).toEqual(['deployment', 'c', 'request', 'req/s', 'samples', 'p50 ms', 'p99 ms']);
    expect(lines[at + 3]?.split(/\s{2,}/)).toEqual(['gunicorn-sync+nginx ×4 (static by the app)', '8', 'GET /io?ms=20 ×1', '40.0', '120', '164', '390']);
    expect(lines[at + 4]?.split(/\s{2,}/).slice(-2)).toEqual(['93.2', `425${COARSE_MARK}`]);
  });

  it('and in the Markdown and HTML reports; a run without a mix has none', async () => {
    const outDir = await freshDir();
    await writeReports(run([mixed]), outDir);
    expect(await readFile(join(outDir, 'report.md'), 'utf8')).toContain('| gunicorn-sync+nginx ×4 (static by the app) | 8 | GET /static/large.bin ×3 | 120.0 | 60 | 93.2 |');
    expect(await readFile(join(outDir, 'report.html'), 'utf8')).toContain('<h3>Each request of the mix</h3>');
    expect(formatTable(run([row({ deployment: 'node-async', concurrency: 1 })]))).not.toContain('Each request of the mix');
  });

  it("draws the mix's first request's own latencies in mix-latency.png, and no such chart without a mix", async () => {
    const config = firstRequestLatencyConfig(run([mixed]))!;
    const p50 = config.data.datasets.find((d) => d.label?.endsWith(' p50'))!;
    expect(p50.data.map((point) => point.y)).toEqual([163.6]);
    expect(firstRequestLatencyConfig(run([row({ deployment: 'node-async', concurrency: 1 })]))).toBeNull();
    const outDir = await freshDir();
    expect((await writeReports(run([mixed]), outDir)).map((path) => path.slice(outDir.length + 1))).toContain('mix-latency.png');
  });
});

describe('results.csv of a static-files row', () => {
  it('says who answered /static/', async () => {
    const lines = (await writtenText('CSV results', run([row({ deployment: 'gunicorn-sync+nginx ×4 (static by nginx)', concurrency: 1, static: 'web-server' })]))).trimEnd().split('\r\n');
    const header = parseCsvRecord(lines[0] ?? '');
    expect(parseCsvRecord(lines[1] ?? '')[header.indexOf('static')]).toBe('web-server');
  });
});

describe('a server started outside bench', () => {
  // What the sampler reports when none of the deployment's processes are bench's to see.
  const unseen = { cpuPercent: 0, peakRssMb: 0, peakPssMb: null, processes: 0 };
  const handStarted = row({ deployment: 'external', server: 'external', concurrency: 8, predictedThroughputRps: null, resources: unseen });
  const mixed = run([row({ deployment: 'node-async', concurrency: 8 }), handStarted]);

  it('shows – for its workers, CPU and memory in the terminal table, never 0, and keeps PSS for the others', () => {
    const lines = formatTable(mixed).split('\n');
    const header = lines[0]?.split(/\s{2,}/) ?? [];
    const cells = lines.find((line) => line.startsWith('external'))?.split(/\s{2,}/) ?? [];
    const cell = (name: string) => cells[header.indexOf(name)];
    expect(header).toContain('PSS MB');
    expect([cell('workers'), cell('PSS MB')]).toEqual([NONE, NONE]);
    expect(lines.find((line) => line.startsWith('node-async'))?.split(/\s{2,}/)[header.indexOf('PSS MB')]).toBe('40');
  });

  it('says in the warnings that its CPU and memory were not measured, and why', () => {
    expect(runWarnings(mixed).filter((w) => w.includes('not measured'))).toEqual([
      `external: CPU and memory not measured (shown as ${NONE}): bench samples the processes it starts, and a server started ` +
        'by hand only where the processes listening on its loopback port lead a process group of their own (start it with setsid, or as a terminal job of its own).',
    ]);
    const watched = row({ deployment: 'external', server: 'external', concurrency: 8, predictedThroughputRps: null });
    expect(runWarnings(run([watched]))).toEqual(['external: CPU and memory are those of the process group listening on its port, which bench watched but did not start.']);
    const separate = run([watched], { settings: { ...closedRun.settings, placement: { mode: 'separate', serverCpus: '0', generatorCpus: '1', serverCores: 1 } } });
    expect(runWarnings(separate)).toContain(
      "external: started outside bench, so not pinned to the server's CPUs (0): it may have shared the generator's (1); start it under taskset -c 0 to keep them apart.",
    );
    expect(runWarnings(run([row({ deployment: 'node-async', concurrency: 8 })])).join(' ')).not.toContain('not measured');
    // A deployment bench started, on a machine without /proc: nothing to do with how it was started.
    expect(runWarnings(run([row({ deployment: 'node-async', concurrency: 8, resources: unseen })]))).toContain(
      `node-async: CPU and memory not measured (shown as ${NONE}): this machine has no /proc to read them from.`,
    );
  });

  it('is not said to share the generator\'s core when it is on another machine, and its table shows the round trip', () => {
    const far = row({ deployment: 'external', server: 'external', concurrency: 8, predictedThroughputRps: null, network: { rttMs: 20.04, roundTrips: 2 } });
    const separate = run([far], { settings: { ...closedRun.settings, placement: { mode: 'separate', serverCpus: '0', generatorCpus: '1', serverCores: 1 } } });
    expect(runWarnings(separate).join(' ')).not.toContain('not pinned');
    const lines = formatTable(separate).split('\n');
    const header = lines[0]!.split(/\s{2,}/);
    expect(lines.find((line) => line.startsWith('external'))!.split(/\s{2,}/)[header.indexOf('RTT ms')]).toBe('20.0 ×2');
    expect(formatTable(mixed)).not.toContain('RTT');
  });

  it('says the round trip is left out of the predictions when Locust workers elsewhere sent the load', () => {
    const notInModel = "timed from bench's machine, while Locust workers on other machines sent the load";
    const far = row({ deployment: 'gunicorn-sync ×4', concurrency: 4, network: { rttMs: 31.2, roundTrips: 2, notInModel } });
    const lines = formatTable(run([far])).split('\n');
    const header = lines[0]!.split(/\s{2,}/);
    expect(lines.find((line) => line.startsWith('gunicorn-sync'))!.split(/\s{2,}/)[header.indexOf('RTT ms')]).toBe('31.2 (not in model)');
    expect(runWarnings(run([far])).join(' ')).toContain(`The round trip to the server (31.2 ms) is left out of the predictions: it was ${notInModel}.`);
  });

  it('shows – in the Markdown report and leaves the CSV fields empty', async () => {
    const markdown = await writtenText('Markdown report', mixed);
    // Its workers, CPU, RSS and PSS.
    expect(markdown).toMatch(/^\| external \| 8 \| – \| – \| – \| – \|/m);
    const [header = [], , external = []] = (await writtenText('CSV results', mixed)).trimEnd().split('\r\n').map(parseCsvRecord);
    const field = (name: string) => external[header.indexOf(name)];
    expect([field('workers'), field('cpuPercent'), field('peakRssMb'), field('peakPssMb'), field('processes')]).toEqual(['', '', '', '', '0']);
  });

  it('has no bars in the memory chart, and no memory chart when it is all the run measured', () => {
    expect(deploymentFootprints(mixed).map((f) => f.deployment)).toEqual(['node-async']);
    expect(memoryChartConfig(mixed)!.options?.plugins?.subtitle?.text).toMatch(/; not measured: external$/);
    expect(memoryChartConfig(run([handStarted]))).toBeNull();
  });
});
