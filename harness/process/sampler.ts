import { execFileSync } from 'node:child_process';
import { readExitCpuLog } from './exit-cpu-log.js';
import { hasProcfs, livingProcesses, readPssKb, readRunNs, readThreadsRunNs } from './procfs.js';

function sysconf(name: string, fallback: number): number {
  try {
    return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
  } catch {
    return fallback;
  }
}

let units: { ticksPerSecond: number; pageBytes: number } | undefined;
export const systemUnits = () => (units ??= { ticksPerSecond: sysconf('CLK_TCK', 100), pageBytes: sysconf('PAGESIZE', 4096) });

export interface ResourceUse {
  /** CPU time of the whole tree over wall time, in percent of one core (200 = two cores busy). */
  cpuPercent: number;
  peakRssMb: number;
  /** Peak of the tree's summed PSS (shared pages shared out); null where smaps_rollup cannot be read. */
  peakPssMb: number | null;
  /** The most processes seen at once (master, workers, nginx). */
  processes: number;
  /** Each process's own CPU over the window (percent of one core), to tell how evenly a pool's workers shared the work. */
  processCpu?: ProcessCpu[];
}

export interface ProcessCpu {
  pid: number;
  /** It leads its process group: the server's first process (a pool's master, a single server's only process). */
  leader: boolean;
  cpuPercent: number;
}

/**
 * What a point reports when nothing could be sampled: no /proc, or no process in its groups (a
 * server started outside bench). Reports show its figures as not measured, never as zeros.
 */
export const NOTHING_SAMPLED: ResourceUse = { cpuPercent: 0, peakRssMb: 0, peakPssMb: null, processes: 0 };

/**
 * PSS costs a walk of each process's memory map (half a millisecond per Node or Python process
 * here, 9 ms for a gunicorn pool of 16, against some 15 µs for a stat), so it is read at most this
 * often, and at the start and the end.
 */
const PSS_INTERVAL_MS = 1000;

const toMb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * Samples CPU time, RSS and PSS of every process in the given process groups while a point runs.
 * CPU is summed per pid, from the first to the last sample of each, so a respawned worker's time
 * is not lost; short-lived children (CGI) count through their parent's reaped-children time.
 */
export class ResourceSampler {
  private readonly firstTicks = new Map<number, number>();
  private readonly lastTicks = new Map<number, number>();
  /** The main thread's run time (ns), where readable: see cpuSeconds. */
  private readonly firstRunNs = new Map<number, number>();
  private readonly lastRunNs = new Map<number, number>();
  /** All threads' run time (ns), read when a process is first seen and at the end: see cpuSeconds. */
  private readonly firstThreadsNs = new Map<number, number>();
  private readonly lastThreadsNs = new Map<number, number>();
  private peakRssPages = 0;
  /** kB; null once any process's PSS could not be read (a partial sum would understate). */
  private peakPssKb: number | null = 0;
  private pssReadAt = -Infinity;
  private peakProcesses = 0;
  private readonly leaders = new Set<number>();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();
  /** Lines the exit CPU log held before the window: processes that ended before it. */
  private readonly exitedBefore: number;

  /**
   * `exitCpuLog`: where processes of these groups that the kernel reaps unwaited (CGI) write their CPU at exit.
   * `pss`: false for a sampler that only wants CPU, read often (a live page's), which PSS's cost would weigh on.
   */
  constructor(
    private readonly groups: () => number[],
    intervalMs = 200,
    private readonly exitCpuLog?: string,
    pss = true,
  ) {
    if (!pss) this.peakPssKb = null;
    this.exitedBefore = exitCpuLog ? readExitCpuLog(exitCpuLog).length : 0;
    if (!hasProcfs) return;
    this.sample(true);
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): ResourceUse {
    if (this.timer) clearInterval(this.timer);
    if (!hasProcfs) return NOTHING_SAMPLED;
    this.sample(true, true);
    if (this.peakProcesses === 0) return NOTHING_SAMPLED;
    const { pageBytes } = systemUnits();
    const wallS = Math.max((performance.now() - this.started) / 1000, 1e-3);
    const percent = (seconds: number) => Math.round((seconds / wallS) * 1000) / 10;
    const { exited, perProcess } = this.cpuSeconds();
    const total = [...perProcess.values()].reduce((sum, seconds) => sum + seconds, exited);
    return {
      cpuPercent: percent(total),
      peakRssMb: toMb(this.peakRssPages * pageBytes),
      peakPssMb: this.peakPssKb === null ? null : toMb(this.peakPssKb * 1024),
      processes: this.peakProcesses,
      processCpu: [...perProcess].map(([pid, seconds]) => ({ pid, leader: this.leaders.has(pid), cpuPercent: percent(seconds) })),
    };
  }

