import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, type RunningDeployment } from './deployments/launch.js';
import { describeEnvironment } from './environment.js';
import { measurePoint } from './load/measure.js';
import { prepareOutDir, saveResults } from './output.js';
import { requiredSoftware, type Plan, type PlannedDeployment } from './plan.js';
import { formatSeconds, type Progress } from './progress.js';
import { INSTALL_SCRIPT, installCommand, missingSoftware } from './software.js';
import type { ResultRow, RunResults } from './results.js';

export interface RunContext {
  progress: Progress;
  /** Aborted on SIGINT/SIGTERM: the run stops measuring, tears down and keeps what it has. */
  signal: AbortSignal;
  readyTimeoutMs?: number;
}

/** Runs every deployment × path × load level of the plan, saving results.json after each point. */
export async function runPlan(plan: Plan, ctx: RunContext): Promise<RunResults> {
  prepareOutDir(plan.outDir);
  const run: RunResults = {
    scenario: plan.scenario.name,
    startedAt: new Date().toISOString(),
    complete: false,
    environment: describeEnvironment(),
    settings: {
      xAxis: plan.xAxis,
      durationS: plan.durationS,
      warmupS: plan.warmupS,
      concurrency: plan.concurrency,
      paths: plan.paths,
      deployments: plan.deployments.map((d) => d.label),
    },
    results: [],
    failures: [],
    skipped: [],
  };
  saveResults(run, plan.outDir);

  const runnable = await setAsideMissingSoftware(plan, run, ctx.progress);
  saveResults(run, plan.outDir);
  const pointsPerDeployment = plan.paths.length * plan.concurrency.length;
  const totalPoints = runnable.length * pointsPerDeployment;
  ctx.progress.say(
    `${plan.scenario.name}: ${runnable.length} deployments × ${pointsPerDeployment} points, ` +
      `about ${formatSeconds(totalPoints * (plan.durationS + plan.warmupS) + runnable.length)}; results in ${plan.outDir}`,
  );

  const tmpDir = mkdtempSync(join(tmpdir(), 'bench-')); // mode 0700: generated configs stay private
  try {
    for (const [i, planned] of runnable.entries()) {
      if (ctx.signal.aborted) break;
      const step = `[${i + 1}/${runnable.length}] ${planned.label}`;
      ctx.progress.live(`${step}: starting`);
      let deployment: RunningDeployment;
      try {
        deployment = await launch(planned.spec, planned.kind, planned.label, {
          tmpDir,
          readyTimeoutMs: ctx.readyTimeoutMs ?? 15_000,
        });
      } catch (err) {
        const reason = (err as Error).message;
        run.failures.push({ deployment: planned.label, server: planned.spec.kind, reason });
        ctx.progress.say(`${step}: FAILED to start: ${reason}`);
        saveResults(run, plan.outDir);
        continue;
      }
      try {
        await measureDeployment(plan, planned, deployment, run, ctx, step);
      } finally {
        ctx.progress.live(`${step}: stopping`);
        await deployment.stop();
      }
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
    ctx.progress.clearLive();
  }
  run.complete = !ctx.signal.aborted;
  run.finishedAt = new Date().toISOString();
  saveResults(run, plan.outDir);
  return run;
}

/**
 * Deployments whose software is not installed are skipped with the command that installs it, or
 * recorded as failures under --strict. Returns the deployments that can run.
 */
async function setAsideMissingSoftware(plan: Plan, run: RunResults, progress: Progress): Promise<PlannedDeployment[]> {
  const runnable: PlannedDeployment[] = [];
  for (const planned of plan.deployments) {
    const missing = await missingSoftware(requiredSoftware(planned));
    if (missing.length === 0) {
      runnable.push(planned);
      continue;
    }
    const reason =
      `${missing.map((s) => s.name).join(' and ')} not installed; install with: ${installCommand(missing)}` +
      ` (or the whole stack: ${INSTALL_SCRIPT})`;
    const entry = { deployment: planned.label, server: planned.spec.kind, reason };
    if (plan.strict) {
      run.failures.push(entry);
      progress.say(`${planned.label}: FAILED (--strict): ${reason}`);
    } else {
      run.skipped.push(entry);
      progress.say(`skipping ${planned.label}: ${reason}`);
    }
  }
  return runnable;
}

async function measureDeployment(
  plan: Plan,
  planned: PlannedDeployment,
  deployment: RunningDeployment,
  run: RunResults,
  ctx: RunContext,
  step: string,
): Promise<void> {
  // Two things make a level's first seconds unlike its steady state. Requests still queued from
  // the previous level are served before new ones (a blocking server serves a request even after
  // its client has gone). And a queue of c requests takes c / rate seconds to form, during which
  // latencies are too low. Both are over within c / rate of the level before (rates only grow with
  // c), so the warm-up lasts at least that long; --quick waits only for the drain.
  let lastRate = 0;
  let lastConcurrency = 0;
  for (const path of plan.paths) {
    for (const concurrency of plan.concurrency) {
      if (ctx.signal.aborted) return;
      const settle = plan.fillQueue ? concurrency : lastConcurrency;
      const settleS = lastRate > 0 ? settle / lastRate : lastConcurrency > 0 ? plan.timeoutS : 0;
      const warmupS = Math.max(plan.warmupS, Math.min(settleS, plan.timeoutS));
      const measured = await measurePoint(
        {
          url: deployment.baseUrl + path,
          concurrency,
          warmupS,
          durationS: plan.durationS,
          timeoutS: plan.timeoutS,
        },
        (phase, left) => ctx.progress.live(`${step}: ${path} c=${concurrency} ${phase}, ${left.toFixed(1)} s left`),
        ctx.signal,
      );
      if (ctx.signal.aborted) return;
      lastRate = measured.throughputRps;
      lastConcurrency = concurrency;
      const row: ResultRow = {
        deployment: planned.label,
        server: planned.spec.kind,
        workers: planned.spec.workers,
        ...(planned.spec.threads !== undefined && { threads: planned.spec.threads }),
        proxy: planned.spec.proxy,
        path,
        concurrency,
        ...measured,
      };
      run.results.push(row);
      saveResults(run, plan.outDir);
      ctx.progress.say(
        `${step}: ${path} c=${concurrency}: ${row.throughputRps.toFixed(1)} req/s, ` +
          `p50 ${row.latencyMs.p50.toFixed(1)} ms, p99 ${row.latencyMs.p99.toFixed(1)} ms` +
          (row.errors + row.non2xx > 0 ? `, ${row.errors} errors, ${row.non2xx} non-2xx` : ''),
      );
    }
  }
}
