import type { Level } from '../results/aggregate.js';
import { saveResults } from '../results/out-folder.js';
import type { PlannedDeployment } from '../plan/build-plan.js';
import { formatSeconds } from '../run/progress.js';
import type { ResultRow, RunResults, TunedConfiguration } from '../results/types.js';
import { withLocustCluster } from '../load/locust/index.js';
import { withDatabase } from '../run/database-lifecycle.js';
import { runDeployment } from '../run/deployment-lifecycle.js';
import { prepareDeployments } from '../run/missing-software.js';
import { pointRecorder } from '../run/point-recorder.js';
import { withPrivateTmpDir } from '../run/private-tmp-dir.js';
import { finishRun, newRun } from '../run/results-header.js';
import type { RunContext } from '../run/run-context.js';
import { describeMeasuredOn, measuredOn } from './measured-on.js';
import { measuredConfiguration, tuneSummary, type Tried } from './summary.js';
import type { TunePlan } from './tune-plan.js';
import { stopGrowing } from './sizes.js';
import { nextStep } from './steps.js';
import { sweepsThreads } from './pool-axis.js';
import { describeSlo } from './slo.js';

/**
 * Measures every class (kind × threads) at growing pool sizes: each configuration is started once
 * and its load stepped until it misses the SLO or flattens, and a class stops growing once two
 * successive sizes gained under 5%. results.json is rewritten after every point, its `tune`
 * summary after every configuration, so an interrupted sweep keeps its verdict on what it measured.
 */
export async function runTune(tune: TunePlan, ctx: RunContext): Promise<RunResults> {
  const { plan, classes, criteria } = tune;
  const run = newRun(plan);
  const runnable = new Set((await prepareDeployments(plan, run, ctx.progress)).map((d) => d.label));
  const record = pointRecorder(plan, run);
  const tried: Tried[] = [];
  const notes: string[] = [];
  let planned = classes.reduce((n, c) => n + c.configurations.filter((d) => runnable.has(d.label)).length, 0);
  ctx.progress.say(
    `${plan.scenario.name}: tuning ${classes.map((c) => c.label).join(', ')} on ${plan.paths[0]} for ${describeSlo(criteria.slo)}` +
      (criteria.budgetMb !== null ? ` within ${criteria.budgetMb} MB` : '') +
      `: up to ${planned} configurations, about ${formatSeconds(planned * guessSeconds(tune))}; results in ${plan.outDir}`,
  );
  // Said before the first figure, not only in the verdict: a size read off the progress holds for these cores too.
  const on = measuredOn(run);
  if (on.placement.serverCores > 0) ctx.progress.say(`sizing with ${describeMeasuredOn(on)}`);
  const startedAt = performance.now();
  const deployments = classes.flatMap((c) => c.configurations.filter((d) => runnable.has(d.label)));
  await withPrivateTmpDir(ctx, (tmpDir) =>
    withLocustCluster(plan.locust, () => withDatabase(plan, deployments, run, { ...ctx, tmpDir }, async (database) => {
      for (const tuneClass of classes) {
        const best: (number | null)[] = [];
        const sizes = tuneClass.configurations.filter((d) => runnable.has(d.label));
        for (const [i, configuration] of sizes.entries()) {
          if (ctx.signal.aborted) return;
          const elapsedS = (performance.now() - startedAt) / 1000;
          const perConfigurationS = tried.length > 0 ? elapsedS / tried.length : guessSeconds(tune);
          const left = formatSeconds(Math.max(0, planned - tried.length) * perConfigurationS);
          const step = `[${tried.length + 1}/${planned}, about ${left} left] ${configuration.label}`;
          const stepping = steppedLevels(configuration, run, tune);
          const ok = await runDeployment(plan, configuration, stepping.levels, { ...ctx, step, tmpDir, run, record, ...(database && { database }) });
          tried.push({ planned: configuration, stoppedBy: ok ? stepping.stoppedBy() : 'failed' });
          best.push(measuredConfiguration(tried[tried.length - 1]!, run.results, criteria, run.settings.placement).throughputAtSloRps);
          const rest = sizes.length - 1 - i;
          const stop = rest > 0 && stopGrowing(best);
          if (stop) {
            notes.push(stoppedEarly(tuneClass.label, sizes.slice(i - 1, i + 1), sizes.slice(i + 1)));
            ctx.progress.say(notes[notes.length - 1]!);
            planned -= rest;
          }
          run.tune = tuneSummary(tried, run.results, criteria, notes, measuredOn(run));
          saveResults(run, plan.outDir);
          if (stop) break;
        }
      }
    })),
  );
  run.settings.deployments = tried.map((t) => t.planned.label);
  run.tune = tuneSummary(tried, run.results, criteria, notes, measuredOn(run));
  return finishRun(plan, run, ctx);
}

/**
 * The load levels of one configuration, chosen one at a time from what it measured so far; when
 * they run out, stoppedBy says why (until then, or after Ctrl-C, 'interrupted').
 */
function steppedLevels(configuration: PlannedDeployment, run: RunResults, tune: TunePlan) {
  let stoppedBy: TunedConfiguration['stoppedBy'] = 'interrupted';
  const measured = (): ResultRow[] => run.results.filter((row) => row.deployment === configuration.label);
  function* levels(): Generator<Level> {
    for (;;) {
      const decision = nextStep(measured(), tune.criteria.slo, tune.ladder);
      if ('stop' in decision) {
        stoppedBy = decision.stop;
        return;
      }
      yield { concurrency: decision.next };
    }
  }
  return { levels: levels(), stoppedBy: () => stoppedBy };
}

function stoppedEarly(label: string, lastTwo: PlannedDeployment[], skipped: PlannedDeployment[]): string {
  const size = (d: PlannedDeployment) => (sweepsThreads(d.kind) ? `${d.spec.threads ?? 1} threads` : `×${d.spec.workers}`);
  const sizes = (ds: PlannedDeployment[]) => ds.map(size).join(', ');
  return `${label}: stopped early: ${sizes(lastTwo)} each gained under 5% over the best size before them, so ${sizes(skipped)} ${skipped.length === 1 ? 'was' : 'were'} not tried`;
}

/** The whole sweep at its longest, every configuration tried: what a long sweep is confirmed on. */
export function estimateTuneSeconds(tune: TunePlan): number {
  return tune.classes.reduce((n, c) => n + c.configurations.length, 0) * guessSeconds(tune);
}

/** Before anything is measured: a configuration takes about five levels, plus its start. */
function guessSeconds(tune: TunePlan): number {
  return 5 * (tune.plan.durationS + tune.plan.warmupS + 0.2) + 1.5;
}
