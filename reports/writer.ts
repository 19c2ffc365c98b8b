import type { RunResults } from '../harness/results.js';

/** One report format: a function of the run's results that writes files into the output folder. */
export interface ReportWriter {
  name: string;
  /** File names it writes, relative to the output folder. */
  files: string[];
  /** Resolves to the paths written. */
  write(run: RunResults, outDir: string): Promise<string[]>;
}
