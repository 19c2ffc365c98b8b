import { startPostgres, type RunningPostgres } from '../database/postgres.js';
import type { Plan, PlannedDeployment } from '../plan/build-plan.js';
import { saveResults } from '../results/out-folder.js';
import type { RunResults } from '../results/types.js';
import type { RunContext } from './run-context.js';

/**
 * Runs work with the run's private PostgreSQL when the scenario asks for `database: postgres` and
 * some deployment can run: started once, before the first deployment, and stopped (its data
 * removed) after the last, however the run ends. One that cannot start fails every deployment.
 */
export async function withDatabase(
  plan: Plan,
  deployments: PlannedDeployment[],
  run: RunResults,
  ctx: RunContext & { tmpDir: string },
  work: (database: RunningPostgres | undefined) => Promise<void>,
): Promise<void> {
  if (!plan.database || deployments.length === 0) return work(undefined);
  const major = run.environment.software.postgresql?.match(/^\d+/)?.[0];
  const starting = `starting PostgreSQL${major ? ` ${major}` : ''} (private, Unix socket)…`;
  ctx.progress.live(starting);
  const startedAt = performance.now();
  let database: RunningPostgres;
  try {
    database = await startPostgres({
      logDir: ctx.tmpDir,
      ...(plan.placement.serverCpus && { cpus: plan.placement.serverCpus }),
      timeoutMs: ctx.readyTimeoutMs ?? 20_000,
      signal: ctx.signal,
    });
  } catch (err) {
    if (ctx.signal.aborted) return;
    const reason = (err as Error).message;
    for (const planned of deployments) run.failures.push({ deployment: planned.label, server: planned.spec.kind, reason });
    ctx.progress.say(`FAILED: ${reason}; no deployment can be measured without it`);
    saveResults(run, plan.outDir);
    return;
  }
  ctx.progress.say(`${starting} ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  try {
    await work(database);
  } finally {
    ctx.progress.live('stopping PostgreSQL');
    await database.stop();
  }
}
