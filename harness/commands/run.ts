import { writeReports, writers } from '../../reports/index.js';
import { prepareOutDir } from '../results/out-folder.js';
import { formatTable } from '../../reports/tables/table.js';
import { EXIT } from '../cli/errors.js';
import { runStopped } from '../files/machine-faults.js';
import { confirmLongRun } from './shared/confirm.js';
import { whileInterruptible } from './shared/interruptible.js';
import { buildPlan, estimateSeconds, type Plan, type RunOverrides } from '../plan/build-plan.js';
import { Progress } from '../run/progress.js';
import { runPlan } from '../run/run-plan.js';
import { checkAppImports } from '../app/import-check.js';
import { scenarioAndApp, type AppFlags } from '../app/scenario.js';

/** The flags of `bench run` as commander hands them over: the plan's overrides, and the app's flags. */
export type RunFlags = Omit<RunOverrides, 'app'> & AppFlags;

/**
 * Everything `bench run` checks before it starts anything (scenario, flags, app, length, results
 * folder), as a UsageError naming what to fix. Exported so the tests can check refusals in-process.
 */
export async function planRun(scenarioName: string | undefined, flags: RunFlags): Promise<Plan> {
  const { scenario, app, rest } = scenarioAndApp(scenarioName, flags);
  const planned = buildPlan(scenario, { ...rest, ...(app && { app }) });
  checkAppImports(planned, app !== undefined);
  await confirmLongRun(estimateSeconds(planned), rest.yes ?? false);
  const runFiles = writers.flatMap((writer) => writer.files);
  return { ...planned, outDir: prepareOutDir(planned.outDir, { isDefault: planned.outDirIsDefault, runFiles, force: rest.force ?? false }) };
}

/** parse options → build the plan → run → export. Returns the exit code. */
export async function runCommand(scenarioName: string | undefined, flags: RunFlags): Promise<number> {
  const plan = await planRun(scenarioName, flags);
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
