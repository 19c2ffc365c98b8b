import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultRow } from '../harness/results/types.js';
import { RESOURCES_TITLE } from '../reports/tables/columns.js';
import { htmlReport } from '../reports/html.js';
import { formatTable } from '../reports/tables/table.js';
import { findChromium, launchChromium } from './support/browser.js';
import { workFolder } from './support/cli.js';
import { repeated, run } from './support/results.js';

const INSTALL = 'sudo apt-get install chromium (or npm run install-servers)';

/** Skipped without Chromium, saying how to get it; under CI=true, where CI installs it, that is a failure. */
function describeWithChromium(): typeof describe {
  if (findChromium()) return describe;
  if (process.env.CI === 'true') throw new Error(`CI=true and chromium is missing; install with: ${INSTALL}`);
  console.warn(`skipping the report-width tests: chromium is missing; install with: ${INSTALL}`);
  return describe.skip;
}

const PATHS = ['/api/v1/catalogue/products?category=garden-furniture&page=2', '/accounts/login/?next=/dashboard/settings'];
const DEPLOYMENTS = [
  { label: 'mysite: gunicorn gthread, keep-alive 5 s, max-requests 1000 ×4 (8 threads)', threads: 8, front: false },
  { label: 'mysite behind nginx: gunicorn sync, timeout 120, preload ×8', threads: undefined, front: true },
];

/** A user's Django site measured the widest way a run can be: long labels and paths, repeats, threads, PSS, nginx, notes. */
function wideRun(paths = PATHS, deployments = DEPLOYMENTS, extra: Partial<ResultRow> = {}) {
  const rows: ResultRow[] = deployments.flatMap((d) =>
    paths.flatMap((path) =>
      [1, 16, 256].map((concurrency) =>
        repeated(
          {
            deployment: d.label,
            server: d.front ? 'gunicorn-sync' : 'gunicorn-gthread',
            path,
            concurrency,
            workers: d.front ? 8 : 4,
            ...(d.threads !== undefined && { threads: d.threads }),
            predictedThroughputRps: 1234.5,
            throughputRatio: 0.987,
            samples: 123_456,
            errors: concurrency === 256 ? 1234 : 0,
            non2xx: concurrency === 256 ? 5678 : 0,
            resources: { cpuPercent: 187.5, peakRssMb: 1234.5, peakPssMb: 456.7, processes: 9 },
            ...(d.front && { proxy: 'nginx' as const, frontResources: { cpuPercent: 45.6, peakRssMb: 123.4, peakPssMb: 34.5, processes: 3 } }),
            ...(concurrency === 256 && {
              generator: { engine: 'builtin' as const, placement: 'separate' as const, cpuPercent: 99, cpuMsPerRequest: 0.2, eventLoopDelayMs: 40, saturated: true },
            }),
            ...extra,
          },
          [
            { throughputRps: 1180.4, p99Ms: 1234.5 },
            { throughputRps: 1210.9, p99Ms: 1301.2 },
            { throughputRps: 1250.1, p99Ms: 1402.8 },
          ],
        ),
      ),
    ),
  );
  return run(rows, {
    settings: { repeat: 3, concurrency: [1, 16, 256], paths, app: { kind: 'wsgi', wsgi: 'mysite.wsgi:application', dir: '/srv/mysite', python: '/srv/mysite/.venv/bin/python', health: '/' } },
  });
}

describeWithChromium()('report.html on a 1280 px screen', () => {
  // BENCH_SCREENSHOTS=FOLDER keeps the report and its screenshot there, to look at.
  const dir = process.env.BENCH_SCREENSHOTS ?? workFolder('report-width');
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const runs = {
    'a wide run': wideRun(),
    'an open-loop run beside slow clients': wideRun(PATHS, DEPLOYMENTS, {
      loop: 'open',
      offeredRps: 12_000,
      slowClients: { count: 320, sendBytesPerSecond: 100, completed: 12_345 },
    }),
  };
  for (const [what, wide] of Object.entries(runs)) {
    it(`shows every column of ${what} without scrolling sideways`, async () => {
      const out = join(dir, what.replaceAll(' ', '-'));
      mkdirSync(out, { recursive: true });
      await htmlReport.write(wide, out);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`file://${join(out, 'report.html')}`);
      const widths = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        tables: [...document.querySelectorAll('.table-wrap')].map((wrap) => ({ scroll: wrap.scrollWidth, client: wrap.clientWidth })),
      }));
      await page.screenshot({ path: join(out, 'report-1280.png'), fullPage: true });
      await page.close();
      expect(widths.page).toBeLessThanOrEqual(1280);
      expect(widths.tables.length).toBeGreaterThan(0);
      for (const table of widths.tables) expect(table.scroll, JSON.stringify(widths)).toBeLessThanOrEqual(table.client);
    });
  }
});

describe('the terminal table', () => {
  const TERMINAL = 160;

  it('splits past 160 characters into what the points achieved and then their pool, CPU, memory and status, each row named again', () => {
    const labels = [
      { ...DEPLOYMENTS[0]!, label: 'mysite: gthread, keep-alive 5 s ×4 (8 threads)' },
      { ...DEPLOYMENTS[1]!, label: 'mysite behind nginx: sync, preload ×8' },
    ];
    const wide = wideRun(PATHS.slice(0, 1), labels);
    const lines = formatTable(wide).split('\n');
    const tableEnd = lines.indexOf('', 1);
    const points = lines.slice(0, tableEnd);
    const second = lines.indexOf(`${RESOURCES_TITLE}:`);
    expect(second, lines.join('\n')).toBe(tableEnd + 1);
    const resources = lines.slice(second + 1, second + 3 + wide.results.length);
    for (const line of [...points, ...resources]) expect(line.length, line).toBeLessThanOrEqual(TERMINAL);
    expect(points[0]).toMatch(/^deployment +c +req\/s +predicted +ratio +samples +p50 ms +p99 ms +errors +non-2xx$/);
    expect(resources[0]).toMatch(/^deployment +c +workers +threads +PSS MB +web CPU % +web PSS MB +status$/);
    // One row per point in each, in the same order, named by deployment and load.
    const names = (table: string[]) => table.slice(2).map((line) => line.split(/\s{2,}/).slice(0, 2).join(' c='));
    expect(names(points)).toEqual(wide.results.map((row) => `${row.deployment} c=${row.concurrency}`));
    expect(names(resources)).toEqual(names(points));
  });

  it('stays one table where it fits', () => {
    const narrow = wideRun(PATHS.slice(0, 1), [{ label: 'gunicorn-sync ×4', threads: undefined, front: false }]);
    const lines = formatTable(narrow).split('\n');
    expect(lines[0]).toMatch(/^deployment .*req\/s.*PSS MB +status$/);
    expect(lines).not.toContain(`${RESOURCES_TITLE}:`);
    expect(Math.max(...lines.slice(0, 2 + narrow.results.length).map((line) => line.length))).toBeLessThanOrEqual(TERMINAL);
  });
});
