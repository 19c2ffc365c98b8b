import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder } from '../harness/files/disk.js';
import { faultLine } from '../harness/files/machine-faults.js';
import { prepareOutDir } from '../harness/results/out-folder.js';
import type { RunResults } from '../harness/results/types.js';
import { checkResults } from '../harness/results/schema.js';
import { flask, gunicorn } from '../harness/software/catalog.js';
import { BIN, workFolder } from './support/cli.js';
import { describeWith } from './support/software.js';

const work = workFolder('machine-faults');

/** A cheap scenario: one event-loop deployment, one short point. */
function scenario(name: string): string {
  writeFileSync(
    join(work, `${name}.yaml`),
    ['path: /io?ms=5', 'duration: 1', 'warmup: 0.2', 'concurrency: [1]', 'deployments: [node-async]'].join('\n') + '\n',
  );
  return `${name}.yaml`;
}
const A = scenario('alpha');
const B = scenario('beta');
/** A file of the user's, where a path expects a folder. */
const PLAIN_FILE = join(work, 'plain-file');
writeFileSync(PLAIN_FILE, 'mine');

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stderr's first line: the one a user reads. */
  first: string;
  /** The run's private folders (bench-XXXXXX) left in its TMPDIR: none once its servers are down. */
  leftInTmp: string[];
  seconds: number;
}

/** A private TMPDIR per command, to see what it leaves behind. */
function tmpFor(): string {
  return mkdtempSync(join(work, 'tmp-'));
}

function leftIn(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => /^bench-[A-Za-z0-9]{6}$/.test(name));
}

/** bench to the end, with a bound that a spinning command would hit. */
function bench(...args: string[]): Ended {
  const tmp = tmpFor();
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TMPDIR: tmp } });
  return ended(r.status, r.stdout, r.stderr, tmp, started);
}

/** The same without blocking: for commands that race each other. */
function benchAsync(...args: string[]): Promise<Ended> {
  const tmp = tmpFor();
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env: { ...process.env, TMPDIR: tmp } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.on('close', (code) => done(ended(code, stdout, stderr, tmp, started))));
}

function ended(code: number | null, stdout: string, stderr: string, tmp: string, started: number): Ended {
  return { code, stdout, stderr, first: stderr.split('\n')[0] ?? '', leftInTmp: leftIn(tmp), seconds: (performance.now() - started) / 1000 };
}

/** Refused before anything started: exit 2, one line, no plan line (printed as the servers start), nothing left. */
function expectRefusedUpFront(r: Ended, line: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.first).toMatch(/^bench: error: /);
  expect(r.first).toMatch(line);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/results in |at .*\.js:\d+/);
  expect(r.leftInTmp).toEqual([]);
}

function readRun(dir: string): RunResults {
  const parsed = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as unknown;
  const checked = checkResults(parsed);
  if ('problem' in checked) throw new Error(`${dir}/results.json ${checked.problem}`);
  return checked.run;
}

/** No temporary or empty file in a run folder, and every PNG there whole (it ends with its IEND chunk). */
function expectOnlyWholeFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    expect(name, `a temporary file in ${dir}`).not.toMatch(/\.tmp$|^\.bench\.lock$/);
    const bytes = readFileSync(join(dir, name));
    expect(bytes.length, `${name} is empty`).toBeGreaterThan(0);
    if (name.endsWith('.png')) expect(bytes.subarray(-8, -4).toString(), `${name} is cut short`).toBe('IEND');
  }
}

