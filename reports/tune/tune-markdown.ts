import { writeWhole } from '../../harness/files/disk.js';
import { join } from 'node:path';
import type { RunResults } from '../../harness/results/types.js';
import { describeSlo } from '../../harness/tune/slo.js';
import { escapeMarkdown } from '../markdown.js';
import { tuneChart } from './tune-chart.js';
import { formatTuneTable } from './tune-table.js';
import type { ReportWriter } from '../writer.js';
import { runTitle } from '../title.js';

const FILE = 'tune.md';

/** bench tune's verdict for a pull request: the ranked table as the terminal showed it, and tune.png. */
function renderTune(run: RunResults): string | null {
  const tune = run.tune;
  if (!tune) return null;
  const lines = [
    `# bench tune: ${escapeMarkdown(runTitle(run))} on ${escapeMarkdown(run.settings.paths.join(', '))}, ${escapeMarkdown(describeSlo(tune.slo))}` +
      (tune.budgetMb !== null ? ` within ${tune.budgetMb} MB` : ''),
    '',
    '```',
    formatTuneTable(tune),
    '```',
    ...(tuneChart.applies(run) ? ['', `![${tuneChart.name}](${tuneChart.file})`, '', `*${escapeMarkdown(tuneChart.caption)}*`] : []),
  ];
  return lines.join('\n') + '\n';
}

/** Writes tune.md for a tune run, nothing otherwise. */
export const tuneMarkdown: ReportWriter = {
  name: 'tune summary',
  files: [FILE],
  async write(run, outDir) {
    const text = renderTune(run);
    if (text === null) return [];
    const path = join(outDir, FILE);
    await writeWhole(path, text);
    return [path];
  },
};
