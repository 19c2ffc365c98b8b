import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupMembers, livingProcesses } from '../harness/process/procfs.js';
import type { RunResults } from '../harness/results/types.js';
import { flask, gunicorn, nginx } from '../harness/software/catalog.js';
import { describeWith } from './support/software.js';

const work = mkdtempSync(join(tmpdir(), 'bench-resilience-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const describeStack = await describeWith([flask, gunicorn, nginx]);

function readResults(file: string): RunResults | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunResults;
  } catch {
    return undefined;
  }
}

describeStack('Ctrl-C', () => {
  it('halfway through a mixed Node and nginx+gunicorn run leaves no server process and keeps every finished point', async () => {
    writeFileSync(
      join(work, 'mixed.yaml'),
      'path: /io?ms=20\nduration: 1\nwarmup: 0.2\nconcurrency: [1, 4, 8]\n' +
        'deployments:\n  - node-prefork\n  - kind: gunicorn-sync+nginx\n    workers: 2\n  - node-async\n',
    );
    const out = join(work, 'out');
    const bench = spawn(process.execPath, [resolve('bin/bench.js'), 'run', 'mixed.yaml', '--out', out], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    bench.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => bench.on('exit', (code) => done(code)));

    // Every process group bench starts is led by one of its children (each is spawned with setsid).
    const leaders = new Set<number>();
    const deadline = Date.now() + 60_000;
    let rows = 0;
    while (Date.now() < deadline) {
      for (const p of livingProcesses()) if (p.ppid === bench.pid) leaders.add(p.pid);
      rows = readResults(join(out, 'results.json'))?.results.length ?? 0;
      // The Node pool's 3 points are done and gunicorn behind nginx is being measured.
      if (rows >= 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows).toBeGreaterThanOrEqual(4);
    const nginxRunning = livingProcesses().some((p) => leaders.has(p.pgrp) && readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes('nginx'));
    expect(nginxRunning, 'nginx was running when interrupted').toBe(true);

    bench.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGINT: stopping the servers/);
    for (const leader of leaders) expect(groupMembers(leader), `process group ${leader}`).toEqual([]);

    const run = readResults(join(out, 'results.json'));
    expect(run?.complete).toBe(false);
    expect(run?.results.length).toBeGreaterThanOrEqual(4);
    expect(run?.results.slice(0, 3).map((r) => r.deployment)).toEqual(['node-prefork ×4', 'node-prefork ×4', 'node-prefork ×4']);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp')), 'no half-written results').toEqual([]);

    // The interrupted run still makes every report from what it finished.
    const report = spawnSync(process.execPath, [resolve('bin/bench.js'), 'report', out], { encoding: 'utf8' });
    expect(report.status, report.stderr).toBe(0);
    expect(report.stderr).toMatch(/incomplete run/);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['report.html', 'throughput.png', 'results.csv']));
  });
});

describe('a closed terminal (SIGHUP)', () => {
  it('stops a run like Ctrl-C: no server process and no private temp folder is left', async () => {
    writeFileSync(join(work, 'node.yaml'), 'path: /io?ms=20\nduration: 1\nwarmup: 0.2\nconcurrency: [1, 4, 8]\ndeployments: [node-prefork]\n');
    const out = join(work, 'hup');
    const before = new Set(readdirSync(tmpdir()).filter((f) => /^bench-[^-]+$/.test(f)));
    const bench = spawn(process.execPath, [resolve('bin/bench.js'), 'run', 'node.yaml', '--out', out], { cwd: work, stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => bench.on('exit', (code) => done(code)));
    const leaders = new Set<number>();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (readResults(join(out, 'results.json'))?.results.length ?? 0) < 1) {
      for (const p of livingProcesses()) if (p.ppid === bench.pid) leaders.add(p.pid);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(leaders.size).toBeGreaterThan(0);
    bench.kill('SIGHUP');
    expect(await exited).toBe(130);
    for (const leader of leaders) expect(groupMembers(leader), `process group ${leader}`).toEqual([]);
    const left = readdirSync(tmpdir()).filter((f) => /^bench-[^-]+$/.test(f) && !before.has(f));
    expect(left, 'private temp folders left behind').toEqual([]);
  });
});

describeStack('a deployment that cannot start', () => {
  it('is recorded with its reason while the run goes on, and the run exits 1', () => {
    writeFileSync(
      join(work, 'crash.yaml'),
      // gunicorn reads extra arguments from this variable: a bad one makes it exit at start.
      'path: /io?ms=10\nduration: 0.5\nwarmup: 0.2\nconcurrency: [2]\ndeployments:\n' +
        '  - node-blocking\n  - kind: gunicorn-sync\n    env: { GUNICORN_CMD_ARGS: "--workers=many" }\n  - node-async\n',
    );
    const out = join(work, 'crash');
    const r = spawnSync(process.execPath, [resolve('bin/bench.js'), 'run', 'crash.yaml', '--out', out], { cwd: work, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/gunicorn-sync ×4: FAILED to start: .*exited with code/);
    const run = readResults(join(out, 'results.json'))!;
    expect(run.complete).toBe(true);
    expect(run.results.map((row) => row.deployment)).toEqual(['node-blocking', 'node-async']);
    expect(run.failures).toEqual([expect.objectContaining({ deployment: 'gunicorn-sync ×4', reason: expect.stringMatching(/workers/) })]);
  });
});
