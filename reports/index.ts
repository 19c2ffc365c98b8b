import { mkdir } from 'node:fs/promises';
import type { RunResults } from '../harness/results.js';
import { latencyChart, throughputChart } from './charts.js';
import type { ReportWriter } from './writer.js';

export type { ReportWriter } from './writer.js';

/** Every report format. A new format is one module exporting a ReportWriter, added here. */
export const writers: ReportWriter[] = [throughputChart, latencyChart];

/** Writes every report into outDir; resolves to the paths written, in writer order. */
export async function writeReports(run: RunResults, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written = await Promise.all(writers.map((writer) => writer.write(run, outDir)));
  return written.flat();
}