describe('paths where nothing can be kept', () => {
  it.each([
    ['a new folder under /proc', ['run', A, '--out', '/proc/bench-results']],
    ['a folder two levels below a process in /proc', ['run', A, '--out', '/proc/self/bench/results']],
    ['tune into /proc', ['tune', A, '--kinds', 'node-prefork', '--workers', '1', '--out', '/proc/bench-tune']],
  ])('refuses %s at once, naming /proc as the kernel\'s (no spinning mkdir)', (_name, args) => {
    const r = bench(...args);
    expectRefusedUpFront(r, /--out \/proc\/\S+: \/proc is the kernel's own file system, not a disk: nothing can be kept there; name a folder on a disk$/);
    expect(r.seconds).toBeLessThan(20);
  });

  it('refuses a folder under /sys, where root may not make folders, without a stack trace', () => {
    expectRefusedUpFront(bench('run', A, '--out', '/sys/kernel/bench-results'), /--out \/sys\/kernel\/bench-results: \/sys is the kernel's own file system/);
  });

  it('refuses a folder reached through a symbolic link into /proc, naming /proc', () => {
    symlinkSync('/proc/self', join(work, 'into-proc'));
    expectRefusedUpFront(bench('run', A, '--out', 'into-proc/results'), /--out \S+into-proc\/results: \/proc is the kernel's own file system/);
  });

  it('refuses a --record under /proc for bench serve before its page starts', () => {
    const r = bench('serve', '--record', '/proc/bench-session');
    expectRefusedUpFront(r, /--(out|record) \/proc\/bench-session: \/proc is the kernel's own file system/);
    expect(r.stdout).not.toMatch(/open http/);
  });

  it('refuses an --out whose path runs through a file, naming the path', () => {
    expectRefusedUpFront(bench('run', A, '--out', 'plain-file/results'), /--out \S+plain-file\/results: cannot make the folder \S+: a part of the path is a file, not a folder; name a folder$/);
    expect(readFileSync(PLAIN_FILE, 'utf8')).toBe('mine');
  });

  it('makes folders with their parents, and fails at once where the file system refuses a folder under one that exists', () => {
    makeFolder(join(work, 'made', 'a', 'b'));
    expect(existsSync(join(work, 'made', 'a', 'b'))).toBe(true);
    makeFolder(join(work, 'made', 'a')); // already there: nothing to do
    expect(() => makeFolder('/proc/bench-x/y')).toThrow(/ENOENT/);
    expect(() => makeFolder(join(PLAIN_FILE, 'x'))).toThrow(/ENOTDIR/);
  });

  it('tells a refusal of the file system, in one line naming the path, from other errors, which keep their stack', () => {
    const thrown = (work: () => unknown) => {
      try {
        work();
      } catch (err) {
        return err;
      }
      throw new Error('did not throw');
    };
    expect(faultLine(thrown(() => writeFileSync('/proc/bench-file', 'x')))).toBe(
      "cannot write /proc/bench-file: /proc is the kernel's own file system, not a disk: nothing can be kept there; name a folder on a disk",
    );
    expect(faultLine(thrown(() => readdirSync(join(PLAIN_FILE, 'x'))))).toMatch(/^cannot read the folder \S+plain-file\/x: a part of the path is a file, not a folder/);
    expect(faultLine(spawnSync('bench-no-such-program').error)).toBeUndefined();
    expect(faultLine(new Error('a bug'))).toBeUndefined();
  });
});

// The run they read is measured on gunicorn.
(await describeWith([flask, gunicorn]))('commands that read a run and write a folder', () => {
  let run: string;
  beforeAll(() => {
    // A real run to export and compare: one gunicorn row measured here.
    writeFileSync(
      join(work, 'exportable.yaml'),
      ['path: /io?ms=5', 'duration: 1', 'warmup: 0.2', 'concurrency: [1]', 'deployments:', '  - kind: gunicorn-sync', '    workers: 1'].join('\n') + '\n',
    );
    const r = bench('run', 'exportable.yaml', '--out', 'exportable-run');
    expect(r.code, r.stderr).toBe(0);
    run = join(work, 'exportable-run');
  }, 120_000);

  it('refuses export --to under /proc at once', () => {
    expectRefusedUpFront(bench('export', run, '--to', '/proc/bench-export'), /--to \/proc\/bench-export: \/proc is the kernel's own file system/);
  });

  it('refuses compare --out under /sys before writing anything', () => {
    const r = bench('compare', run, run, '--out', '/sys/bench-compare');
    expectRefusedUpFront(r, /--out \/sys\/bench-compare: \/sys is the kernel's own file system/);
    expect(r.stdout).toBe('');
  });

  it('gives one of two exports racing for one folder the folder, and refuses the other naming it', async () => {
    for (let round = 0; round < 3; round++) {
      const to = join(work, `export-race-${round}`);
      const both = await Promise.all([benchAsync('export', run, '--to', to), benchAsync('export', run, '--to', to, '--name', 'other')]);
      expect(both.map((r) => r.code).sort(), both.map((r) => r.stderr).join('\n')).toEqual([0, 2]);
      const loser = both.find((r) => r.code === 2)!;
      expect(loser.first).toMatch(new RegExp(`^bench: error: --to ${to} (is being written by another bench command|is not empty)`));
      // The winner's files, all of them, whole.
      const winnerName = both[0]!.code === 0 ? 'bench-demo' : 'other';
      expect(readdirSync(to).sort()).toEqual(['README.md', `${winnerName}.service`, 'gunicorn.conf.py', 'nginx-site.conf', `supervisor-${winnerName}.conf`].sort());
    }
  });
});

describe('two runs into one --out', () => {
  it('refuses a folder to a second claim, even with --force, while the first holds it, naming the holder', () => {
    const out = join(work, 'held');
    expect(prepareOutDir(out, { isDefault: false, runFiles: [] })).toBe(out);
    expect(() => prepareOutDir(out, { isDefault: false, runFiles: [], force: true })).toThrow(
      `--out ${out} is being written by another bench command (pid ${process.pid}); wait for it to end or name another folder`,
    );
  });

  it('lets exactly one of two racing runs have a new folder; the other exits 2 naming it, and the survivor\'s results are whole', async () => {
    for (let round = 0; round < 3; round++) {
      const out = join(work, `race-${round}`);
      const [a, b] = await Promise.all([benchAsync('run', A, '--out', out), benchAsync('run', B, '--out', out)]);
      expect([a!.code, b!.code].sort(), `${a!.stderr}\n${b!.stderr}`).toEqual([0, 2]);
      const [winner, loser] = a!.code === 0 ? [a!, 'alpha'] : [b!, 'beta'];
      const refused = a!.code === 2 ? a! : b!;
      expect(refused.first).toMatch(new RegExp(`^bench: error: --out ${out} (is being written by another bench command|holds the run of)`));
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.leftInTmp).toEqual([]);
      const kept = readRun(out);
      expect(kept.scenario).toBe(loser);
      expect(kept.complete).toBe(true);
      expect(kept.results).toHaveLength(1);
      expect(winner.leftInTmp).toEqual([]);
      expectOnlyWholeFiles(out);
    }
  }, 180_000);

  it('lets exactly one of two racing runs with --force have an empty folder', async () => {
    for (let round = 0; round < 2; round++) {
      const out = join(work, `forced-${round}`);
      mkdirSync(out);
      const both = await Promise.all([benchAsync('run', A, '--out', out, '--force'), benchAsync('run', B, '--out', out, '--force')]);
      expect(both.map((r) => r.code).sort(), both.map((r) => r.stderr).join('\n')).toEqual([0, 2]);
      expect(both.find((r) => r.code === 2)!.first).toMatch(new RegExp(`^bench: error: --out ${out} is being written by another bench command \\(pid \\d+\\); wait for it to end or name another folder$`));
      expect(readRun(out).complete).toBe(true);
      expectOnlyWholeFiles(out);
    }
  }, 120_000);

  it('takes over the lock of a bench that was killed, and of a process that merely reuses its pid', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.pid'], {}).pid!;
    for (const [name, lock] of [
      ['killed', `${gone} 12345\n`],
      ['reused', `${process.pid} 1\n`],
    ] as const) {
      const out = join(work, `stale-${name}`);
      mkdirSync(out);
      writeFileSync(join(out, '.bench.lock'), lock);
      const r = bench('run', A, '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(readRun(out).complete).toBe(true);
      expectOnlyWholeFiles(out);
    }
  }, 60_000);
});

describe('output that a pipe can close', () => {
  it('goes on measuring and writing when the reader of stdout and stderr goes away after one line', async () => {
    const out = join(work, 'piped');
    const child = spawn(process.execPath, [BIN, 'run', A, '--out', out, '--concurrency', '1,2'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    // `| head -1`: the reader takes the first line and closes both pipes.
    child.stderr.once('data', () => {
      child.stderr.destroy();
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(0);
    const run = readRun(out);
    expect(run.complete).toBe(true);
    expect(run.results).toHaveLength(2);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expectOnlyWholeFiles(out);
  }, 60_000);

  it('exits 0 from bench list into a pipe already closed', async () => {
    const child = spawn(process.execPath, [BIN, 'list'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await new Promise((done) => child.on('close', done))).toBe(0);
    expect(stderr).toBe('');
  });
});

/**
 * A small tmpfs of its own, to fill or make read-only. Mounting needs root: elsewhere these tests
 * are skipped, except under CI=true as root (as CI runs), where a failure to mount is a failure.
 */
function mountable(): boolean {
  const probe = mkdtempSync(join(work, 'probe-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  if (!mounted && process.env.CI === 'true' && process.getuid?.() === 0) throw new Error('CI=true as root, and mount -t tmpfs failed');
  if (!mounted) console.warn('skipping the full and read-only disk tests: mount -t tmpfs needs root (run the tests as root)');
  return mounted;
}

describe.runIf(mountable())('a disk that is full or read-only', () => {
  const mounts: string[] = [];
  function disk(options: string): string {
    const dir = mkdtempSync(join(work, 'disk-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount -t tmpfs -o ${options}: ${r.stderr}`);
    mounts.push(dir);
    return dir;
  }
  /** Writes until the disk refuses. */
  function fill(dir: string): void {
    spawnSync('sh', ['-c', `head -c 100000000 /dev/zero > ${dir}/filler`]);
  }
  afterAll(() => {
    for (const dir of mounts) spawnSync('umount', ['-l', dir]);
  });

  it('refuses a run into a read-only disk before anything starts, and leaves nothing there', () => {
    const dir = disk('ro,size=64k');
    expectRefusedUpFront(bench('run', A, '--out', join(dir, 'results')), /cannot make the folder \S+: the file system is read-only; name a folder on a writable disk$/);
  });

  it('refuses a run into a full disk before anything starts, and removes the folder it made there', () => {
    const dir = disk('size=64k');
    fill(dir);
    expectRefusedUpFront(bench('run', A, '--out', join(dir, 'results')), /--out \S+\/results: cannot write \S+: no space left on the device; free some space or name a folder on another disk$/);
    expect(readdirSync(dir)).toEqual(['filler']);
  });

  it('refuses a run into a disk with room for its lock but not its first results.json with exit 2, promising no file', () => {
    const dir = disk('size=4k');
    const out = join(dir, 'results');
    const r = bench('run', A, '--out', out);
    expectRefusedUpFront(r, new RegExp(`^bench: error: cannot write ${out}/results\\.json: no space left on the device; free some space or name a folder on another disk; nothing was started or measured$`));
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  });

  it('stops a run whose disk fills while it measures: exit 1, one line, servers down, results.json whole and marked incomplete', async () => {
    const dir = disk('size=256k');
    const out = join(dir, 'results');
    const tmp = tmpFor();
    const child = spawn(process.execPath, [BIN, 'run', A, '--out', out, '--concurrency', '1,2,3,4,5,6'], { cwd: work, env: { ...process.env, TMPDIR: tmp } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      // The first point is in results.json: now the disk fills.
      if (/c=1: /.test(stderr) && !existsSync(join(dir, 'filler'))) fill(dir);
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code, stderr).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('bench: '))).toEqual([
      `bench: error: cannot write ${out}/results.json: no space left on the device; free some space or name a folder on another disk; ` +
        `the run stopped, and ${out}/results.json keeps what it measured before`,
    ]);
    expect(leftIn(tmp)).toEqual([]);
    const run = readRun(out);
    expect(run.complete).toBe(false);
    expect(run.results.length).toBeGreaterThanOrEqual(1);
    expect(run.results.length).toBeLessThan(6);
    expectOnlyWholeFiles(out);
  }, 60_000);

  it('leaves no empty or cut-short chart when the disk fills as the reports are written, and keeps the run whole', () => {
    // Room for results.json and a chart or two, not for every report.
    const dir = disk('size=64k');
    const out = join(dir, 'results');
    const r = bench('run', A, '--out', out);
    expect(r.code, r.stderr).toBe(1);
    const faults = r.stderr.split('\n').filter((l) => l.startsWith('bench: '));
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatch(
      new RegExp(`^bench: error: cannot write ${out}/\\S+: no space left on the device; free some space or name a folder on another disk \\(results.json is whole: bench report ${out} writes the reports again\\)$`),
    );
    // The figures were printed all the same.
    expect(r.stdout).toMatch(/node-async/);
    expect(readRun(out).complete).toBe(true);
    expectOnlyWholeFiles(out);
  }, 60_000);

  it('says in one line that bench report cannot write into a run folder on a read-only disk, and leaves the run as it was', () => {
    const dir = disk('size=1m');
    const out = join(dir, 'results');
    expect(bench('run', A, '--out', out).code).toBe(0);
    rmSync(join(out, 'report.html'));
    const before = readFileSync(join(out, 'results.json'), 'utf8');
    expect(spawnSync('mount', ['-o', 'remount,ro', dir]).status).toBe(0);
    const r = bench('report', out);
    expect(r.code, r.stderr).toBe(1);
    expect(r.first).toMatch(new RegExp(`^bench: error: cannot write ${out}/\\S+: the file system is read-only; name a folder on a writable disk`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe(before);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
  }, 60_000);
});
