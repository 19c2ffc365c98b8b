import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { hasProcfs, isLiving, livingProcesses, readStat, type ProcStat } from './procfs.js';

/** A process group bench started: its leader, named for good by its start time. */
export interface GroupRecord {
  pid: number;
  startTicks: number;
  /** What asks it to stop (PostgreSQL's postmaster: SIGINT, its fast shutdown), before SIGKILL. */
  stopSignal: NodeJS.Signals;
}

/**
 * One bench process's record of what it has started and made and not yet stopped or removed,
 * kept on disk so that whoever outlives it (its guardian, or the next bench command) can finish
 * its teardown when it cannot: a SIGKILL, the OOM killer, a power cut of the ssh session.
 */
export interface LeftoverRecord {
  owner: { pid: number; startTicks: number };
  groups: GroupRecord[];
  /** Private folders, each directly in the temporary folder and named bench-…. */
  dirs: string[];
}

/** How long a group gets to stop on its stop signal before SIGKILL: well inside the 10 s a killed run may take to vanish. */
const STOP_GRACE_MS = 3000;

/**
 * The registry: a folder of bench's own, one file per live bench process. Per user, since each
 * user's bench sweeps only what it could have made itself; in the temporary folder, beside the
 * folders it lists.
 */
export function leftoversDir(): string {
  return join(tmpdir(), `bench-leftovers-${process.getuid?.() ?? 'user'}`);
}

/**
 * The registry folder when bench can trust it: a real folder (not a link), its user's, writable
 * by no one else. Anyone can make a folder of that name in /tmp first; listing pids there would
 * make bench kill them. Undefined when it does not exist (and `create` is false).
 */
function trustedDir(create: boolean): string | undefined {
  const dir = leftoversDir();
  if (create) mkdirSync(dir, { mode: 0o700, recursive: true });
  let stat;
  try {
    stat = lstatSync(dir);
  } catch {
    return undefined;
  }
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o022) !== 0) {
    if (!create) return undefined;
    throw new Error(`${dir} is not bench's own (it must be this user's folder, writable by no one else); remove it`);
  }
  return dir;
}

/** When `pid` started (clock ticks since boot), or undefined when it is gone or /proc cannot tell. */
export function startTicksOf(pid: number): number | undefined {
  return hasProcfs ? readStat(pid)?.startTicks : undefined;
}

/** This process as its record's owner. */
export function selfAsOwner(): LeftoverRecord['owner'] {
  return { pid: process.pid, startTicks: startTicksOf(process.pid) ?? 0 };
}

/** A new file in the registry for this process's record (the name is unique: worker threads share the pid). */
export function newRecordFile(): string {
  return join(trustedDir(true)!, `${process.pid}-${Math.random().toString(36).slice(2, 10)}.json`);
}

/** Replaces the record at once (a rename): a reader never sees half of it. */
export function writeRecord(file: string, record: LeftoverRecord): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function removeRecord(file: string): void {
  rmSync(file, { force: true });
}

/** What a teardown found and ended. */
export interface Swept {
  processes: number;
  folders: number;
}

/**
 * Finishes the teardown of a bench process that is gone: its servers are asked to stop (their
 * stop signal to the group), then killed after STOP_GRACE_MS, and its private folders removed;
 * then its record. `fresh`: the owner has just died (the guardian), so without /proc to check
 * start times its group ids can still be trusted; a later sweep then leaves the processes alone.
 */
export async function finishTeardown(file: string, fresh: boolean): Promise<Swept> {
  const record = readRecord(file);
  if (!record) return { processes: 0, folders: 0 };
  const processes = hasProcfs ? await endGroups(record.groups) : fresh ? await signalGroups(record.groups) : 0;
  const folders = removeFolders(record.dirs, dirname(dirname(file)));
  removeRecord(file);
  return { processes, folders };
}

/**
 * What every bench command does first: finishes the teardown of any bench process of this user
 * that died without its own (its pid gone, or now another process's), and says so in one line.
 * Nothing to do costs one readdir.
 */
