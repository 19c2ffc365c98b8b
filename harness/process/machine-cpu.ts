import { readFileSync } from 'node:fs';

/** Busy and total jiffies of each CPU (cpu0, cpu1, …), from /proc/stat; undefined where it cannot be read. */
function readCpuTimes(): { busy: number; total: number }[] | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const times: { busy: number; total: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    // user nice system idle iowait irq softirq steal …: idle and iowait are time nobody ran.
    const fields = match[2]!.trim().split(/\s+/).map(Number);
    const total = fields.slice(0, 8).reduce((sum, x) => sum + x, 0);
    times[Number(match[1])] = { busy: total - fields[3]! - (fields[4] ?? 0), total };
  }
  return times;
}

/**
 * How busy each of the machine's CPUs was over a window, whoever kept it busy: the server, the
 * generator, or processes bench knows nothing of (another test, a build). Their own CPU says what
 * bench's processes used; this says whether the cores had any left.
 */
export class MachineCpu {
  private readonly first = readCpuTimes();

  /** Percent busy of each CPU, by index, since construction; undefined without /proc/stat. */
  stop(): number[] | undefined {
    const last = readCpuTimes();
    if (!this.first || !last) return undefined;
    return last.map((end, cpu) => {
      const start = this.first![cpu];
      const total = start ? end.total - start.total : 0;
      return start && total > 0 ? Math.round(((end.busy - start.busy) / total) * 1000) / 10 : 0;
    });
  }
}
