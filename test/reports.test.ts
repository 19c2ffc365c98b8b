import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultRow, RunResults } from '../harness/results.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../reports/charts.js';
import { writeReports, writers } from '../reports/index.js';
import { buildSeries, PALETTE } from '../reports/series.js';
import { formatTable } from '../reports/table.js';

function row(fields: Partial<ResultRow> & Pick<ResultRow, 'deployment' | 'concurrency'>): ResultRow {
  return {
    server: fields.deployment.split(' ')[0] ?? fields.deployment,
    workers: 1,
    proxy: 'none',
    path: '/hello',
    durationS: 10,
    requests: 1000,
    throughputRps: 100,
    latencyMs: { p50: 1, p90: 2, p99: 3, p999: 4, max: 5, mean: 1.5 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    ...fields,
  };
}

function latency(p50: number, p99: number): ResultRow['latencyMs'] {
  return { p50, p90: p99 * 0.8, p99, p999: p99 * 1.2, max: p99 * 1.5, mean: p50 * 1.1 };
}

function run(results: ResultRow[], overrides: Partial<RunResults> = {}): RunResults {
  return {
    scenario: 'fixture',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:05:00.000Z',
    complete: true,
    environment: {
      node: 'v20.0.0',
      os: 'linux',
      cpus: 8,
      cpuModel: 'test cpu',
      totalMemoryMb: 16384,
      benchVersion: '0.1.0',
    },
    settings: {
      xAxis: 'concurrency',
      durationS: 10,
      warmupS: 2,
      concurrency: [1, 8, 64],
      paths: ['/hello'],
      deployments: ['node-single', 'node-prefork ×4', 'node-async'],
    },
    results,
    failures: [],
    skipped: [],
    ...overrides,
  };
}

// Listed out of x order on purpose: series must come out sorted.
const concurrencyRun = run([
  row({ deployment: 'node-single', concurrency: 64, throughputRps: 950.04, latencyMs: latency(60, 1520.4) }),
  row({ deployment: 'node-single', concurrency: 1, throughputRps: 2400.25, latencyMs: latency(0.38, 0.91) }),
  row({ deployment: 'node-single', concurrency: 8, throughputRps: 1000, latencyMs: latency(7.9, 31), timeouts: 2 }),
  row({ deployment: 'node-prefork ×4', server: 'node-prefork', workers: 4, concurrency: 1, throughputRps: 2300, latencyMs: latency(0.4, 1.2) }),
  row({ deployment: 'node-prefork ×4', server: 'node-prefork', workers: 4, concurrency: 8, throughputRps: 8100.55, latencyMs: latency(0.9, 4.4) }),
  row({ deployment: 'node-prefork ×4', server: 'node-prefork', workers: 4, concurrency: 64, throughputRps: 9050, latencyMs: latency(6.6, 149.6), errors: 3, timeouts: 1, non2xx: 7 }),
  row({ deployment: 'node-async', concurrency: 1, throughputRps: 2600, latencyMs: latency(0.35, 0.8) }),
  row({ deployment: 'node-async', concurrency: 8, throughputRps: 3900, latencyMs: latency(2, 5) }),
  row({ deployment: 'node-async', concurrency: 64, throughputRps: 4100, latencyMs: latency(15.5, 40) }),
]);

const workersRun = run(
  [1, 2, 4].flatMap((workers) => [
    row({ deployment: `gunicorn-sync ×${workers}`, server: 'gunicorn-sync', workers, concurrency: 64, path: '/io?ms=50', throughputRps: 20 * workers }),
    row({ deployment: `gunicorn-sync ×${workers}`, server: 'gunicorn-sync', workers, concurrency: 64, path: '/cpu', throughputRps: 90 * workers }),
    row({ deployment: `gunicorn-sync ×${workers} + nginx`, server: 'gunicorn-sync', proxy: 'nginx', workers, concurrency: 64, path: '/cpu', throughputRps: 80 * workers }),
  ]),
  {
    settings: {
      xAxis: 'workers',
      durationS: 10,
      warmupS: 2,
      concurrency: [64],
      paths: ['/io?ms=50', '/cpu'],
      deployments: ['gunicorn-sync', 'gunicorn-sync + nginx'],
    },
  },
);

const emptyRun = run([], { complete: false });

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which PNG requires to come first, right after the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('buildSeries', () => {
  it('draws one line per deployment on a concurrency sweep, with points sorted by concurrency', () => {
    const series = buildSeries(concurrencyRun);
    expect(series.map((s) => s.label)).toEqual(['node-single', 'node-prefork ×4', 'node-async']);
    expect(series[0]?.points).toEqual([
      { x: 1, throughputRps: 2400.25, p50Ms: 0.38, p99Ms: 0.91 },
      { x: 8, throughputRps: 1000, p50Ms: 7.9, p99Ms: 31 },
      { x: 64, throughputRps: 950.04, p50Ms: 60, p99Ms: 1520.4 },
    ]);
  });

  it('gives every series its own palette colour, in measuring order', () => {
    expect(buildSeries(concurrencyRun).map((s) => s.colour)).toEqual(PALETTE.slice(0, 3));
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
      'gunicorn-sync c=64 /cpu',
      'gunicorn-sync+nginx c=64 /cpu',
    ]);
    expect(series[0]?.points.map((point) => [point.x, point.throughputRps])).toEqual([
      [1, 20],
      [2, 40],
      [4, 80],
    ]);
  });

  it('returns no series when nothing was measured', () => {
    expect(buildSeries(emptyRun)).toEqual([]);
  });
});

