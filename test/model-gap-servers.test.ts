import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultRow, RunResults } from '../harness/results/types.js';
import { gunicorn } from '../harness/software/catalog.js';
import { benchIn, workFolder } from './support/cli.js';
import { describeWith } from './support/software.js';

const work = workFolder('model-gap');
const bench = benchIn(work);

/** Runs a scenario through the real CLI; its results, and what it printed. */
function runScenario(name: string, lines: string[]): { run: RunResults; stdout: string } {
  writeFileSync(join(work, `${name}.yaml`), lines.join('\n'));
  const r = bench('run', `${name}.yaml`, '--out', name);
  expect(r.code, r.stderr).toBe(0);
  return { run: JSON.parse(readFileSync(join(work, name, 'results.json'), 'utf8')) as RunResults, stdout: r.stdout };
}

const describeGunicorn = await describeWith([gunicorn]);

describeGunicorn("gunicorn's gthread workers under their defaults", () => {
  it("fall short at 12 kept-alive clients, and the row names the skew with each worker's share of the requests", () => {
    const { run, stdout } = runScenario('gthread-defaults', [
      'path: /io?ms=40',
      'duration: 2',
      'warmup: 0.5',
      'concurrency: [12]',
      'deployments:',
      '  - { kind: gunicorn-gthread, workers: 3, threads: 2 }',
    ]);
    const [row] = run.results;
    // Twelve connections opened at once pile up on whichever worker accepts first: 3 × 2 threads
    // at 40 ms could serve 150 req/s; one worker's 2 threads serve 50.
    expect(row!.predictedThroughputRps).toBe(150);
    expect(row!.throughputRatio).toBeLessThan(0.85);
    const spread = row!.modelGap!.reasons[0]!;
    if (spread.kind !== 'uneven-spread') throw new Error(`first reason: ${spread.kind}: ${spread.text}`);
    const { workers, keptAlive, spreadCapRps, busiestCapacityRps } = spread.evidence;
    expect(spread.evidence.source).toBe('responses');
    expect(workers).toHaveLength(3);
    expect(workers.reduce((sum, w) => sum + w.share, 0)).toBeCloseTo(1, 2);
    // Each of the 12 kept-alive connections counted once, with the worker that answered it.
    expect(keptAlive).toBe(true);
    expect(workers.reduce((sum, w) => sum + (w.connections ?? 0), 0)).toBe(12);
    expect(busiestCapacityRps).toBe(50);
    // The shares account for the shortfall: the pool served about what its busiest worker allows.
    expect(row!.throughputRps / spreadCapRps!).toBeGreaterThan(0.6);
    expect(row!.throughputRps / spreadCapRps!).toBeLessThan(1.15);
    // The busiest worker served no more than its 2 threads can.
    expect(workers[0]!.share * row!.throughputRps).toBeLessThan(busiestCapacityRps! * 1.1);
    expect(stdout).toMatch(/Why rows fell outside 0\.85–1\.10 of the prediction:\n {2}gunicorn-gthread ×3 \(2 threads\) at c=12: .*uneven spread over 3 workers \(skewed: \d+%, \d+%, \d+% of the requests\)/);
    const md = readFileSync(join(work, 'gthread-defaults', 'report.md'), 'utf8');
    expect(md).toMatch(/- gunicorn-gthread ×3 \(2 threads\) at c=12: .*skewed/);
  });
});

/** A user's app that computes for `us` microseconds per request: its CPU per request is the bound, and costs less among many clients. */
const SPIN_APP = `import { createServer } from 'node:http';
createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/healthz') return res.end('ok\\n');
  const until = performance.now() + Number(url.searchParams.get('us') ?? '200') / 1000;
  while (performance.now() < until);
  res.end('done\\n');
}).listen(Number(process.env.PORT), process.env.HOST);
`;

describe("a user's app measured at one client", () => {
  it('is bound by the CPU per request of each level, and a row that beats a one-client estimate is called an estimate, never past a bound', () => {
    const app = join(work, 'spin.mjs');
    writeFileSync(app, SPIN_APP);
    const { run } = runScenario('spin', ['app:', `  node: ${JSON.stringify(app)}`, '  health: /healthz', 'path: /spin?us=150', 'duration: 2', 'warmup: 0.5', 'concurrency: [1, 32]', 'deployments: [node]']);
    expect(run.results).toHaveLength(2);
    for (const row of run.results) {
      const where = `c=${row.concurrency}: ${row.throughputRps} req/s, predicted ${row.predictedThroughputRps} (${row.model.bound}), ratio ${row.throughputRatio}`;
      expect(row.model.serviceSource, where).toBe('measured');
      // The CPU bound rests on this level's own CPU: the sampler's CPU over the row's requests.
      expect(row.model.cpuMeasuredAt, where).toBe('this level');
      expect((row.model.cpuMsPerRequest! * row.throughputRps) / (row.resources.cpuPercent * 10), where).toBeCloseTo(1, 1);
      expect(row.throughputRps, where).toBeLessThanOrEqual(row.model.cpuBoundRps! * 1.1);
      // Past the band only as an estimate that says what it rests on.
      if (row.throughputRatio! > 1.1) {
        expect(row.model.estimate, where).toMatch(/measured at one client/);
        expect(row.modelGap?.reasons[0]?.kind, where).toBe('estimate');
      }
      if (row.throughputRatio! < 0.85) expect(row.modelGap?.reasons.length, where).toBeGreaterThan(0);
    }
    const at = (c: number) => run.results.find((row: ResultRow) => row.concurrency === c)!;
    // One client pays the event loop's every wake-up; 32 share them.
    expect(at(32).model.cpuMsPerRequest!, `${at(32).model.cpuMsPerRequest} ms at 32 clients, ${at(1).model.cpuMsPerRequest} ms at 1`).toBeLessThan(at(1).model.cpuMsPerRequest!);
  });
});
