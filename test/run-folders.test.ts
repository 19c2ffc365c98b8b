import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, benchIn, workFolder } from './support/cli.js';
import { prepareOutDir } from '../harness/results/out-folder.js';

const work = workFolder('run-folders');
const bench = benchIn(work);

/** A folder that looks like an earlier run: its results.json, a chart, and a file of the user's. */
function earlierRun(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ scenario: 'old-scenario', startedAt: '2026-01-02T03:04:05.000Z', results: [] }));
  writeFileSync(join(dir, 'timeline.png'), 'an old chart');
  writeFileSync(join(dir, 'compare.md'), 'an old comparison');
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  return dir;
}

describe('run folders', () => {
  it('refuses to write a run into a folder that holds an earlier run, naming that run', () => {
    const dir = earlierRun('taken');
    const r = bench('run', 'blocking-vs-workers', '--deployments', 'node-async', '--quick', '--out', 'taken');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/holds the run of old-scenario from 2026-01-02T03:04:05.000Z; name another folder or pass --force to replace it/);
    expect(readFileSync(join(dir, 'timeline.png'), 'utf8')).toBe('an old chart');
  });

  it('with --force, replaces the earlier run whole: its charts go too, files that are not bench\'s stay', () => {
    const dir = earlierRun('replaced');
    const r = bench('run', 'blocking-vs-workers', '--deployments', 'node-async', '--quick', '--concurrency', '1', '--out', 'replaced', '--force');
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { scenario: string };
    expect(run.scenario).toBe('blocking-vs-workers');
    // The old run's comparison would describe figures that are gone; its chart is the new run's.
    expect(existsSync(join(dir, 'compare.md'))).toBe(false);
    expect(readFileSync(join(dir, 'timeline.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('gives two runs started in the same second two folders', () => {
    const base = join(work, 'results', 'same-second-2026-11-25_04-00-00');
    const first = prepareOutDir(base, { isDefault: true, runFiles: [] });
    const second = prepareOutDir(base, { isDefault: true, runFiles: [] });
    expect(first).toBe(base);
    expect(second).toBe(`${base}-2`);
    expect(existsSync(second)).toBe(true);
  });
});

describe('a run planned to last more than an hour', () => {
  it('starts with --yes when nobody at a terminal can be asked', async () => {
    const child = spawn(process.execPath, [BIN, 'run', 'blocking-vs-workers', '--duration', '3600', '--deployments', 'node-async', '--out', 'long', '--yes'], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Started measuring: enough; Ctrl-C keeps what it has and exits 130.
        if (/results in /.test(stderr)) child.kill('SIGINT');
      });
      child.on('exit', done);
    });
    expect(stderr).toMatch(/about 6 h 0 min; results in /);
    expect(code).toBe(130);
  });
});
