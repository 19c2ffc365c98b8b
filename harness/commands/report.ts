import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeReports } from '../../reports/index.js';
import { formatTable } from '../../reports/table.js';
import { EXIT, UsageError } from '../errors.js';
import { RESULTS_FILE } from '../output.js';
import type { RunResults } from '../results.js';

/** Reads a run's results.json, or says exactly what is wrong with it. */
export function readRun(pathOrDir: string): { run: RunResults; dir: string; file: string } {
  const file = pathOrDir.endsWith('.json') ? resolve(pathOrDir) : resolve(pathOrDir, RESULTS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `${file} does not exist: give a run folder (one that holds ${RESULTS_FILE})` : `cannot read ${file}: ${(err as Error).message}`,
    );
  }
  let run: RunResults;
  try {
    run = JSON.parse(text) as RunResults;
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof run !== 'object' || run === null || typeof run.scenario !== 'string' || !Array.isArray(run.results)) {
    throw new UsageError(`${file} is not a bench results file (no "scenario" and "results")`);
  }
  // Reports draw the model, resources and timelines, which results from before bench 0.1's
  // measurement rework lack: say so rather than fail half-way through a chart.
  const old = !Array.isArray(run.settings?.rates) || run.results.some((r) => r.model === undefined || r.timeline === undefined);
  if (old) throw new UsageError(`${file} was written by an older bench (no model or timeline per row); run the scenario again`);
  return { run, dir: join(file, '..'), file };
}

/** `bench report DIR`: every report again from results.json, without measuring. */
export async function reportCommand(dir: string, options: { timeline?: string }): Promise<number> {
  const { run, dir: outDir } = readRun(dir);
  if (options.timeline) {
    const labels = [...new Set(run.results.map((r) => r.deployment))];
    const found = labels.find((l) => l === options.timeline) ?? run.results.find((r) => r.server === options.timeline)?.deployment;
    if (!found) throw new UsageError(`--timeline: no deployment "${options.timeline}" in ${dir}; it has: ${labels.join(', ')}`);
    run.settings.timelineDeployment = found;
  }
  const written = await writeReports(run, outDir);
  process.stdout.write(formatTable(run) + '\n');
  process.stderr.write(`wrote ${written.map((f) => f.slice(outDir.length + 1)).join(', ')} in ${outDir}` +
    (run.complete ? '' : ' (from an incomplete run: only its finished points)') + '\n');
  return EXIT.ok;
}
