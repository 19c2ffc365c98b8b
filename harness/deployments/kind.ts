import type { SpawnPlan } from '../process/group.js';

/** What a scenario or `--deployments` asks for: a server kind and its settings. */
export interface DeploymentSpec {
  kind: string;
  workers: number;
  threads?: number;
  proxy: 'none' | 'nginx';
}

/** How many requests a deployment can hold at once, in Little's-law terms. */
export type ConcurrencyModel = 'single' | 'prefork' | 'threads' | 'async' | 'process-per-request';

export interface LaunchContext {
  host: string;
  port: number;
  /** Private (0700) folder for generated configs, sockets and logs; removed after the run. */
  tmpDir: string;
}

/**
 * One server kind: everything that differs between, say, node-prefork and gunicorn-sync. Starting,
 * readiness, teardown and the optional nginx in front are shared (see launch.ts), so a kind only
 * says which command to run.
 */
export interface ServerKind {
  name: string;
  /** One line for `bench list`. */
  summary: string;
  model: ConcurrencyModel;
  /** Whether `workers` / `threads` mean anything for this kind (they are fixed at 1 otherwise). */
  takesWorkers: boolean;
  takesThreads: boolean;
  defaultWorkers: number;
  defaultThreads?: number;
  plan(spec: DeploymentSpec, ctx: LaunchContext): SpawnPlan;
}

/** "node-prefork ×4", "gunicorn-gthread ×2×4+nginx", "node-async". */
export function deploymentLabel(spec: DeploymentSpec, kind: ServerKind): string {
  let label = spec.kind;
  if (kind.takesWorkers) label += ` ×${spec.workers}`;
  if (kind.takesThreads && spec.threads !== undefined) label += `×${spec.threads}`;
  if (spec.proxy === 'nginx') label += '+nginx';
  return label;
}
