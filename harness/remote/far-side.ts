import type { DeploymentSpec } from '../deployments/kind.js';
import type { ResourceProvider } from '../load/measure.js';
import type { ResourceUse } from '../process/sampler.js';
import type { EffectiveSettings, Environment, Placement, RunResults } from '../results.js';

/** What a deployment started on another machine (--server-host) adds to a RunningDeployment. */
export interface FarSide {
  /** The ssh destination, as the user named it ("user@host", or a Host of their ssh config). */
  destination: string;
  /** The address the deployment listens on there: load may go to it without --allow-remote. */
  host: string;
  /** How a far process ended, once the agent has said one did (undefined while all run). */
  exited(): string | undefined;
  /** CPU and memory of the far process tree, sampled by the agent there. */
  resources: ResourceProvider;
  /** The far machine, as its agent describes it (with the versions of the software the deployment uses). */
  machine: Environment;
}

/**
 * The agent's protocol: JSON lines over the ssh session's stdin and stdout. The first line from
 * bench is the deployment; then commands, each answered in order; the agent also says, unasked,
 * when a process of the deployment exits.
 */
export interface AgentRequest {
  spec: DeploymentSpec;
  kind: string;
  label: string;
  readyTimeoutMs: number;
}

export type AgentCommand = { cmd: 'sample-start' } | { cmd: 'sample-stop' } | { cmd: 'status' } | { cmd: 'stop' };

export type AgentMessage =
  | {
      type: 'ready';
      baseUrl: string;
      token: string | undefined;
      healthPath: string;
      serverArgs?: string[];
      nginxConfig?: string;
      apacheConfig?: string;
      effectiveSettings?: EffectiveSettings;
      /** The leaders of the deployment's process groups there (server first, then nginx or Apache). */
      pids: number[];
      machine: Environment;
    }
  | { type: 'failed'; reason: string }
  | { type: 'resources'; resources: ResourceUse }
  /** The answer to status, and the unasked word when a far process exits: null while all run. */
  | { type: 'status'; exited: string | null }
  | { type: 'stopped' };

/** What a point's load takes from a far deployment: the agent's sampling, and leave to send load to its address. */
export function farSideLoad(farSide: FarSide | undefined): { resources?: ResourceProvider; serverHost?: string } {
  return farSide ? { resources: farSide.resources, serverHost: farSide.host } : {};
}

/**
 * Records the server machine in the run: its description, with the software every deployment so
 * far used there; and its cores, which bound the model (the plan's placement could not know them
 * before its first deployment started, and no point is recorded before that).
 */
export function recordServerMachine(run: RunResults, placement: Placement, farSide: FarSide): void {
  run.serverMachine = { ...farSide.machine, software: { ...run.serverMachine?.software, ...farSide.machine.software } };
  placement.serverCores = farSide.machine.cpus;
}
