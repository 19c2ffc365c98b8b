import type { SpawnPlan } from '../process/group.js';
import type { Software } from '../software.js';

/** What a scenario or `--deployments` asks for: a server kind and its settings. */
export interface DeploymentSpec {
  kind: string;
  workers: number;
  threads?: number;
  proxy: 'none' | 'nginx';
  /** Restart the server process when it dies, as supervisord's autorestart does. */
  supervise?: boolean;
  /** external: where the server someone else started listens. */
  url?: string;
  /** Variables the scenario passes to the server on purpose, even ones bench removes otherwise. */
  env?: Record<string, string>;
}

/** How many requests a deployment can hold at once, in Little's-law terms. */
export type ConcurrencyModel = 'single' | 'prefork' | 'threads' | 'async' | 'process-per-request' | 'unknown';

/** What nginx speaks to the kind's own socket when it is in front. */
export type UpstreamProtocol = 'http' | 'uwsgi' | 'fastcgi';

export interface LaunchContext {
  host: string;
  port: number;
  /** Private (0700) folder for generated configs, sockets and logs; removed after the run. */
  tmpDir: string;
  /** nginx will be in front: listen with the kind's upstream protocol rather than plain HTTP. */
  behindNginx: boolean;
}

/**
 * One server kind: everything that differs between, say, node-prefork and gunicorn-sync. Starting,
 * readiness, teardown and the optional nginx in front are shared (see launch.ts), so a kind only
 * says which command to run and what it needs installed.
 */
export interface ServerKind {
  name: string;
  /** One line for `bench list`. */
  summary: string;
  model: ConcurrencyModel;
  /** Whether `workers` / `threads` mean anything for this kind. */
  takesWorkers: boolean;
  takesThreads: boolean;
  defaultWorkers: number;
  defaultThreads?: number;
  /** Software outside npm the kind needs (nginx is added when it is in front). */
  requires: readonly Software[];
  upstream: UpstreamProtocol;
  /** The kind cannot answer HTTP by itself (CGI through fcgiwrap), so nginx is always in front. */
  alwaysBehindNginx?: boolean;
  /** bench starts nothing: the server is already running at the deployment's url. */
  external?: boolean;
  plan(spec: DeploymentSpec, ctx: LaunchContext): Promise<KindPlan>;
}

/** How to start a kind's process; a CGI kind also names the program nginx hands each request to. */
export interface KindPlan extends SpawnPlan {
  cgiScript?: string;
  /** The Unix socket the kind listens on for nginx, where it does not listen on ctx.port. */
  socketPath?: string;
}

/** "node-prefork ×4", "gunicorn-sync+nginx ×4", "gunicorn-gthread ×2 (4 threads)", "node-async". */
export function deploymentLabel(spec: DeploymentSpec, kind: ServerKind): string {
  if (kind.external && spec.url) return `external ${new URL(spec.url).host}`;
  let label = spec.kind;
  if (spec.proxy === 'nginx' && !kind.alwaysBehindNginx) label += '+nginx';
  if (kind.takesWorkers) label += ` ×${spec.workers}`;
  if (kind.takesThreads && spec.threads !== undefined) label += ` (${spec.threads} threads)`;
  if (spec.supervise) label += ' (supervised)';
  return label;
}
