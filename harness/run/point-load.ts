import type { MeasuredService, Sample } from '../results/aggregate.js';
import { sampledGroups, type RunningDeployment } from '../deployments/launch.js';
import type { LoadEngine, MixRequest } from '../load/engine.js';
import type { PointLoad } from '../load/measure.js';
import type { Plan } from '../plan/build-plan.js';
import { farSideLoad } from '../remote/far-side.js';
import { countsDemoAnswers } from '../shared-state/count-sequences.js';

/** What every point on a deployment shares: where the load goes, what is sampled, and which generator drives it from where. */
export function pointLoad(plan: Plan, deployment: RunningDeployment, path: string, engine: LoadEngine | undefined) {
  return {
    ...requestTarget(plan, deployment, path),
    ...(!plan.requests && countsDemoAnswers(path, plan.app) && { countAnswers: true }),
    timeoutS: plan.timeoutS,
    processGroups: () => sampledGroups(deployment),
    ...(deployment.exitCpuLog && { exitCpuLog: deployment.exitCpuLog }),
    // launch() starts the server first, then the web server in front of it.
    ...(deployment.processes.length > 1 && { frontGroups: () => deployment.processes.slice(1).map((p) => p.pid) }),
    ...farSideLoad(deployment.farSide),
    allowRemote: plan.allowRemote,
    generator: plan.generator,
    ...(engine && { engine }),
    ...(plan.locust && { locust: plan.locust }),
    ...(plan.placement.generatorCpus && { cpus: plan.placement.generatorCpus }),
  };
}

/** One client for a short window: what one request of the user's app takes on this deployment, unqueued. */
export function serviceProbe(plan: Plan, deployment: RunningDeployment, path: string, engine: LoadEngine | undefined): PointLoad {
  // Sampled too (pointLoad): the CPU per request bounds the model.
  return { concurrency: 1, ...pointLoad(plan, deployment, path, engine), warmupS: plan.warmupS, durationS: Math.min(plan.durationS, 2) };
}

/**
 * What one request costs the deployment, from a one-client point: its mean latency (the model's d)
 * and the CPU the deployment's processes spent per request (which bounds it by the cores).
 */
export function measuredService(m: Sample): MeasuredService | undefined {
  if (!m.latencyMs || m.throughputRps <= 0) return undefined;
  return { ms: m.latencyMs.mean, cpuMs: (m.resources.cpuPercent / 100) * (1000 / m.throughputRps) };
}

/** Where a point's load goes: GET path, or the scenario's mix on the deployment's base URL. */
function requestTarget(plan: Plan, deployment: RunningDeployment, path: string): { url: string; requests?: MixRequest[] } {
  return plan.requests ? { url: deployment.baseUrl, requests: plan.requests } : { url: deployment.baseUrl + path };
}
