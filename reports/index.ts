import { mkdir } from 'node:fs/promises';
import type { RunResults } from '../harness/results.js';
import { sharingChartRenders } from './chart-spec.js';
import { CHARTS, chartWriter } from './charts.js';
import { csvResults } from './csv.js';
import { htmlReport } from './html.js';
import { markdownReport } from './markdown.js';
import { tuneMarkdown } from './tune-markdown.js';
import type { ReportWriter } from './writer.js';

export type { ReportWriter } from './writer.js';

/** Every report format. A new format is one module exporting a ReportWriter, added here. */
export const writers: readonly ReportWriter[] = [...CHARTS.map(chartWriter), htmlReport, markdownReport, tuneMarkdown, csvResults];

/** Writes every report into outDir; resolves to the paths written, in writer order. */
export async function writeReports(run: RunResults, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written = await sharingChartRenders(run, () => Promise.all(writers.map((writer) => writer.write(run, outDir))));
  return written.flat();
}
