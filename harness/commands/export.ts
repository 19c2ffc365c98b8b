import { statSync } from 'node:fs';
import { join } from 'node:path';
import { writeWholeSync } from '../files/disk.js';
import { EXIT, UsageError } from '../cli/errors.js';
import { exportFiles } from '../export/files.js';
import { measuredFigures } from '../export/provenance.js';
import { exportTarget, type ExportOptions } from '../export/target.js';
import { claimFolder, holdsFiles } from '../results/out-folder.js';
import { readRun } from '../results/read-run.js';

/** `bench export RUN_DIR --to DIR`: one measured deployment as the files a person puts on a server. */
export async function exportCommand(runDir: string, options: ExportOptions): Promise<number> {
  const { run, file } = readRun(runDir);
  const target = exportTarget(run, file, options);
  const files = exportFiles(target);
  const force = options.force === true;
  checkDestination(options.to);
  // Claimed, and judged under the claim: of two exports racing for one folder, one writes it.
  claimFolder(options.to, '--to', () => checkContents(options.to, force));
  for (const [name, text] of files) writeWholeSync(join(options.to, name), text, { mode: 0o644 });
  process.stderr.write(
    `exported ${target.m.row.deployment} (${measuredFigures(target.m)}; ${target.why})\n` +
      `wrote ${files.map(([name]) => name).join(', ')} in ${options.to}; see its README.md for where each goes\n`,
  );
  return EXIT.ok;
}

function checkDestination(dir: string): void {
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) throw new UsageError(`--to ${dir} is a file, not a folder; name a folder`);
}

/** Nothing of the user's is written over: a folder that holds anything needs --force. */
function checkContents(dir: string, force: boolean): void {
  if (!force && holdsFiles(dir)) {
    throw new UsageError(`--to ${dir} is not empty; name an empty or new folder, or pass --force to write over the files of the same names`);
  }
}
