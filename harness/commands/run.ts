import { writeReports, writers } from '../../reports/index.js';
import { prepareOutDir } from '../output.js';
import { formatTable } from '../../reports/table.js';
import { EXIT } from '../errors.js';
import { confirmLongRun } from './confirm.js';
import { buildPlan, type RunOverrides } from '../plan.js';
import { killAllNow, onStopSignals } from '../process/registry.js';
import { Progress } from '../progress.js';
import { runPlan } from '../run.js';
import { loadScenario } from '../scenario/load.js';

/** parse options → build the plan → run → export. Returns the exit code. */
export async function runCommand(scenarioName: string, overrides: RunOverrides): Promise<number> {
  const planned = buildPlan(loadScenario(scenarioName), overrides);
  await confirmLongRun(planned, overrides.yes ?? false);
  const runFiles = writers.flatMap((writer) => writer.files);
  const plan = { ...planned, outDir: prepareOutDir(planned.outDir, { isDefault: planned.outDirIsDefault, runFiles }) };
  const progress = new Progress();
  return whileInterruptible(progress, plan.outDir, async (signal) => {
    const run = await runPlan(plan, { progress, signal });
    const written = await writeReports(run, plan.outDir);
    process.stdout.write(formatTable(run) + '\n');
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
