import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchIn, workFolder } from './support/cli.js';
import { repeated, row, run, writeRunFolder, type RunOverrides } from './support/results.js';

const work = workFolder('compare');
const bench = benchIn(work);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A run folder of schema v2 with one node-async point. */
function fakeResults(folder: string, scenario: string): string {
  return writeRunFolder(work, folder, run([row({ deployment: 'node-async', concurrency: 1, throughputRps: 100 })], { scenario }));
}

function expectOneLineError(r: ReturnType<typeof bench>, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe('bench compare', () => {
  it('flags the throughput drop of a pool cut from 4 workers to 2, and passes a run compared with itself', () => {
    writeFileSync(
      join(work, 'tiny.yaml'),
      ['path: /io?ms=20', 'duration: 1', 'warmup: 0.3', 'concurrency: [8]', 'deployments:', '  - kind: node-prefork', '    workers: 4'].join('\n'),
    );
    expect(bench('run', 'tiny.yaml', '--out', 'four').code).toBe(0);
    expect(bench('run', 'tiny.yaml', '--workers', '2', '--out', 'two').code).toBe(0);

    // At d = 20 ms and c = 8, Little's law gives 200 req/s for 4 workers and 100 for 2: about −50%.
    const regressed = bench('compare', 'four', 'two', '--out', 'report');
    expect(regressed.code).toBe(1);
    expect(regressed.stdout).toMatch(/node-prefork ×4 → ×2/);
    expect(regressed.stdout).toMatch(/1 regression past 10%: node-prefork ×4 → ×2 c=8 \(req\/s −[4-6]\d\.\d%/);
    expect(regressed.stdout).toMatch(/^without repeats in both runs, and with windows shorter than 4 whole seconds, the verdict rests on single measurements, the threshold alone/m);
    expect(readFileSync(join(work, 'report', 'compare.png')).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    const markdown = readFileSync(join(work, 'report', 'compare.md'), 'utf8');
    expect(markdown).toMatch(/\| node-prefork ×4 → ×2 \| 8 \|/);
    expect(markdown).toContain('![throughput, BASE vs NEW](compare.png)');

    const same = bench('compare', 'four', join('four', 'results.json'));
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^no regression past 10%$/m);
    expect(same.stderr).toMatch(/^warning: BASE and NEW are the same run \(.*four\/results\.json\): every change is 0 by construction/m);
    // Without --out, the report goes next to NEW.
    expect(readFileSync(join(work, 'four', 'compare.md'), 'utf8')).toMatch(/no regression past 10%/);
  });

  it('fails a pool cut from 4 workers to 1 at two repeats and at one, and passes two runs of one config at two repeats', () => {
    // 1 s windows: the −88% stands far past the threshold at any window, and two runs of one config
    // came out within 3.1% of each other at 1 s on a loaded 2-core machine (within 2.2% at 2 s).
    writeFileSync(
      join(work, 'repeats.yaml'),
      ['path: /io?ms=30', 'duration: 1', 'warmup: 0.3', 'concurrency: [8]', 'deployments:', '  - kind: node-prefork', '    workers: 4'].join('\n'),
    );
    for (const [out, ...flags] of [['r4a', '--repeat', '2'], ['r4b', '--repeat', '2'], ['r1', '--repeat', '2', '--workers', '1'], ['s4', '--repeat', '1'], ['s1', '--repeat', '1', '--workers', '1']]) {
      const r = bench('run', 'repeats.yaml', '--out', out!, ...flags);
      expect(r.code, r.stderr).toBe(0);
    }
    // Little's law at d = 30 ms and c = 8: 4 workers serve 267 req/s, 1 worker 33: −88%; two repeats each
    // can never reach p < 0.05 in a rank test, so the repeats' ranges decide.
    const repeated = bench('compare', 'r4a', 'r1');
    expect(repeated.code, repeated.stdout).toBe(1);
    expect(repeated.stdout).toMatch(/^1 regression past 10%: node-prefork ×4 → ×1 c=8 \(req\/s −[6-9]\d\.\d%, repeats apart: /m);
    const single = bench('compare', 's4', 's1');
    expect(single.code, single.stdout).toBe(1);
    expect(single.stdout).toMatch(/^1 regression past 10%: node-prefork ×4 → ×1 c=8 \(req\/s −[6-9]\d\.\d%/m);
    const same = bench('compare', 'r4a', 'r4b');
    expect(same.code, same.stdout).toBe(0);
    expect(same.stdout).toMatch(/^no regression past 10%$/m);
  });

  it('exits 2 and names the folder when a run folder does not exist', () => {
    expectOneLineError(bench('compare', 'nowhere', fakeResults('somewhere', 'tiny')), /BASE nowhere does not exist/);
  });

  it('exits 2 when the two runs are of different scenarios', () => {
    const r = bench('compare', fakeResults('wsgi', 'wsgi-workers'), fakeResults('blocking', 'blocking-vs-workers'));
    expectOneLineError(r, /BASE is scenario wsgi-workers, NEW is scenario blocking-vs-workers: compare runs of the same scenario/);
  });

  it('exits 2 and names the file when it is not JSON', () => {
    writeFileSync(join(work, 'notes.txt'), 'four workers were faster\n');
    expectOneLineError(bench('compare', fakeResults('json', 'tiny'), 'notes.txt'), /NEW notes\.txt is not valid JSON/);
  });

  it('exits 2 when a JSON file is not a bench results file', () => {
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'something else' }));
    expectOneLineError(bench('compare', 'package.json', fakeResults('valid', 'tiny')), /BASE package\.json is not a bench results file: no "scenario"/);
  });

  it('exits 2 when the runs have no point in common', () => {
    const other = writeRunFolder(work, 'other', run([row({ deployment: 'node-blocking', concurrency: 1, throughputRps: 100 })], { scenario: 'tiny' }));
    expectOneLineError(bench('compare', fakeResults('async', 'tiny'), other), /no point in common/);
  });

  it('exits 2 and says to run the scenario again when a file was written before schemaVersion existed', () => {
    const { schemaVersion: _, ...unversioned } = run([row({ deployment: 'node-async', concurrency: 1, throughputRps: 100 })], { scenario: 'tiny' });
    const old = writeRunFolder(work, 'old', unversioned);
    expectOneLineError(
      bench('compare', old, fakeResults('current', 'tiny')),
      /^bench: error: BASE old\/results\.json was written by an older bench \(no schemaVersion; this bench reads 2\): run the scenario again$/m,
    );
  });

  it('exits 2 and says to upgrade bench when a file has a newer schemaVersion', () => {
    const future = writeRunFolder(work, 'future', { ...run([], { scenario: 'tiny' }), schemaVersion: 3 });
    expectOneLineError(bench('compare', fakeResults('today', 'tiny'), future), /NEW future\/results\.json was written by a newer bench \(schemaVersion 3; this bench reads 2\): upgrade bench/);
  });

  it('exits 2 and names the first bad field of a file that fails the schema', () => {
    const rows = [1, 2, 4, 8].map((concurrency) => row({ deployment: 'node-async', concurrency, throughputRps: 100 }));
    const broken = JSON.parse(JSON.stringify(run(rows, { scenario: 'tiny' })));
    broken.results[3].latencyMs.p99 = 'slow';
    expectOneLineError(
      bench('compare', writeRunFolder(work, 'broken', broken), fakeResults('fine', 'tiny')),
      /BASE broken\/results\.json is not a valid bench results file: results\[3\]\.latencyMs\.p99: expected number, got string$/m,
    );
  });

  it('refuses an old file in bench report too, with the same line', () => {
    const { schemaVersion: _, ...unversioned } = run([], { scenario: 'tiny' });
    expectOneLineError(bench('report', writeRunFolder(work, 'old-report', unversioned)), /old-report\/results\.json was written by an older bench/);
  });

  /** A run folder with one node-async point at c=8: 100 req/s, p99 60 ms, unless `rows` says otherwise. */
  function fixture(folder: string, overrides: RunOverrides = {}, rows = [row({ deployment: 'node-async', concurrency: 8, throughputRps: 100 })]) {
    return writeRunFolder(work, folder, run(rows, overrides));
  }

  it('refuses runs measured with different settings, in one line naming each setting with both values', () => {
    const r = bench('compare', fixture('long'), fixture('short-open', { settings: { durationS: 1, rates: [100] } }));
    expectOneLineError(
      r,
      /BASE and NEW were measured with different settings \(durationS: BASE 3, NEW 1; loop: BASE closed, NEW open\): .*--allow-different-settings$/m,
    );
  });

  it('compares runs with different settings when told to, warning on stderr and in compare.md', () => {
    const r = bench('compare', fixture('wrk-base', { settings: { generator: 'wrk' } }), fixture('builtin-new'), '--allow-different-settings');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: BASE and NEW were measured with different settings \(generator: BASE wrk, NEW builtin\)/m);
    expect(readFileSync(join(work, 'builtin-new', 'compare.md'), 'utf8')).toMatch(/different settings \(generator: BASE wrk, NEW builtin\)/);
  });

  it('warns on stderr and in compare.md when the runs come from different machines', () => {
    const r = bench('compare', fixture('laptop'), fixture('server', { environment: { cpus: 16, cpuModel: 'Big Iron' } }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: BASE and NEW ran on different machines \(cpuModel: BASE Test CPU @ 2\.0GHz, NEW Big Iron; cpus: BASE 2, NEW 16\)/m);
    expect(readFileSync(join(work, 'server', 'compare.md'), 'utf8')).toMatch(/## Warnings\n\n- BASE and NEW ran on different machines/);
  });

  it('prints the p-value of each point and calls a drop significant over five repeats a regression', () => {
    const perRepeat = (throughputs: number[]) => throughputs.map((throughputRps) => ({ throughputRps, p99Ms: 60 }));
    const base = fixture('five-base', {}, [repeated({ deployment: 'node-async', concurrency: 8 }, perRepeat([100, 98, 103, 101, 99]))]);
    const next = fixture('five-new', {}, [repeated({ deployment: 'node-async', concurrency: 8 }, perRepeat([80, 84, 79, 82, 85]))]);
    const r = bench('compare', base, next);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/p req\/s .* p p99/);
    expect(r.stdout).toMatch(/−18\.0%\s+0\.004\s/);
    expect(r.stdout).toMatch(/^1 regression past 10%: node-async c=8 \(req\/s −18\.0%, p=0\.004\)$/m);
    expect(readFileSync(join(work, next, 'compare.md'), 'utf8')).toMatch(/\| −18\.0% \| 0\.004 \|/);
  });

  it('calls a halved throughput over three repeats each a regression on repeats that lie apart, and says why no test could decide', () => {
    const perRepeat = (throughputs: number[]) => throughputs.map((throughputRps) => ({ throughputRps, p99Ms: 60 }));
    const base = fixture('three-base', {}, [repeated({ deployment: 'node-async', concurrency: 8 }, perRepeat([100, 101, 102]))]);
    const next = fixture('three-new', {}, [repeated({ deployment: 'node-async', concurrency: 8 }, perRepeat([50, 51, 52]))]);
    const r = bench('compare', base, next);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^1 regression past 10%: node-async c=8 \(req\/s −49\.5%, repeats apart: 100\.0–102\.0 vs 50\.0–52\.0\)$/m);
    expect(r.stdout).toMatch(/^with 3 repeats in BASE and 3 in NEW no rank test can reach p < 0\.05 \(the smallest one-sided p is 0\.050\), so a change past the threshold counts when the repeats' ranges lie apart/m);
  });

  it('fails an interrupted NEW on the first line it prints, and judges the points it has with --allow-partial', () => {
    const five = [1, 2, 4, 8, 16].map((concurrency) => row({ deployment: 'node-async', concurrency, throughputRps: 20 * concurrency }));
    const base = fixture('five-points', {}, five);
    const next = fixture('one-point', { complete: false }, five.slice(0, 1));
    const r = bench('compare', base, next);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      "bench compare: NEW is incomplete: it was interrupted (complete: false) and it measured 1 of BASE's 5 points; a partial run cannot pass a comparison: rerun NEW, or pass --allow-partial to judge the points it has",
    );
    expect(r.stdout.split('\n')[0]).toMatch(/^NEW is incomplete: it was interrupted/);
    expect(r.stdout).toMatch(/^no regression past 10% in the points NEW measured; NEW is incomplete, so the comparison fails$/m);
    const partial = bench('compare', base, next, '--allow-partial', '--out', 'partial');
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stderr.split('\n')[0]).toMatch(/^warning: NEW is incomplete: .*judged on the points it has \(--allow-partial\)$/);
  });

  it('compares throughput alone where a run had no successful request, and says p99 is not comparable', () => {
    const failed = [row({ deployment: 'node-async', concurrency: 8, throughputRps: 0, p99: null })];
    const r = bench('compare', fixture('served'), fixture('failed', {}, failed));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/✗ req\/s; p99 not comparable/);
    expect(r.stdout).toMatch(/^p99 not comparable at node-async c=8: a run had no successful request there/m);
  });

  it('exits 2 and names the flag when the threshold is not a positive percentage', () => {
    expectOneLineError(bench('compare', 'a', 'b', '--threshold', '-5'), /--threshold/);
  });
});