export async function sweepLeftovers(say: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  const dir = trustedDir(false);
  if (!dir) return;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    // A record half-written when its owner was killed (named PID-….json.tmp).
    if (name.endsWith('.json.tmp') && !isLiving(Number(name.split('-')[0]))) removeRecord(file);
    if (!name.endsWith('.json')) continue;
    const record = readRecord(file);
    if (!record) {
      removeRecord(file);
      continue;
    }
    if (ownerAlive(record.owner)) continue;
    let swept: Swept;
    try {
      swept = await finishTeardown(file, false);
    } catch {
      continue; // a folder this user cannot remove: it stays listed, and the command goes on
    }
    if (swept.processes + swept.folders > 0) {
      say(`bench: a bench process that was killed (pid ${record.owner.pid}) left ${plural(swept.processes, 'process', 'processes')} and ${plural(swept.folders, 'folder', 'folders')}; stopped and removed them`);
    }
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function ownerAlive(owner: LeftoverRecord['owner']): boolean {
  if (!hasProcfs) {
    try {
      process.kill(owner.pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  const stat = readStat(owner.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.startTicks === owner.startTicks;
}

/** The record, its fields checked: a pid of 0 or 1 would signal every process (kill(-1)) or init. */
function readRecord(file: string): LeftoverRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const r = raw as Partial<LeftoverRecord>;
  const isPid = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 1;
  if (!r || !r.owner || !isPid(r.owner.pid) || !Array.isArray(r.groups) || !Array.isArray(r.dirs)) return undefined;
  return {
    owner: { pid: r.owner.pid, startTicks: Number(r.owner.startTicks) },
    groups: r.groups.filter((g) => isPid(g?.pid) && g.pid !== process.pid && Number.isSafeInteger(g.startTicks) && g.stopSignal in constants.signals),
    dirs: r.dirs.filter((d): d is string => typeof d === 'string'),
  };
}

/**
 * Ends the groups of a dead owner, touching only processes proven to be its own: a leader still
 * alive with its recorded start time; members of its group, in its session (every group bench
 * starts leads a session of its own), started after it; and the descendants of either, wherever
 * they moved (PostgreSQL's backends each lead a session of their own). The kernel does not reuse
 * a pid while a group or session of that id has members, so a process holding the leader's pid
 * with another start time means bench's group ended long ago: that id is a stranger's now.
 */
async function endGroups(groups: GroupRecord[]): Promise<number> {
  const living = livingProcesses();
  const children = new Map<number, ProcStat[]>();
  for (const p of living) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const targets = new Map<number, number>(); // pid → start ticks
  for (const group of groups) {
    const holder = readStat(group.pid);
    if (holder && holder.startTicks !== group.startTicks) continue;
    const leader = living.find((p) => p.pid === group.pid && p.startTicks === group.startTicks);
    const members = living.filter((p) => p === leader || (p.pgrp === group.pid && p.sid === group.pid && p.startTicks >= group.startTicks));
    const queue = [...members];
    while (queue.length > 0) {
      const p = queue.pop()!;
      if (targets.has(p.pid) || p.pid === process.pid) continue;
      targets.set(p.pid, p.startTicks);
      queue.push(...(children.get(p.pid) ?? []));
    }
    // The whole group at once when its leader is there to shut down its workers in order (a
    // child that leads no group, wrk in bench's own: itself).
    if (leader) kill(-group.pid, group.stopSignal) || kill(group.pid, group.stopSignal);
    else for (const p of members) kill(p.pid, group.stopSignal);
  }
  const stillThere = () => [...targets].filter(([pid, start]) => {
    const stat = readStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.startTicks === start;
  });
  await waitFor(() => stillThere().length === 0, STOP_GRACE_MS);
  for (const [pid] of stillThere()) kill(pid, 'SIGKILL');
  await waitFor(() => stillThere().length === 0, 2000);
  return targets.size;
}

/** Without /proc: the stop signal to each group, then SIGKILL; how many groups there were. */
async function signalGroups(groups: GroupRecord[]): Promise<number> {
  const signal = (g: GroupRecord, sig: NodeJS.Signals | 0) => kill(-g.pid, sig) || kill(g.pid, sig);
  const alive = () => groups.filter((g) => signal(g, 0));
  for (const g of groups) signal(g, g.stopSignal);
  await waitFor(() => alive().length === 0, STOP_GRACE_MS);
  for (const g of alive()) signal(g, 'SIGKILL');
  return groups.length;
}

/** Removes the recorded folders that are bench's by name and place: bench-… directly in `base`, real folders (not links). */
function removeFolders(dirs: string[], base: string): number {
  let removed = 0;
  for (const dir of dirs) {
    const name = basename(dir);
    if (dirname(dir) !== base || !name.startsWith('bench-') || name === basename(leftoversDir())) continue;
    try {
      if (!lstatSync(dir).isDirectory()) continue;
    } catch {
      continue; // gone already
    }
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function kill(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
