import { writeReports } from '../../reports/index.js';
import { formatTable } from '../../reports/tables/table.js';
import { EXIT, UsageError } from '../cli/errors.js';
import { readRun } from '../results/read-run.js';

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
