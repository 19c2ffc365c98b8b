import { describeLoad, formatRps, latencyCell } from '../formatting/numbers.js';
import type { ResultRow, RunResults } from '../results/types.js';

/** Where an export's settings came from: one measured row of one run. */
export interface Measurement {
  run: RunResults;
  row: ResultRow;
  /** The run's results.json, as given. */
  file: string;
}

/** "94.6 req/s, p99 43.2 ms at c=4 on /io?ms=20": the measurement in a line, for every setting's comment. */
export function measuredFigures({ row }: Measurement): string {
  return `${formatRps(row.throughputRps)} req/s, p99 ${latencyCell(row, 'p99')} ms at ${describeLoad(row)} on ${row.path}`;
}

/** "2× AMD EPYC, Linux 6.1 (linux/x64)": the machine it was measured on. */
export function machine({ run }: Measurement): string {
  const env = run.environment;
  return `${env.cpus}× ${env.cpuModel}, ${env.totalMemoryMb} MB, ${env.os}`;
}

/** The header every exported file starts with, as comment lines (`mark` is the file format's comment sign). */
export function header(m: Measurement, what: string, mark: '#' | ';' | '//'): string {
  const lines = [
    `${what}, exported by bench ${m.run.environment.benchVersion} from ${m.file}.`,
    `Measured: ${m.row.deployment}, ${measuredFigures(m)}`,
    `  (scenario ${m.run.scenario}, ${m.run.startedAt}, ${m.row.durationS} s window, on ${machine(m)}).`,
    'Every setting marked "measured" is what that measurement ran with; the others say why they are here.',
  ];
  return lines.map((line) => `${mark} ${line}`).join('\n');
}
