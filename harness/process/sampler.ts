import { execFileSync } from 'node:child_process';
import { hasProcfs, livingProcesses } from './procfs.js';

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
  peakPssMb: number | null;
  /** The most processes seen at once (master, workers, nginx). */
  processes: number;
}

/**
 * Samples CPU time and RSS of every process in the given process groups while a point runs. CPU
 * is summed per pid, from the first to the last sample of each, so a respawned worker's time is
 * not lost; short-lived children (CGI) count through their parent's reaped-children time.
 */
export class ResourceSampler {
  private readonly firstTicks = new Map<number, number>();
  private readonly lastTicks = new Map<number, number>();
  private peakRssPages = 0;
  private peakProcesses = 0;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly groups: () => number[],
    intervalMs = 200,
  ) {
    if (!hasProcfs) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): ResourceUse {
    if (this.timer) clearInterval(this.timer);
    if (!hasProcfs) return { cpuPercent: 0, peakRssMb: 0, peakPssMb: null, processes: 0 };
    this.sample();
    const { ticksPerSecond, pageBytes } = systemUnits();
    let ticks = 0;
    for (const [pid, first] of this.firstTicks) ticks += (this.lastTicks.get(pid) ?? first) - first;
    const wallS = (performance.now() - this.started) / 1000;
    return {
      cpuPercent: Math.round((ticks / ticksPerSecond / Math.max(wallS, 1e-3)) * 1000) / 10,
      peakRssMb: Math.round((this.peakRssPages * pageBytes) / 2 ** 20 * 10) / 10,
      peakPssMb: null,
      processes: this.peakProcesses,
    };
  }

  private sample(): void {
    let rss = 0;
    let count = 0;
    const groups = new Set(this.groups());
    for (const p of livingProcesses()) {
      if (!groups.has(p.pgrp)) continue;
      if (!this.firstTicks.has(p.pid)) this.firstTicks.set(p.pid, p.cpuTicks);
      this.lastTicks.set(p.pid, p.cpuTicks);
      rss += p.rssPages;
      count++;
    }
    this.peakRssPages = Math.max(this.peakRssPages, rss);
    this.peakProcesses = Math.max(this.peakProcesses, count);
  }
}
