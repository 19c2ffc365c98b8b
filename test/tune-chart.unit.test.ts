import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writers } from '../reports/index.js';
import { formatTuneTable } from '../reports/tune/tune-table.js';
import { tuneSummary } from '../harness/tune/summary.js';
import { findKind } from '../harness/deployments/kinds.js';
import type { PlannedDeployment } from '../harness/plan/build-plan.js';
import { row, run } from './support/results.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-tune-chart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tuneWriter = writers.find((w) => w.files.includes('tune.png'))!;
const tuneMd = writers.find((w) => w.files.includes('tune.md'))!;

function planned(workers: number): PlannedDeployment {
  const kind = findKind('gunicorn-sync')!;
  return { kind, spec: { kind: 'gunicorn-sync', workers, proxy: 'none' }, label: `gunicorn-sync ×${workers}` };
}

const rows = [1, 2, 4].flatMap((workers) => [
  row({ deployment: `gunicorn-sync ×${workers}`, server: 'gunicorn-sync', workers, concurrency: workers, throughputRps: 20 * workers, p99: 60 }),
  row({ deployment: `gunicorn-sync ×${workers}`, server: 'gunicorn-sync', workers, concurrency: 2 * workers, throughputRps: 20 * workers, p99: 110 }),
]);
const tried = [1, 2, 4].map((workers) => ({ planned: planned(workers), stoppedBy: 'flat' as const }));
const criteria = { slo: { percentile: 'p99' as const, maxMs: 100 }, budgetMb: null, tolerance: 0.05 };

describe('the tune chart and table', () => {
  it('writes no tune.png for a run that is not a tune run', async () => {
    expect(await tuneWriter.write(run(rows), dir)).toEqual([]);
    expect(await tuneMd.write(run(rows), dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('draws tune.png, writes tune.md and ranks the configurations, best first, when the run has a tune summary', async () => {
    const tune = tuneSummary(tried, rows, criteria, [], { placement: run(rows).settings.placement, generator: 'builtin', machineCpus: 2 });
    expect(tune.ranked.map((c) => [c.deployment, c.throughputAtSloRps, c.atLoad])).toEqual([
      ['gunicorn-sync ×4', 80, 4],
      ['gunicorn-sync ×2', 40, 2],
      ['gunicorn-sync ×1', 20, 1],
    ]);
    expect(tune.recommended).toBe('gunicorn-sync ×4');
    expect(await tuneWriter.write({ ...run(rows), tune }, dir)).toEqual([join(dir, 'tune.png')]);
    expect(await tuneMd.write({ ...run(rows), tune }, dir)).toEqual([join(dir, 'tune.md')]);
    expect(readFileSync(join(dir, 'tune.md'), 'utf8')).toMatch(/^# bench tune: fixture on \/io\?ms=50, p99\\<100ms\n\n```\n.*configuration[\s\S]*recommended: gunicorn-sync ×4[\s\S]*!\[tune chart\]\(tune\.png\)/);
    const table = formatTuneTable(tune).split('\n');
    expect(table[0]).toMatch(/^\s+configuration\s+W×T\s+req\/s in SLO\s+at c\s+p99 ms\s+PSS MB\s+stopped\s+knee$/);
    expect(table[2]).toMatch(/^→\s+gunicorn-sync ×4\s+4\s+80\.0\s+4\s+60\.0\s+30\s+flattened\s+knee$/);
    expect(table.slice(-2)).toEqual([
      'recommended: gunicorn-sync ×4: 80.0 req/s within p99<100ms (at c=4), the best throughput within the SLO; 30 MB PSS',
      'measured with the server on all 2 cores of this machine, placement shared, generator builtin on the same cores: the figures hold for a server with 2 cores, less what the generator took',
    ]);
  });
});
