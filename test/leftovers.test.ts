import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { leftoversDir, newRecordFile, startTicksOf, sweepLeftovers, writeRecord, type LeftoverRecord } from '../harness/process/leftovers.js';
import { isLiving, livingProcesses } from '../harness/process/procfs.js';
import { BIN } from './support/cli.js';

// Every test has a temporary folder of its own: the registry lives in it, beside the folders it lists.
const realTmp = tmpdir();
let tmp: string;
const started: ChildProcess[] = [];
beforeEach(() => {
  tmp = mkdtempSync(join(realTmp, 'bench-leftovers-test-'));
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  process.env.TMPDIR = realTmp;
  rmSync(tmp, { recursive: true, force: true });
});

/** A real process leading a group and session of its own, as bench's servers do. */
function leader(script = 'sleep 60'): ChildProcess {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  started.push(child);
  return child;
}

/** A process that has exited, to own a record: the shape bench leaves when it is killed. */
async function deadOwner(): Promise<LeftoverRecord['owner']> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await until(() => startTicksOf(child.pid!) !== undefined);
  const owner = { pid: child.pid!, startTicks: startTicksOf(child.pid!)! };
  child.kill('SIGKILL');
  await new Promise((done) => child.once('exit', done));
  return owner;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const groupOf = (child: ChildProcess, stopSignal: NodeJS.Signals = 'SIGTERM') => ({ pid: child.pid!, startTicks: startTicksOf(child.pid!)!, stopSignal });

function benchFolder(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'nginx.conf'), '');
  return dir;
}

it('stops the groups of a bench process that died, descendants that left for a session of their own included, and removes its folders and record', async () => {
  // Like a postmaster: a leader whose child runs in a session of its own.
  const server = leader('setsid sleep 61.25 & sleep 60');
  const escapedPid = () => readdirSync('/proc').find((p) => /^\d+$/.test(p) && procCmd(Number(p)) === 'sleep 61.25');
  await until(() => escapedPid() !== undefined);
  const escaped = Number(escapedPid());
  const folder = benchFolder('bench-abc123');
  const file = newRecordFile();
  writeRecord(file, { owner: await deadOwner(), groups: [groupOf(server)], dirs: [folder] });
  const said: string[] = [];
  await sweepLeftovers((line) => said.push(line));
  expect(isLiving(server.pid!)).toBe(false);
  expect(isLiving(escaped)).toBe(false);
  expect(existsSync(folder)).toBe(false);
  expect(existsSync(file)).toBe(false);
  expect(said).toEqual([expect.stringMatching(/^bench: a bench process that was killed \(pid \d+\) left \d+ processes and 1 folder; stopped and removed them$/)]);
});

it('leaves alone the record of a bench process that is still running', async () => {
  const server = leader();
  const folder = benchFolder('bench-live01');
  const file = newRecordFile();
  writeRecord(file, { owner: { pid: process.pid, startTicks: startTicksOf(process.pid)! }, groups: [groupOf(server)], dirs: [folder] });
  await sweepLeftovers(() => {});
  expect(isLiving(server.pid!)).toBe(true);
  expect(existsSync(folder)).toBe(true);
  expect(existsSync(file)).toBe(true);
});

it('takes a pid that now names another process for a dead owner', async () => {
  const folder = benchFolder('bench-reused');
  const file = newRecordFile();
  // This very process, but started at another time: its pid was reused.
  writeRecord(file, { owner: { pid: process.pid, startTicks: startTicksOf(process.pid)! - 1 }, groups: [], dirs: [folder] });
  await sweepLeftovers(() => {});
  expect(existsSync(folder)).toBe(false);
});

it('never signals a stranger that has come to hold a recorded group id, nor the members of its group', async () => {
  const stranger = leader('sleep 60 & sleep 60; wait');
  await until(() => livingProcesses().filter((p) => p.pgrp === stranger.pid).length === 3);
  const file = newRecordFile();
  // Recorded with another start time: bench's group ended, and its id went to this process.
  for (const startTicks of [startTicksOf(stranger.pid!)! - 1, startTicksOf(stranger.pid!)! + 1]) {
    writeRecord(file, { owner: await deadOwner(), groups: [{ ...groupOf(stranger), startTicks }], dirs: [] });
    await sweepLeftovers(() => {});
    expect(livingProcesses().filter((p) => p.pgrp === stranger.pid).length).toBe(3);
    expect(existsSync(file)).toBe(false);
  }
});

