import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, UsageError } from '../errors.js';
import { exportFiles } from '../export/files.js';
import { measuredFigures } from '../export/provenance.js';
import { exportTarget, type ExportOptions } from '../export/target.js';
import { readRun } from '../results-file.js';

/** `bench export RUN_DIR --to DIR`: one measured deployment as the files a person puts on a server. */
export async function exportCommand(runDir: string, options: ExportOptions): Promise<number> {
  const { run, file } = readRun(runDir);
  const target = exportTarget(run, file, options);
  const files = exportFiles(target);
  checkDestination(options.to, options.force === true);
  mkdirSync(options.to, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(options.to, name), text, { mode: 0o644 });
  process.stderr.write(
    `exported ${target.m.row.deployment} (${measuredFigures(target.m)}; ${target.why})\n` +
      `wrote ${files.map(([name]) => name).join(', ')} in ${options.to}; see its README.md for where each goes\n`,
  );
  return EXIT.ok;
}

/** Nothing of the user's is written over: a folder that holds anything needs --force. */
function checkDestination(dir: string, force: boolean): void {
  let stats;
  try {
    stats = statSync(dir);
  } catch {
    return;
  }
  if (!stats.isDirectory()) throw new UsageError(`--to ${dir} is a file, not a folder; name a folder`);
  if (!force && readdirSync(dir).length > 0) {
    throw new UsageError(`--to ${dir} is not empty; name an empty or new folder, or pass --force to write over the files of the same names`);
  }
}
