import type { DeploymentSpec } from '../deployments/kind.js';
import type { FarSide } from '../deployments/launch.js';
import type { ResourceProvider, ResourceUse } from '../process/sampler.js';
import type { EffectiveSettings, Environment, Placement, RunResults } from '../results/types.js';


/**
 * How often bench tells the agent it is still there, and how long the agent waits without a word
 * before it stops its deployment and exits. A cut link (no FIN, no RST) leaves the far sshd's
 * session open for as long as TCP lets it (hours: ClientAliveInterval is off unless the far sshd's
 * owner set it, and bench cannot set it from the client); this heartbeat ends the far side within
 * SILENCE_MS plus the deployment's stop (its servers' 3 s of grace) instead.
 */
export const HEARTBEAT_MS = 2_000;
export const SILENCE_MS = 10_000;

/**
 * The agent's protocol: JSON lines over the ssh session's stdin and stdout. The agent says hello
 * as soon as it runs (so bench knows within seconds that ssh and bench work there); the first
 * line from bench is the deployment; then commands, each answered in order (heartbeats are not
 * answered); the agent also says, unasked, when a process of the deployment exits.
 */
export interface AgentRequest {
  spec: DeploymentSpec;
  kind: string;
  label: string;
  readyTimeoutMs: number;
  /** The agent stops when nothing arrived from bench for this long (bench sends heartbeats); absent: it waits for the session's end. */
  silenceMs?: number;
}

export type AgentCommand = { cmd: 'sample-start' } | { cmd: 'sample-stop' } | { cmd: 'status' } | { cmd: 'stop' } | { cmd: 'heartbeat' };

export type AgentMessage =
  /** The agent's first word, before it reads anything: which bench and Node answered. */
  | { type: 'hello'; benchVersion: string; node: string }
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
