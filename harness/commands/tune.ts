import { writeReports, writers } from '../../reports/index.js';
import { formatTuneTable } from '../../reports/tune/tune-table.js';
import { runWarnings } from '../../reports/warnings.js';
import { checkAppImports } from '../app/import-check.js';
import { EXIT } from '../cli/errors.js';
import { runStopped } from '../files/machine-faults.js';
import { prepareOutDir } from '../results/out-folder.js';
import { Progress } from '../run/progress.js';
import { buildTunePlan, type TuneOptions } from '../tune/tune-plan.js';
import { estimateTuneSeconds, runTune } from '../tune/sweep.js';
import { confirmLongRun } from './confirm.js';
import { whileInterruptible } from './interruptible.js';
import { scenarioAndApp, type AppFlags } from './scenario-and-app.js';

/** The flags of `bench tune` as commander hands them over: the sweep's options, and the app's flags. */
export type TuneFlags = Omit<TuneOptions, 'app'> & AppFlags & { yes?: boolean };

/** parse options → plan the sweep → measure → recommend → export. Returns the exit code. */
export async function tuneCommand(scenarioName: string | undefined, flags: TuneFlags): Promise<number> {
  const { scenario, app, rest } = scenarioAndApp(scenarioName, flags);
  const tune = buildTunePlan(scenario, { ...rest, ...(app && { app }) });
  checkAppImports(tune.plan, app !== undefined);
  await confirmLongRun(estimateTuneSeconds(tune), rest.yes ?? false);
  const runFiles = writers.flatMap((writer) => writer.files);
  const outDir = prepareOutDir(tune.plan.outDir, { isDefault: tune.plan.outDirIsDefault, runFiles, force: rest.force ?? false });
  const plan = { ...tune, plan: { ...tune.plan, outDir } };
  const progress = new Progress();
  return whileInterruptible(progress, outDir, async (signal) => {
    const run = await runTune(plan, { progress, signal }).catch((err: unknown) => {
      throw runStopped(err, outDir);
    });
    const warnings = runWarnings(run).map((warning) => `warning: ${warning}`);
    // The figures first: a disk that cannot take the charts still leaves them on the screen.
    process.stdout.write([formatTuneTable(run.tune!), ...(warnings.length > 0 ? ['', ...warnings] : [])].join('\n') + '\n');
    const written = await writeReports(run, outDir);
    progress.say(`wrote ${['results.json', ...written.map((f) => f.slice(outDir.length + 1))].join(', ')} in ${outDir}`);
    if (signal.aborted) return EXIT.interrupted;
    return run.failures.length > 0 ? EXIT.runFailed : EXIT.ok;
  });
}
