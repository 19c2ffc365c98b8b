import { MachineCpu } from '../process/machine-cpu.js';
import { ResourceSampler } from '../process/sampler.js';
import type { LiveTick } from './protocol.js';

interface Slice {
  /** CPU of the deployment's processes over the slice, percent of one core. */
  cpuPercent: number;
  /** The machine's CPUs over the slice, percent busy (their mean); undefined without /proc/stat. */
  machinePercent: number | undefined;
  wallMs: number;
  endedAt: number;
}

/**
 * The deployment's CPU over the live window, as a share of the cores it may use: what tells the
 * room that `/cpu` falls short of the model because the cores are full, not the workers. The
 * process sampler of every row measures from its start to its stop, so the window is a chain of
 * them, one per tick (CPU only: PSS twice a second would cost a pool more than it tells), and its
 * figure the slices' time-weighted mean.
 */
export class LiveCpu {
  private sampler: ResourceSampler;
  private machine = new MachineCpu();
  private startedAt = performance.now();
  private readonly slices: Slice[] = [];

  constructor(
    private readonly groups: () => number[],
    private readonly exitCpuLog: string | undefined,
    private readonly windowS: number,
    private readonly cores: number,
    private readonly sliceMs: number,
  ) {
    this.sampler = this.next();
  }

  /** Closes the slice so far and opens the next; the window's CPU, or null until something was sampled. */
  read(): LiveTick['cpu'] {
    const now = performance.now();
    const used = this.sampler.stop();
    const machine = this.machine.stop();
    const machineNow = machine && machine.length > 0 ? machine.reduce((sum, p) => sum + p, 0) / machine.length : undefined;
    if (used.processes > 0) this.slices.push({ cpuPercent: used.cpuPercent, machinePercent: machineNow, wallMs: now - this.startedAt, endedAt: now });
    this.startedAt = now;
    this.sampler = this.next();
    this.machine = new MachineCpu();
    while (this.slices.length > 0 && this.slices[0]!.endedAt <= now - this.windowS * 1000) this.slices.shift();
    const wallMs = this.slices.reduce((sum, s) => sum + s.wallMs, 0);
    if (wallMs === 0) return null;
    const cpuPercent = this.slices.reduce((sum, s) => sum + s.cpuPercent * s.wallMs, 0) / wallMs;
    const busyPercent = Math.round((cpuPercent / this.cores) * 10) / 10;
    // The server's share beside the machine's: when /cpu falls short with the server's cores half used, the machine's figure says whether anything was left.
    const measured = this.slices.every((s) => s.machinePercent !== undefined);
    if (!measured) return { busyPercent, cores: this.cores };
    const machinePercent = this.slices.reduce((sum, s) => sum + s.machinePercent! * s.wallMs, 0) / wallMs;
    return { busyPercent, cores: this.cores, machinePercent: Math.round(machinePercent * 10) / 10 };
  }

  stop(): void {
    this.sampler.stop();
  }

  private next(): ResourceSampler {
    // Its own timer samples once between the tick's readings, to see a process that comes and goes.
    return new ResourceSampler(this.groups, this.sliceMs / 2, this.exitCpuLog, false);
  }
}
