import { writeReports, writers } from '../../reports/index.js';
import { prepareOutDir } from '../results/out-folder.js';
import { formatTable } from '../../reports/tables/table.js';
import { EXIT } from '../cli/errors.js';
import { runStopped } from '../run/machine-faults.js';
import { confirmLongRun } from './confirm.js';
import { buildPlan, estimateSeconds, type Plan, type RunOverrides } from '../plan/build-plan.js';
import { killAllNow, onStopSignals } from '../process/registry.js';
import { Progress } from '../run/progress.js';
import { runPlan } from '../run/run-plan.js';
import { loadScenario } from '../scenario/load.js';
import { appFromFlags } from '../app/app.js';
import { checkAppImports } from '../app/import-check.js';
import { appScenario } from '../app/scenario.js';
import { UsageError } from '../cli/errors.js';

/** --app, --app-dir, --python, --health: the user's app, on `bench run` and `bench tune`. */
export interface AppFlags {
  app?: string;
  appDir?: string;
  python?: string;
  health?: string;
}

/** The flags of `bench run` as commander hands them over: the plan's overrides, and the app's flags. */
export type RunFlags = Omit<RunOverrides, 'app'> & AppFlags;

/**
 * The scenario a command runs (a file, a built-in, or, with --app and no scenario, a first look
 * at the app) and the app the flags name, apart from the command's other flags.
 */
export function scenarioAndApp<F extends AppFlags>(scenarioName: string | undefined, flags: F) {
  const { app: _app, appDir: _dir, python: _python, health: _health, ...rest } = flags;
  const app = appFromFlags(flags);
  if (scenarioName === undefined && !app) throw new UsageError('name a scenario (bench list shows them), or an app to measure with --app MODULE:CALLABLE or --app FILE.js');
  const scenario = scenarioName === undefined ? appScenario(app!.node !== undefined ? 'node' : 'wsgi') : loadScenario(scenarioName);
  return { scenario, app, rest };
}

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

/**
 * Runs work with Ctrl-C, SIGTERM and SIGHUP turned into an abort signal: the work stops
 * measuring, tears down and keeps what it measured in outDir; a second Ctrl-C kills at once.
 */
export async function whileInterruptible<T>(progress: Progress, outDir: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      // A second Ctrl-C: no more waiting for graceful shutdown.
      killAllNow();
      process.exit(EXIT.interrupted);
    }
    progress.say(`\n${signal}: stopping the servers; finished points are kept in ${outDir}`);
    abort.abort();
  };
  const stopListening = onStopSignals(onSignal);
  try {
    return await work(abort.signal);
  } finally {
    stopListening();
  }
}
