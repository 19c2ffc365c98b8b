import { databaseEnvironment } from '../database/connections.js';
import type { RunningPostgres } from '../database/postgres.js';
import { launch, type RunningDeployment } from '../deployments/launch.js';
import { deathOf, exitedServer } from '../deployments/liveness.js';
import type { Plan, PlannedDeployment } from '../plan/build-plan.js';
import { launchRemote } from '../remote/remote-deployment.js';

export interface StartOptions {
  tmpDir: string;
  readyTimeoutMs: number;
  signal: AbortSignal;
  database?: RunningPostgres;
  onStatus(text: string): void;
}

/**
 * What the run loop asks of the deployments it measures: start one (resolving once it is ready),
 * say whether it is still whole, and, through the RunningDeployment, stop it. The run loop never
 * asks how; a test's fake kind answers without servers.
 */
export interface DeploymentDriver {
  start(plan: Plan, planned: PlannedDeployment, options: StartOptions): Promise<RunningDeployment>;
  /** Why it can no longer be measured, or undefined while it is whole: asked before each point but the first. */
  deathOf(deployment: RunningDeployment, patienceMs: number, signal: AbortSignal): Promise<string | undefined>;
  /** How it ended, when the process table already says so: asked after each point. */
  exited(deployment: RunningDeployment): string | undefined;
}

/** Real servers: on this machine, or on --server-host's through its agent. */
export const serverDriver: DeploymentDriver = {
  start: (plan, planned, { tmpDir, readyTimeoutMs, signal, database, onStatus }) =>
    plan.serverHost
      ? launchRemote(planned, plan.serverHost, { tmpDir, readyTimeoutMs, signal })
      : launch(planned.spec, planned.kind, planned.label, {
          tmpDir,
          ...(database && { env: databaseEnvironment(database.address, planned.kind, planned.spec) }),
          ...(plan.placement.serverCpus && { cpus: plan.placement.serverCpus }),
          readyTimeoutMs,
          signal,
          // A mix's name is no path: its first request's is.
          measuredPath: plan.requests?.[0]?.path ?? plan.paths[0],
          onStatus,
        }),
  deathOf,
  exited: exitedServer,
};
