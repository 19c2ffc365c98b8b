import type { Level } from '../results/aggregate.js';
import { configFileLine } from '../deployments/config-file.js';
import type { RunningDeployment } from '../deployments/launch.js';
import type { Plan, PlannedDeployment } from '../plan/build-plan.js';
import { recordServerMachine } from '../remote/far-side.js';
import { describeNetwork, measureNetwork } from '../remote/network.js';
import { saveResults } from '../results/out-folder.js';
import type { NetworkUse } from '../results/types.js';
import { serverDriver } from './deployment-driver.js';
import { measureDeployment } from './measure-deployment.js';
import type { RecordPoint } from './point-recorder.js';
import type { DeploymentContext } from './run-context.js';

/**
 * Starts one deployment, measures it at each level (pulled one at a time, so a caller may choose
 * the next level from what it has measured), and stops it. A start failure or a death is
 * recorded in run.failures. Resolves to false when the deployment failed.
 */
export async function runDeployment(plan: Plan, planned: PlannedDeployment, levels: Iterable<Level>, ctx: DeploymentContext): Promise<boolean> {
  const { step, run } = ctx;
  const driver = ctx.deployments ?? serverDriver;
  ctx.progress.live(`${step}: starting`);
  let deployment: RunningDeployment;
  let network: NetworkUse | undefined;
  try {
    // Every query would fail: say why, rather than measure errors.
    if (ctx.database && !ctx.database.server.running) throw new Error(ctx.database.server.describeExit());
    deployment = await driver.start(plan, planned, {
      tmpDir: ctx.tmpDir,
      readyTimeoutMs: ctx.readyTimeoutMs ?? 20_000,
      signal: ctx.signal,
      ...(ctx.database && { database: ctx.database }),
      onStatus: (text) => ctx.progress.live(`${step}: ${text}`),
    });
    if (planned.spec.config) ctx.progress.say(`${step}: ${configFileLine(planned.spec.config)}`);
    if (deployment.farSide) {
      recordServerMachine(run, plan.placement, deployment.farSide);
      saveResults(run, plan.outDir);
    }
    const started = deployment;
    network = await measureNetwork(started.baseUrl, started.healthPath, (plan.locust?.remoteWorkers ?? 0) > 0).catch(async (err: Error) => {
      await started.stop();
      throw new Error(`${planned.label} on ${new URL(started.baseUrl).host}: could not time the round trip to it: ${err.message}`);
    });
    if (network) ctx.progress.say(`${step}: ${describeNetwork(network)}`);
  } catch (err) {
    if (ctx.signal.aborted) return true;
    const reason = (err as Error).message;
    run.failures.push({ deployment: planned.label, server: planned.spec.kind, reason });
    ctx.progress.say(`${step}: FAILED to start: ${reason}`);
    saveResults(run, plan.outDir);
    return false;
  }
  try {
    const record: RecordPoint = network ? (point, sample) => ctx.record({ ...point, network }, sample) : ctx.record;
    const death = await measureDeployment(plan, planned, deployment, levels, { ...ctx, driver }, record);
    if (death) {
      run.failures.push({ deployment: planned.label, server: planned.spec.kind, ...death });
      ctx.progress.say(`${step}: FAILED at ${death.atPoint}: ${death.reason}; its remaining points are skipped`);
      saveResults(run, plan.outDir);
      return false;
    }
    return true;
  } finally {
    ctx.progress.live(`${step}: stopping`);
    await deployment.stop();
  }
}
