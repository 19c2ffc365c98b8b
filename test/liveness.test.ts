import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { livingProcesses } from '../harness/process/procfs.js';
import type { RunResults } from '../harness/results/types.js';

const BIN = resolve('bin/bench.js');
const work = mkdtempSync(join(tmpdir(), 'bench-liveness-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The server processes a bench run started (its children, setsid'd), by a word of their command line. */
function serversOf(benchPid: number, word: string): number[] {
  return livingProcesses()
    .filter((p) => p.ppid === benchPid)
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(word);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

/** Runs bench, and SIGKILLs the matching server the moment stderr shows `after`. */
function runKilling(args: string[], after: RegExp, word: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!killed && after.test(stderr)) {
        killed = true;
        for (const pid of serversOf(child.pid!, word)) process.kill(pid, 'SIGKILL');
      }
    });
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('a server that dies mid-run', () => {
  it('is recorded as failed at the point where it died, its later points are skipped, the others still run, and the run exits 1', async () => {
    writeFileSync(
      join(work, 'dies.yaml'),
      'path: /io?ms=20\nduration: 1\nwarmup: 0.3\nconcurrency: [1, 2, 4, 8]\ndeployments:\n  - node-blocking\n  - node-async\n',
    );
    const r = await runKilling(['run', 'dies.yaml', '--out', 'dies'], /node-blocking: \/io\?ms=20 c=2: /, '--mode\0blocking');
    expect(r.code, r.stderr).toBe(1);
    const run = JSON.parse(readFileSync(join(work, 'dies', 'results.json'), 'utf8')) as RunResults;
    const blocking = run.results.filter((row) => row.deployment === 'node-blocking');
    expect(blocking.map((row) => row.concurrency)).toEqual([1, 2]);
    expect(run.results.filter((row) => row.deployment === 'node-async').map((row) => row.concurrency)).toEqual([1, 2, 4, 8]);
    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]).toMatchObject({ deployment: 'node-blocking', atPoint: '/io?ms=20 c=4' });
    expect(run.failures[0]!.reason).toMatch(/SIGKILL/);
    // A refused-connection storm is the server's death, not the generator's limit. (Only the dead
    // deployment's rows could show the storm: node-async's are measured on a live server.)
    expect(blocking.every((row) => !row.generator.saturated)).toBe(true);
    expect(r.stdout).not.toMatch(/node-blocking GENERATOR-LIMITED/);
    expect(r.stdout).toMatch(/node-blocking failed/);
    expect(run.results.every((row) => row.throughputRps > 0)).toBe(true);
  });
});