describe('chart writers', () => {
  for (const writer of writers) {
    it(`${writer.name} writes a ${CHART_WIDTH}×${CHART_HEIGHT} PNG`, async () => {
      const outDir = await mkdtemp(join(tmpdir(), 'bench-reports-'));
      const written = await writer.write(concurrencyRun, outDir);
      expect(written).toEqual(writer.files.map((file) => join(outDir, file)));
      for (const path of written) {
        const png = await readFile(path);
        expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
        expect(pngSize(png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
      }
    });
  }

  it('writeReports runs every writer into a folder it creates', async () => {
    const outDir = join(await mkdtemp(join(tmpdir(), 'bench-reports-')), 'nested');
    const written = await writeReports(workersRun, outDir);
    expect(written).toEqual([join(outDir, 'throughput.png'), join(outDir, 'latency.png')]);
  });

  it('still renders charts when nothing was measured', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'bench-reports-'));
    for (const path of await writeReports(emptyRun, outDir)) {
      expect((await readFile(path)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    }
  });
});

describe('formatTable', () => {
  const lines = formatTable(concurrencyRun).split('\n');
  const lineFor = (deployment: string, concurrency: number) =>
    lines.find((line) => line.startsWith(deployment) && line.split(/\s{2,}/)[1] === String(concurrency));

  it('has a header and one row per measured point', () => {
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['deployment', 'c', 'workers', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx']);
    expect(lines).toHaveLength(2 + concurrencyRun.results.length);
  });

  it('names every deployment', () => {
    for (const deployment of ['node-single', 'node-prefork ×4', 'node-async']) {
      expect(lines.some((line) => line.startsWith(deployment))).toBe(true);
    }
  });

  it('rounds req/s to a tenth and ms to a tenth below 100 and whole above', () => {
    expect(lineFor('node-single', 64)?.split(/\s{2,}/)).toEqual(['node-single', '64', '1', '950.0', '60.0', '1520', '0', '0']);
    expect(lineFor('node-prefork ×4', 8)?.split(/\s{2,}/)).toEqual(['node-prefork ×4', '8', '4', '8100.6', '0.9', '4.4', '0', '0']);
  });

  it('counts timeouts as errors and shows non-2xx responses separately', () => {
    expect(lineFor('node-single', 8)?.split(/\s{2,}/).slice(-2)).toEqual(['2', '0']);
    expect(lineFor('node-prefork ×4', 64)?.split(/\s{2,}/).slice(-3)).toEqual(['150', '4', '7']);
  });

  it('right-aligns numbers so the columns line up under their headers', () => {
    const header = lines[0] ?? '';
    const rpsEnd = header.indexOf('req/s') + 'req/s'.length;
    for (const line of lines.slice(2)) {
      expect(line).toHaveLength(header.length);
      expect(line.slice(rpsEnd - 2, rpsEnd + 1)).toMatch(/^\.\d $/);
    }
  });

  it('adds a path column when the run measured several paths', () => {
    const header = formatTable(workersRun).split('\n')[0];
    expect(header?.split(/\s{2,}/)).toEqual(['deployment', 'path', 'c', 'workers', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx']);
  });

  it('says nothing was measured, and lists failed and skipped deployments beneath', () => {
    const text = formatTable({
      ...emptyRun,
      failures: [{ deployment: 'node-prefork ×4', server: 'node-prefork', reason: 'port 8080 in use' }],
      skipped: [{ deployment: 'uwsgi ×4', server: 'uwsgi', reason: 'uwsgi is not installed' }],
    });
    expect(text).toBe(
      ['Nothing measured.', '', 'failed: node-prefork ×4: port 8080 in use', 'skipped: uwsgi ×4: uwsgi is not installed'].join('\n'),
    );
  });
});
