import { writeReports, writers } from '../../reports/index.js';
import { prepareOutDir } from '../results/out-folder.js';
import { formatTable } from '../../reports/tables/table.js';
import { EXIT } from '../cli/errors.js';
import { runStopped } from '../files/machine-faults.js';
import { confirmLongRun } from './confirm.js';
import { buildPlan, estimateSeconds, type RunOverrides } from '../plan/build-plan.js';
import { Progress } from '../run/progress.js';
import { runPlan } from '../run/run-plan.js';
import { checkAppImports } from '../app/import-check.js';
import { scenarioAndApp, type AppFlags } from './scenario-and-app.js';
import { whileInterruptible } from './interruptible.js';

/** The flags of `bench run` as commander hands them over: the plan's overrides, and the app's flags. */
export type RunFlags = Omit<RunOverrides, 'app'> & AppFlags;

/** parse options → build the plan → run → export. Returns the exit code. */
export async function runCommand(scenarioName: string | undefined, flags: RunFlags): Promise<number> {
  const { scenario, app, rest } = scenarioAndApp(scenarioName, flags);
  const planned = buildPlan(scenario, { ...rest, ...(app && { app }) });
  checkAppImports(planned, app !== undefined);
  await confirmLongRun(estimateSeconds(planned), rest.yes ?? false);
  const runFiles = writers.flatMap((writer) => writer.files);
  const plan = { ...planned, outDir: prepareOutDir(planned.outDir, { isDefault: planned.outDirIsDefault, runFiles, force: rest.force ?? false }) };
  const progress = new Progress();
  return whileInterruptible(progress, plan.outDir, async (signal) => {
    const run = await runPlan(plan, { progress, signal }).catch((err: unknown) => {
      throw runStopped(err, plan.outDir);
    });
    // The figures first: a disk that cannot take the charts still leaves them on the screen.
    process.stdout.write(formatTable(run) + '\n');
    const written = await writeReports(run, plan.outDir);
    progress.say(`wrote ${['results.json', ...written.map((f) => f.slice(plan.outDir.length + 1))].join(', ')} in ${plan.outDir}`);
    if (signal.aborted) return EXIT.interrupted;
    return run.failures.length > 0 ? EXIT.runFailed : EXIT.ok;
  });
}
