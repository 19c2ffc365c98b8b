import { saveResults } from '../results/out-folder.js';
import { mixLabel, type Plan } from '../plan/build-plan.js';
import { SCHEMA_VERSION, type RunResults } from '../results/types.js';
import { describeEnvironment } from '../results/environment.js';

/** A run's results before anything is measured: the scenario, the environment and the settings. */
export function newRun(plan: Plan): RunResults {
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: plan.scenario.name,
    title: plan.scenario.title,
    ...(plan.scenario.description && { description: plan.scenario.description }),
    ...(plan.scenario.notice && { notice: noticeFor(plan) }),
    startedAt: new Date().toISOString(),
    complete: false,
    environment: describeEnvironment(),
    settings: {
      xAxis: plan.xAxis,
      durationS: plan.durationS,
      warmupS: plan.warmupS,
      timeoutS: plan.timeoutS,
      quick: !plan.fillQueue,
      generator: plan.generator,
      ...(plan.locust && { locust: plan.locust }),
      placement: plan.placement,
      maxConnections: plan.maxConnections,
      concurrency: plan.concurrency,
      rates: plan.rates,
      repeat: plan.repeat,
      paths: plan.paths,
      deployments: plan.deployments.map((d) => d.label),
      ...(plan.timelineDeployment && { timelineDeployment: plan.timelineDeployment }),
      ...(plan.app && { app: plan.app }),
      ...(plan.requests && { requests: plan.requests }),
      ...(plan.slowClients && { slowClients: plan.slowClients }),
      ...(plan.database && { database: plan.database }),
      ...(plan.serverHost && { serverHost: plan.serverHost.destination }),
    },
    results: [],
    failures: [],
    skipped: [],
  };
}

/** Marks the run complete (unless interrupted) and saves it for the last time. */
export function finishRun(plan: Plan, run: RunResults, ctx: { signal: AbortSignal }): RunResults {
  run.complete = !ctx.signal.aborted;
  run.finishedAt = new Date().toISOString();
  saveResults(run, plan.outDir);
  return run;
}

/** The scenario's note quotes figures for its own path; say so when --path replaced it. */
function noticeFor(plan: Plan): string {
  const own = plan.scenario.requests ? [mixLabel(plan.scenario.requests)] : [plan.scenario.path ?? '/'].flat();
  const notice = plan.scenario.notice ?? '';
  if (own.join() === plan.paths.join()) return notice;
  return `${notice} (This note describes the scenario's own ${own.join(', ')}; this run used ${plan.paths.join(', ')}.)`;
}
