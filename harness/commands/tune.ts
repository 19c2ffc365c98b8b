import { writeReports, writers } from '../../reports/index.js';
import { formatTuneTable } from '../../reports/tune-table.js';
import { runWarnings } from '../../reports/warnings.js';
import { EXIT } from '../errors.js';
import { prepareOutDir } from '../output.js';
import { Progress } from '../progress.js';
import { loadScenario } from '../scenario/load.js';
import { buildTunePlan, type TuneOptions } from '../tune/plan.js';
import { runTune } from '../tune/sweep.js';
import { whileInterruptible } from './run.js';

/** parse options → plan the sweep → measure → recommend → export. Returns the exit code. */
export async function tuneCommand(scenarioName: string, options: TuneOptions): Promise<number> {
  const tune = buildTunePlan(loadScenario(scenarioName), options);
  const runFiles = writers.flatMap((writer) => writer.files);
  const outDir = prepareOutDir(tune.plan.outDir, { isDefault: tune.plan.outDirIsDefault, runFiles });
  const plan = { ...tune, plan: { ...tune.plan, outDir } };
  const progress = new Progress();
  return whileInterruptible(progress, outDir, async (signal) => {
    const run = await runTune(plan, { progress, signal });
    const written = await writeReports(run, outDir);
    const warnings = runWarnings(run).map((warning) => `warning: ${warning}`);
    process.stdout.write([formatTuneTable(run.tune!), ...(warnings.length > 0 ? ['', ...warnings] : [])].join('\n') + '\n');
    progress.say(`wrote ${['results.json', ...written.map((f) => f.slice(outDir.length + 1))].join(', ')} in ${outDir}`);
    if (signal.aborted) return EXIT.interrupted;
    return run.failures.length > 0 ? EXIT.runFailed : EXIT.ok;
  });
}
