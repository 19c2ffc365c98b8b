import { realpathSync } from 'node:fs';
import { describeDifferences } from '../../reports/compare/compare-labels.js';
import { comparisonWarnings, incompleteLine } from '../../reports/compare/compare-notes.js';
import { comparisonText, writeComparison } from '../../reports/compare/compare-report.js';
import { compareRuns, DEFAULT_THRESHOLD_PCT } from '../compare/compare-runs.js';
import { EXIT, UsageError } from '../cli/errors.js';
import { makeFolderFor } from '../results/out-folder.js';
import { readRun } from '../results/read-run.js';

export interface CompareOptions {
  threshold?: number;
  out?: string;
  allowDifferentSettings?: boolean;
  allowPartial?: boolean;
}

/**
 * bench compare BASE NEW: prints the comparison, writes compare.png and compare.md, exits 1 on a
 * regression or when NEW is incomplete (interrupted, a deployment failed, points missing) unless
 * --allow-partial; that is the first line it prints, since a CI log is read from the top.
 */
export async function compareCommand(base: string, next: string, options: CompareOptions): Promise<number> {
  const runs = { base: readRun(base, 'BASE'), next: readRun(next, 'NEW') };
  if (runs.base.run.scenario !== runs.next.run.scenario) {
    throw new UsageError(
      `BASE is scenario ${runs.base.run.scenario}, NEW is scenario ${runs.next.run.scenario}: compare runs of the same scenario`,
    );
  }
  const comparison = compareRuns(runs.base.run, runs.next.run, {
    thresholdPct: options.threshold ?? DEFAULT_THRESHOLD_PCT,
    allowPartial: options.allowPartial === true,
  });
  if (comparison.settingDifferences.length > 0 && !options.allowDifferentSettings) {
    throw new UsageError(
      `BASE and NEW were measured with different settings (${describeDifferences(comparison.settingDifferences)}): ` +
        'their figures do not compare; run both alike, or pass --allow-different-settings',
    );
  }
  if (comparison.points.length === 0) {
    throw new UsageError(`${base} and ${next} have no point in common (same deployment, path and load level) to compare`);
  }

  const outDir = options.out ?? runs.next.dir;
  makeFolderFor(outDir, options.out === undefined ? 'NEW' : '--out');
  const incomplete = incompleteLine(comparison);
  if (incomplete) process.stderr.write(`${comparison.partialAccepted ? 'warning' : 'bench compare'}: ${incomplete}\n`);
  if (sameFile(runs.base.file, runs.next.file)) {
    process.stderr.write(`warning: BASE and NEW are the same run (${runs.next.file}): every change is 0 by construction; give two runs to compare\n`);
  }
  for (const warning of comparisonWarnings(comparison)) process.stderr.write(`warning: ${warning}\n`);
  const written = await writeComparison(comparison, runs, outDir);
  process.stdout.write(comparisonText(comparison) + '\n');
  process.stderr.write(`wrote ${written.join(', ')} in ${outDir}\n`);
  return comparison.failed ? EXIT.runFailed : EXIT.ok;
}

/** The same file by another name ("run" and "run/results.json", a symlink, "./run"). */
function sameFile(a: string, b: string): boolean {
  return realpathSync(a) === realpathSync(b);
}
