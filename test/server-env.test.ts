import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { RunResults } from '../harness/results/types.js';
import { gunicorn } from '../harness/software/catalog.js';
import { describeWith } from './support/software.js';

const BIN = resolve('bin/bench.js');
const work = mkdtempSync(join(tmpdir(), 'bench-server-env-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function bench(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ code, stderr }));
  });
}

const runOf = (dir: string) => JSON.parse(readFileSync(join(work, dir, 'results.json'), 'utf8')) as RunResults;

(await describeWith([gunicorn]))('the environment servers start with', () => {
  it('leaves a sync deployment sync when GUNICORN_CMD_ARGS in the caller\'s environment asks for threads, and says so', async () => {
    writeFileSync(join(work, 'sync.yaml'), 'path: /io?ms=40\nduration: 2\nwarmup: 0.5\nconcurrency: [8]\ndeployments:\n  - kind: gunicorn-sync\n    workers: 2\n');
    const r = await bench({ ...process.env, GUNICORN_CMD_ARGS: '--threads 8', NODE_OPTIONS: '--max-old-space-size=512' }, 'run', 'sync.yaml', '--out', 'sync');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/not passing GUNICORN_CMD_ARGS, NODE_OPTIONS from your environment/);
    const run = runOf('sync');
    // 2 sync workers × 1000/40 ms = 50 req/s; with --threads 8 gunicorn would serve 8 at once: 200.
    expect(run.results[0]!.throughputRps).toBeLessThan(50 * 1.15);
    expect(run.results[0]!.throughputRps).toBeGreaterThan(50 * 0.8);
    expect(run.environment.serverEnvironment.removed).toEqual(['GUNICORN_CMD_ARGS', 'NODE_OPTIONS']);
    expect(run.environment.serverEnvironment.names).not.toContain('GUNICORN_CMD_ARGS');
    expect(run.environment.serverEnvironment.names).toContain('PATH');
  });

  it('passes a variable a scenario sets on purpose, even one it removes from the caller\'s', async () => {
    writeFileSync(
      join(work, 'threads.yaml'),
      'path: /io?ms=40\nduration: 2\nwarmup: 0.5\nconcurrency: [8]\ndeployments:\n  - kind: gunicorn-sync\n    workers: 1\n    env: { GUNICORN_CMD_ARGS: "--threads 4" }\n',
    );
    const r = await bench(process.env, 'run', 'threads.yaml', '--out', 'threads');
    expect(r.code, r.stderr).toBe(0);
    // gunicorn turns the sync worker into a gthread one with 4 threads: 4 at once, 100 req/s, not 25.
    expect(runOf('threads').results[0]!.throughputRps).toBeGreaterThan(25 * 3);
  });
});
