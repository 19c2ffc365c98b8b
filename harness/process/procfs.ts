import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  /** Its session. */
  sid: number;
  /** When it started, in clock ticks since boot: with the pid, it names one process for good (pids are reused). */
  startTicks: number;
  /**
   * User + system CPU time in clock ticks, its own and that of children it has reaped (cutime and
   * cstime): a CGI process lives 150 ms, between two samples, and shows up only in fcgiwrap's.
   */
  cpuTicks: number;
  rssPages: number;
}

/** Parses /proc/PID/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone between listing and reading
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 of proc(5): state, ppid, pgrp, session, … utime(14), stime(15), cutime(16), cstime(17) … starttime(22), rss(24)
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    sid: Number(fields[3]),
    startTicks: Number(fields[19]),
    cpuTicks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
    rssPages: Number(fields[21]),
  };
}

/**
 * Nanoseconds its main thread has run (the first field of /proc/PID/schedstat), or undefined where
 * it cannot be read. Exact where the tick counts of /proc/PID/stat are not: a process that runs in
 * bursts shorter than a tick may go uncounted by them (measured here: 256 Apache prefork
 * processes sharing 128 clients showed 0 ticks for 25% of a core).
 */
export function readRunNs(pid: number): number | undefined {
  try {
    const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Nanoseconds all of its threads have run (the first field of each /proc/PID/task/TID/schedstat),
 * or undefined where it cannot be read: the main thread's alone misses a threaded worker's work
 * (gthread serves requests in a pool of threads), and ticks miss bursts shorter than a tick.
 * Threads that ended before the call no longer count.
 */
export function readThreadsRunNs(pid: number): number | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  for (const task of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended between listing and reading
    }
  }
  return Number.isFinite(ns) ? ns : undefined;
}

/**
 * A process's proportional set size in kB (`Pss:` in /proc/PID/smaps_rollup, Linux 4.14 on): its
 * private pages plus its share of each page it shares, so that summing it over a pre-fork pool
 * counts the pages the workers share once, where summed RSS counts them once per worker. 0 for a
 * process that holds no memory any more (exiting: ESRCH) or is gone; null when it cannot be read
 * (a process of another user, or a kernel without the file).
 */
export function readPssKb(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch (err) {
    const gone = (err as NodeJS.ErrnoException).code === 'ESRCH' || !existsSync(`/proc/${pid}`);
    return gone ? 0 : null;
  }
  const pss = /^Pss:\s+(\d+) kB/m.exec(text);
  return pss ? Number(pss[1]) : 0;
}

export const hasProcfs = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/**
 * The living (non-zombie) members of process group `pgid`. Workers whose master died first are
 * re-parented to PID 1, which in a container may reap them late; as zombies they hold nothing,
 * so they do not count.
 */
export function groupMembers(pgid: number): ProcStat[] {
  return livingProcesses().filter((p) => p.pgrp === pgid);
}

/** Whether `pid` is a process that has not exited: neither gone nor a zombie its parent has yet to reap. */
export function isLiving(pid: number): boolean {
  const state = readStat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Every process on the machine that is not a zombie. */
export function livingProcesses(): ProcStat[] {
  return allProcesses().filter((p) => p.state !== 'Z' && p.state !== 'X');
}

/** The children of `ppid`, zombies included: a child counts until its parent has reaped it. */
export function childrenOf(ppid: number): ProcStat[] {
  return allProcesses().filter((p) => p.ppid === ppid);
}

function allProcesses(): ProcStat[] {
  const all: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) all.push(stat);
  }
  return all;
}

/**
 * CPU time (clock ticks) of the children this process has waited for (cutime + cstime of
 * /proc/self/stat): how a child that has exited, such as a wrk run, reports what it used.
 */
export function reapedChildrenTicks(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}
