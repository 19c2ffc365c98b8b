import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/bench.js');
const work = mkdtempSync(join(tmpdir(), 'bench-compare-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function bench(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The smallest file compareCommand accepts as a results.json. */
function fakeResults(folder: string, scenario: string): string {
  mkdirSync(join(work, folder), { recursive: true });
  const results = [{ deployment: 'node-async', server: 'node-async', proxy: 'none', path: '/hello', concurrency: 1, throughputRps: 100, latencyMs: { p99: 2 } }];
  writeFileSync(join(work, folder, 'results.json'), JSON.stringify({ scenario, results }));
  return folder;
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
    expect(readFileSync(join(work, 'report', 'compare.png')).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    const markdown = readFileSync(join(work, 'report', 'compare.md'), 'utf8');
    expect(markdown).toMatch(/\| node-prefork ×4 → ×2 \| 8 \|/);
    expect(markdown).toContain('![throughput, BASE vs NEW](compare.png)');

    const same = bench('compare', 'four', join('four', 'results.json'));
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^no regression past 10%$/m);
    // Without --out, the report goes next to NEW.
    expect(readFileSync(join(work, 'four', 'compare.md'), 'utf8')).toMatch(/no regression past 10%/);
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
    mkdirSync(join(work, 'other'), { recursive: true });
    const results = [{ deployment: 'node-blocking', server: 'node-blocking', proxy: 'none', path: '/hello', concurrency: 1, throughputRps: 100, latencyMs: { p99: 2 } }];
    writeFileSync(join(work, 'other', 'results.json'), JSON.stringify({ scenario: 'tiny', results }));
    expectOneLineError(bench('compare', fakeResults('async', 'tiny'), 'other'), /no point in common/);
  });

  it('exits 2 and names the flag when the threshold is not a positive percentage', () => {
    expectOneLineError(bench('compare', 'a', 'b', '--threshold', '-5'), /--threshold/);
  });
});
