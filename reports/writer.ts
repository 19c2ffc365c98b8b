import type { RunResults } from '../harness/results/types.js';

/** One report format: a function of the run's results that writes files into the output folder. */
export interface ReportWriter {
  name: string;
  /** File names it may write, relative to the output folder (a chart with nothing to show writes none). */
  files: string[];
  /** Resolves to the paths written. */
  write(run: RunResults, outDir: string): Promise<string[]>;
}
