import { makeFolder } from '../harness/files/disk.js';
import { RunError } from '../harness/cli/errors.js';
import { faultLine } from '../harness/files/machine-faults.js';
import type { RunResults } from '../harness/results/types.js';
import { sharingChartRenders } from './charts/chart-spec.js';
import { CHARTS, chartWriter } from './charts/charts.js';
import { csvResults } from './csv.js';
import { htmlReport } from './html.js';
import { markdownReport } from './markdown.js';
import { tuneMarkdown } from './tune/tune-markdown.js';
import type { ReportWriter } from './writer.js';

export type { ReportWriter } from './writer.js';

/** Every report format. A new format is one module exporting a ReportWriter, added here. */
export const writers: readonly ReportWriter[] = [...CHARTS.map(chartWriter), htmlReport, markdownReport, tuneMarkdown, csvResults];

/**
 * Writes every report into outDir; resolves to the paths written, in writer order. Each file is
 * whole or absent: a writer the machine refuses (a full disk) fails the call with one line, once
 * every other writer has finished.
 */
export async function writeReports(run: RunResults, outDir: string): Promise<string[]> {
  makeFolder(outDir);
  const settled = await sharingChartRenders(run, () => Promise.allSettled(writers.map((writer) => writer.write(run, outDir))));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    const line = faultLine(failed.reason);
    if (!line) throw failed.reason;
    throw new RunError(`${line} (results.json is whole: bench report ${outDir} writes the reports again)`);
  }
  return settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
}
