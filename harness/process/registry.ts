import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startGuardian, type Guardian } from './guardian.js';
import { newRecordFile, removeRecord, selfAsOwner, startTicksOf, writeRecord } from './leftovers.js';

/** A Set that says when what it holds changes. */
class WatchedSet<T> extends Set<T> {
  constructor(private readonly changed: () => void) {
    super();
  }
  override add(value: T): this {
    if (this.has(value)) return this;
    super.add(value);
    this.changed();
    return this;
  }
  override delete(value: T): boolean {
    const deleted = super.delete(value);
    if (deleted) this.changed();
    return deleted;
  }
  override clear(): void {
    if (this.size === 0) return;
    super.clear();
    this.changed();
  }
}

/**
 * Every process group the harness has started and not yet stopped, and every private temporary
 * folder it has made and not yet removed. Whatever way the harness exits short of SIGKILL, what
 * is left here is killed and removed synchronously; for SIGKILL, both are also kept on disk, in
 * the registry of leftovers that the guardian and the next bench command read (guardian.ts).
 */
export const liveGroups = new WatchedSet<Guarded>(recordLeftovers);
export const liveTempDirs = new WatchedSet<string>(recordLeftovers);

/** A process group bench started and must end (or a single child): a ProcessGroup, or a child guarded with guardChild. */
export interface Guarded {
  readonly pid: number;
  /** What asks it to stop, before SIGKILL. */
  readonly stopSignal: NodeJS.Signals;
  /** Sends a signal to the whole group; false when it is gone. */
  signal(sig: NodeJS.Signals | 0): boolean;
}

/**
 * Guards a child bench talks to directly (a load generator) like a ProcessGroup, until it exits:
 * its group when it was spawned detached, else the child alone.
 */
export function guardChild(child: ChildProcess, stopSignal: NodeJS.Signals = 'SIGTERM', leadsGroup = true): void {
  const pid = child.pid;
  if (pid === undefined) return;
  const guarded: Guarded = {
    pid,
    stopSignal,
    signal: (sig) => {
      try {
        process.kill(leadsGroup ? -pid : pid, sig);
        return true;
      } catch {
        return false;
      }
    },
  };
  liveGroups.add(guarded);
  child.once('exit', () => liveGroups.delete(guarded));
}

/** This process's file in the registry of leftovers, and its guardian, while it has anything to guard. */
let onDisk: { file: string; owner: ReturnType<typeof selfAsOwner>; guardian?: Guardian; startTicks: Map<number, number> } | undefined;

/** The guardian's pid while it runs: a child of this process that is none of its servers or generators. */
export const guardianPid = (): number | undefined => onDisk?.guardian?.pid;

let warned = false;

/**
 * Keeps the record on disk in step with the sets. Never throws: the sets and the exit guard work
 * without it (a full disk, a registry folder bench cannot trust); only a SIGKILL would then leave
 * servers running, which bench says once.
 */
function recordLeftovers(): void {
  try {
    if (liveGroups.size === 0 && liveTempDirs.size === 0) {
      if (!onDisk) return;
      const { file, guardian } = onDisk;
      onDisk = undefined;
      removeRecord(file);
      guardian?.release();
      return;
    }
    onDisk ??= { file: newRecordFile(), owner: selfAsOwner(), startTicks: new Map() };
    const known = onDisk.startTicks;
    const startTicks = new Map([...liveGroups].map((g) => [g.pid, known.get(g.pid) ?? startTicksOf(g.pid) ?? 0]));
    onDisk.startTicks = startTicks;
    const groups = [...liveGroups].map((g) => ({ pid: g.pid, startTicks: startTicks.get(g.pid)!, stopSignal: g.stopSignal }));
    writeRecord(onDisk.file, { owner: onDisk.owner, groups, dirs: [...liveTempDirs] });
    // Started once the record exists, so that it finds one whenever it has to read it.
    onDisk.guardian ??= startGuardian(onDisk.file);
  } catch (err) {
    if (warned) return;
    warned = true;
    process.stderr.write(`bench: warning: cannot record what it starts in its registry of leftovers: ${(err as Error).message}; were bench killed with SIGKILL, its servers would stay running\n`);
  }
}

export function killAllNow(): void {
  for (const group of liveGroups) group.signal('SIGKILL');
  liveGroups.clear();
  for (const dir of liveTempDirs) rmSync(dir, { recursive: true, force: true });
  liveTempDirs.clear();
}

let installed = false;

/** Kills every live group and removes temp folders when the process exits, however it exits (short of SIGKILL). */
export function installExitGuard(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
}

/**
 * The signals that end a run: Ctrl-C, kill, a closed terminal or dropped ssh (SIGHUP: the servers
 * run in sessions of their own, so they would not get it themselves), and Ctrl-\.
 */
export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** Calls `handler` on any stop signal until the returned function is called. */
export function onStopSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, handler);
  };
}
