import { withLocustCluster } from '../load/locust/index.js';
import { estimateSeconds, type Plan } from '../plan/build-plan.js';
import type { RunResults } from '../results/types.js';
import { withDatabase } from './database-lifecycle.js';
import { runDeployment } from './deployment-lifecycle.js';
import { loadLevels } from './load-levels.js';
import { prepareDeployments } from './missing-software.js';
import { pointRecorder } from './point-recorder.js';
import { withPrivateTmpDir } from './private-tmp-dir.js';
import { formatSeconds } from './progress.js';
import { finishRun, newRun } from './results-header.js';
import type { RunContext } from './run-context.js';

/**
 * Runs every deployment × path × load level of the plan, `repeat` times in interleaved rounds
 * (A B A B, so that drift over the run hits every deployment alike), saving results.json after
 * every point.
 */
export async function runPlan(plan: Plan, ctx: RunContext): Promise<RunResults> {
  const run = newRun(plan);
  let runnable = await prepareDeployments(plan, run, ctx.progress);
  const levels = loadLevels(plan);
  const pointsPerDeployment = plan.paths.length * levels.length;
  ctx.progress.say(
    `${plan.scenario.name}: ${runnable.length} deployments × ${pointsPerDeployment} points` +
      (plan.repeat > 1 ? ` × ${plan.repeat} repeats` : '') +
      `, about ${formatSeconds(estimateSeconds(plan, runnable.length))}; results in ${plan.outDir}`,
  );
  const record = pointRecorder(plan, run);
  await withPrivateTmpDir(ctx, (tmpDir) =>
    withLocustCluster(plan.locust, () =>
      withDatabase(plan, runnable, run, { ...ctx, tmpDir }, async (database) => {
        for (let round = 1; round <= plan.repeat && !ctx.signal.aborted; round++) {
          for (const [i, planned] of runnable.entries()) {
            if (ctx.signal.aborted) break;
            const step =
              `[${i + 1}/${runnable.length}${plan.repeat > 1 ? `, round ${round}/${plan.repeat}` : ''}] ${planned.label}`;
            await runDeployment(plan, planned, levels, { ...ctx, step, tmpDir, run, record, ...(database && { database }) });
          }
          // A deployment that could not start, or died, is not tried again in later rounds.
          runnable = runnable.filter((p) => !run.failures.some((f) => f.deployment === p.label));
        }
      }),
    ),
  );
  return finishRun(plan, run, ctx);
}
