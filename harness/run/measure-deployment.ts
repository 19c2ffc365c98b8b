import type { MeasuredService, Sample, Level } from '../results/aggregate.js';
import type { RunningDeployment } from '../deployments/launch.js';
import { describeGeneratorChanges } from '../load/generator-changes.js';
import { measurePoint } from '../load/measure.js';
import { UsageError } from '../cli/errors.js';
import type { Plan, PlannedDeployment } from '../plan/build-plan.js';
import type { DeploymentDriver } from './deployment-driver.js';
import { describeLevel } from './load-levels.js';
import type { RecordPoint } from './point-recorder.js';
import { measuredService, pointLoad, serviceProbe } from './point-load.js';
import { PointTiming } from './point-timing.js';
import type { RunContext } from './run-context.js';
import { injectFault, recordsAnswers } from './point-fault.js';

/** Why a deployment stopped being measured, and at which point. */
export interface DeploymentDeath {
  reason: string;
  atPoint: string;
}

/**
 * Measures a started deployment at each path and level, recording each point as it is measured.
 * Resolves to its death when it died (or its generator failed) before the last point, else
 * undefined, as it does when the run is interrupted.
 */
export async function measureDeployment(
  plan: Plan,
  planned: PlannedDeployment,
  deployment: RunningDeployment,
  levels: Iterable<Level>,
  ctx: RunContext & { step: string; driver: DeploymentDriver },
  record: RecordPoint,
): Promise<DeploymentDeath | undefined> {
  const { step, driver } = ctx;
  const timing = new PointTiming(plan);
  const fault = planned.spec.fault;
  let first = true;
  for (const path of plan.paths) {
    let service: MeasuredService | undefined;
    let firstOfPath = true;
    // A user's app says nothing of its service time, and a CGI program's start (fork, exec, the
    // interpreter, the imports: some 150 ms of CPU here) dwarfs what the path asks for: the
    // model's d is the mean latency at one client, from the path's first level when that is one
    // client, else from a short unrecorded probe; never from a later, queued level.
    const measuresService = (planned.spec.app !== undefined || planned.kind.model === 'process-per-request') && planned.kind.launch !== 'attach';
    for (const level of levels) {
      if (ctx.signal.aborted) return undefined;
      const oneClient = 'concurrency' in level && level.concurrency === 1;
      if (measuresService && firstOfPath && !oneClient) {
        ctx.progress.live(`${step}: ${path}: measuring the service time at one client`);
        try {
          service = measuredService(await measurePoint(serviceProbe(plan, deployment, path, ctx.engine), undefined, ctx.signal));
        } catch (err) {
          return generatorFailure(err, `${path}: the service time probe`, ctx.signal);
        }
        timing.probed(service?.ms);
        if (ctx.signal.aborted) return undefined;
      }
      const takesServiceFromThisLevel = measuresService && firstOfPath && oneClient;
      firstOfPath = false;
      const atPoint = `${path} ${describeLevel(level)}`;
      // A server that died is a failure, not a data point (unless killing it is the experiment).
      // Before each point but the first (readiness has just checked that one), the deployment
      // must be whole and answer /health; that answer queues behind what a blocking server still
      // owes the last point, so the time it took counts towards draining that queue.
      const checkedAt = performance.now();
      const dead = !fault && !first && (await driver.deathOf(deployment, Math.max(3, plan.timeoutS) * 1000, ctx.signal));
      if (dead && !ctx.signal.aborted) return { reason: dead, atPoint };
      first = false;
      timing.waited((performance.now() - checkedAt) / 1000);
      const warmupS = timing.warmupS(level);
      const windowOpensAt = performance.now() + warmupS * 1000;
      const faulting = fault && injectFault(fault, deployment, windowOpensAt, plan.durationS, ctx.signal);
      let measured: Sample;
      try {
        measured = await measurePoint(
          { ...level, ...pointLoad(plan, deployment, path, ctx.engine), warmupS, durationS: plan.durationS, recordAnswers: recordsAnswers(fault) },
          (phase, left, live) =>
            ctx.progress.live(
              `${step}: ${atPoint} ${phase}, ${left.toFixed(1)} s left` +
                (live ? `: ${live.rps.toFixed(1)} req/s, p99 ${live.p99Ms === null ? '–' : `${live.p99Ms.toFixed(1)} ms`}` : ''),
            ),
          ctx.signal,
        );
      } catch (err) {
        return generatorFailure(err, atPoint, ctx.signal);
      }
      (await faulting)?.(measured);
      if (deployment.serverArgs) measured.serverArgs = deployment.serverArgs;
      if (deployment.nginxConfig) measured.nginxConfig = deployment.nginxConfig;
      if (deployment.apacheConfig) measured.apacheConfig = deployment.apacheConfig;
      if (deployment.managed) {
        measured.manager = deployment.managed.manager;
        measured.managerConfig = { ...deployment.managed.config };
      }
      if (planned.spec.env) measured.serverEnv = planned.spec.env;
      if (deployment.effectiveSettings) measured.effectiveSettings = deployment.effectiveSettings;
      if (ctx.signal.aborted) return undefined;
      // A death during the window: the process table says so at once, or every request was refused.
      const died = !fault && (driver.exited(deployment) ?? allRefused(measured));
      if (died && !ctx.signal.aborted) return { reason: died, atPoint };
      timing.measured(measured.latencyMs?.mean, measured.throughputRps);
      if (takesServiceFromThisLevel) service = measuredService(measured);
      record({ planned, path, level, ...(service && { measuredService: service }) }, measured);
      ctx.progress.say(
        `${step}: ${atPoint}: ${describeSample(measured)}` +
          (measured.events ? `; ${measured.events.map((e) => `${e.t} s: ${e.what}`).join('; ')}` : '') +
          (measured.generatorChanges ? `; ${describeGeneratorChanges(measured.generatorChanges)}: these figures are marked` : ''),
      );
      if (measured.generatorChanges && plan.strict) {
        return { reason: `${describeGeneratorChanges(measured.generatorChanges)} (--strict fails a point whose generator changed)`, atPoint };
      }
    }
  }
  return undefined;
}

/** The progress line's figures for a measured point. */
function describeSample(measured: Sample): string {
  return (
    `${measured.throughputRps.toFixed(1)} req/s, ` +
    (measured.latencyMs ? `p50 ${measured.latencyMs.p50.toFixed(1)} ms, p99 ${measured.latencyMs.p99.toFixed(1)} ms` : 'no request succeeded') +
    (measured.errors + measured.non2xx > 0 ? `, ${measured.errors} errors, ${measured.non2xx} non-2xx` : '') +
    (measured.unsent ? `, ${measured.unsent} not sent` : '') +
    (measured.slowCompleted !== undefined ? `; ${measured.slowCompleted} slow requests answered` : '')
  );
}

/** Every request of the window was refused: nothing listened, whatever the process table says. */
function allRefused(m: Sample): string | undefined {
  return m.requests === 0 && m.refused > 0 && m.refused === m.errors ? `every connection was refused (${m.refused} attempts)` : undefined;
}

/** A load generator that failed (Locust's master gone, its workers never connected) fails the deployment's point, not the run; bad input still stops it. */
function generatorFailure(err: unknown, atPoint: string, signal: AbortSignal): DeploymentDeath | undefined {
  if (err instanceof UsageError) throw err;
  if (signal.aborted) return undefined;
  return { reason: `the load generator failed: ${(err as Error).message}`, atPoint };
}