  /**
   * CPU seconds of every process sampled, each the largest of three counts: its ticks (all its
   * threads, and the children it reaped), its main thread's exact run time, which sees the
   * sub-tick bursts of many lightly loaded processes that ticks can miss, and, for a process alive
   * from its first sample to the last, all its threads' exact run time (a threaded worker's).
   */
  private cpuSeconds(): { exited: number; perProcess: Map<number, number> } {
    const { ticksPerSecond } = systemUnits();
    // Processes that wrote their whole CPU down at exit count by that, not by the part of it the
    // samples happened to see. Those alive when the window opened count whole, and those still
    // alive when it closes by what the samples saw: at a steady rate the two edges about cancel.
    const exited = this.exitCpuLog ? readExitCpuLog(this.exitCpuLog).slice(this.exitedBefore) : [];
    const logged = new Set(exited.map((e) => e.pid));
    const perProcess = new Map<number, number>();
    for (const [pid, first] of this.firstTicks) {
      if (logged.has(pid)) continue;
      const ticks = ((this.lastTicks.get(pid) ?? first) - first) / ticksPerSecond;
      const firstNs = this.firstRunNs.get(pid);
      const run = firstNs === undefined ? 0 : ((this.lastRunNs.get(pid) ?? firstNs) - firstNs) / 1e9;
      const firstThreads = this.firstThreadsNs.get(pid);
      const lastThreads = this.lastThreadsNs.get(pid);
      const threads = firstThreads === undefined || lastThreads === undefined ? 0 : Math.max(0, lastThreads - firstThreads) / 1e9;
      perProcess.set(pid, Math.max(ticks, run, threads));
    }
    return { exited: exited.reduce((sum, e) => sum + e.seconds, 0), perProcess };
  }

  /** `last`: the window's end, when every living process's threads are read once more. */
  private sample(withPss = false, last = false): void {
    let rss = 0;
    const pids: number[] = [];
    const groups = new Set(this.groups());
    for (const p of livingProcesses()) {
      if (!groups.has(p.pgrp)) continue;
      if (!this.firstTicks.has(p.pid)) this.firstTicks.set(p.pid, p.cpuTicks);
      if (p.pid === p.pgrp) this.leaders.add(p.pid);
      this.lastTicks.set(p.pid, p.cpuTicks);
      const runNs = readRunNs(p.pid);
      if (runNs !== undefined) {
        if (!this.firstRunNs.has(p.pid)) this.firstRunNs.set(p.pid, runNs);
        this.lastRunNs.set(p.pid, runNs);
      }
      if (!this.firstThreadsNs.has(p.pid) || last) {
        const threadsNs = readThreadsRunNs(p.pid);
        if (threadsNs !== undefined) (this.firstThreadsNs.has(p.pid) ? this.lastThreadsNs : this.firstThreadsNs).set(p.pid, threadsNs);
      }
      rss += p.rssPages;
      pids.push(p.pid);
    }
    this.peakRssPages = Math.max(this.peakRssPages, rss);
    this.peakProcesses = Math.max(this.peakProcesses, pids.length);
    const now = performance.now();
    if (this.peakPssKb !== null && (withPss || now - this.pssReadAt >= PSS_INTERVAL_MS)) {
      this.pssReadAt = now;
      const pss = sumPssKb(pids);
      this.peakPssKb = pss === null ? null : Math.max(this.peakPssKb, pss);
    }
  }
}

/** The summed PSS of `pids` in kB; null when any one cannot be read. */
function sumPssKb(pids: number[]): number | null {
  let sum = 0;
  for (const pid of pids) {
    const pss = readPssKb(pid);
    if (pss === null) return null;
    sum += pss;
  }
  return sum;
}

/** Resources sampled by someone else over the window: started as it opens, answered when it ends. */
export interface ResourceProvider {
  start(): void;
  stop(): Promise<ResourceUse>;
}
