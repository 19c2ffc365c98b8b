import { statSync } from 'node:fs';
import { join } from 'node:path';
import { writeWholeSync } from '../files/disk.js';
import { EXIT, UsageError } from '../cli/errors.js';
import { exportFiles } from '../export/files.js';
import { ECOSYSTEM_FILE, pm2Ecosystem, pm2Row } from '../export/pm2-ecosystem.js';
import { measuredFigures } from '../export/provenance.js';
import { exportTarget, type ExportOptions } from '../export/target.js';
import { claimFolder, holdsFiles } from '../results/out-folder.js';
import { readRun } from '../results/read-run.js';

/** `bench export RUN_DIR --to DIR`: one measured deployment as the files a person puts on a server. */
export async function exportCommand(runDir: string, options: ExportOptions): Promise<number> {
  const { run, file } = readRun(runDir);
  // A pm2 row is exported as pm2's own process file: pm2, not supervisord or systemd, keeps it up.
  const pm2 = pm2Row(run, options.deployment);
  const target = pm2 ? undefined : exportTarget(run, file, options);
  const m = target?.m ?? { run, row: pm2!, file };
  const files: [string, string][] = target ? exportFiles(target) : [[ECOSYSTEM_FILE, pm2Ecosystem(m)]];
  const force = options.force === true;
  checkDestination(options.to);
  // Claimed, and judged under the claim: of two exports racing for one folder, one writes it.
  claimFolder(options.to, '--to', () => checkContents(options.to, force));
  for (const [name, text] of files) writeWholeSync(join(options.to, name), text, { mode: 0o644 });
  process.stderr.write(
    `exported ${m.row.deployment} (${measuredFigures(m)}; ${target?.why ?? 'as --deployment names it'})\n` +
      `wrote ${files.map(([name]) => name).join(', ')} in ${options.to}${target ? '; see its README.md for where each goes' : ''}\n`,
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