it('ends the members of a group whose leader has died, as gunicorn workers outliving their arbiter', async () => {
  const pool = leader('sleep 60 & sleep 60; wait');
  await until(() => livingProcesses().filter((p) => p.pgrp === pool.pid).length === 3);
  const file = newRecordFile();
  writeRecord(file, { owner: await deadOwner(), groups: [groupOf(pool)], dirs: [] });
  process.kill(pool.pid!, 'SIGKILL');
  await new Promise((done) => pool.once('exit', done)); // reaped: its pid is free, its group is not
  expect(livingProcesses().filter((p) => p.pgrp === pool.pid).length).toBe(2);
  await sweepLeftovers(() => {});
  expect(livingProcesses().filter((p) => p.pgrp === pool.pid)).toEqual([]);
});

it("removes only folders that are bench's by name and place: not a link, not one outside the temporary folder, not one of another name", async () => {
  const elsewhere = mkdtempSync(join(realTmp, 'bench-elsewhere-'));
  try {
    const other = benchFolder('not-bench');
    const target = benchFolder('bench-target');
    const link = join(tmp, 'bench-link');
    symlinkSync(target, link);
    const nested = join(target, 'bench-nested');
    mkdirSync(nested);
    const file = newRecordFile();
    writeRecord(file, { owner: await deadOwner(), groups: [], dirs: [elsewhere, other, link, nested, leftoversDir(), join(tmp, 'bench-x', '..', 'not-bench')] });
    await sweepLeftovers(() => {});
    expect([existsSync(elsewhere), existsSync(other), existsSync(link), existsSync(nested), existsSync(leftoversDir())]).toEqual([true, true, true, true, true]);
    expect(existsSync(file)).toBe(false);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

it('ignores a registry folder that others can write, and will not record into it, naming it', async () => {
  const server = leader();
  const file = newRecordFile();
  writeRecord(file, { owner: await deadOwner(), groups: [groupOf(server)], dirs: [] });
  chmodSync(leftoversDir(), 0o777);
  await sweepLeftovers(() => {});
  expect(isLiving(server.pid!)).toBe(true);
  expect(() => newRecordFile()).toThrow(`${leftoversDir()} is not bench's own (it must be this user's folder, writable by no one else); remove it`);
});

it('runs all the same when the registry folder is not its own, and warns once that a SIGKILL would leave its servers running', () => {
  mkdirSync(leftoversDir(), { mode: 0o700 });
  chmodSync(leftoversDir(), 0o777);
  writeFileSync(join(tmp, 'one.yaml'), 'path: /hello\nduration: 0.5\nwarmup: 0\nconcurrency: [1]\ndeployments: [node-async]\n');
  const r = spawnSync(process.execPath, [BIN, 'run', 'one.yaml', '--out', join(tmp, 'out')], { cwd: tmp, env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const warnings = r.stderr.split('\n').filter((line) => line.startsWith('bench: warning: cannot record'));
  expect(warnings).toEqual([
    `bench: warning: cannot record what it starts in its registry of leftovers: ${leftoversDir()} is not bench's own (it must be this user's folder, writable by no one else); remove it; were bench killed with SIGKILL, its servers would stay running`,
  ]);
  expect(readdirSync(tmp).filter((f) => /^bench-(?!leftovers)/.test(f)), 'its private folders, removed at its end').toEqual([]);
});

it('drops a record it cannot read, and one its killed owner was writing', async () => {
  const file = newRecordFile();
  writeFileSync(file, '{"owner":');
  const { pid } = await deadOwner();
  writeFileSync(join(leftoversDir(), `${pid}-abc.json.tmp`), '{"owner":');
  const live = `${process.pid}-def.json.tmp`;
  writeFileSync(join(leftoversDir(), live), '{"owner":');
  await sweepLeftovers(() => {});
  expect(readdirSync(leftoversDir())).toEqual([live]);
});

it('costs a few milliseconds when there is nothing to sweep', async () => {
  newRecordFile(); // the registry folder exists, empty
  const started = performance.now();
  for (let i = 0; i < 100; i++) await sweepLeftovers(() => {});
  expect((performance.now() - started) / 100).toBeLessThan(5);
});

function procCmd(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}
