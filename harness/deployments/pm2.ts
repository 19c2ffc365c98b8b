import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeServerEntry } from '../files/bench-paths.js';
import { pm2Program } from '../managers/pm2.js';
import { pm2, type Software } from '../software/catalog.js';
import type { DeploymentSpec, KindPlan, LaunchContext, ServerKind } from './kind.js';
import { nodeForbidden } from './node.js';

/** The app's name in pm2's process file: what `pm2 restart|reload NAME` and jlist call it. */
export const PM2_APP = 'bench-app';

/** How long pm2 waits after SIGINT before it SIGKILLs an instance (its own default), well inside the 3 s bench gives the group at teardown. */
const KILL_TIMEOUT_MS = 1600;

/** One app in pm2's process-file shape (an ecosystem file's `apps` entry). */
export interface Pm2App {
  name: string;
  script: string;
  args: string[];
  node_args: string[];
  exec_mode: 'fork' | 'cluster';
  instances: number;
  autorestart: true;
  kill_timeout: number;
  env?: Record<string, string>;
}

/**
 * The app pm2 runs for a deployment: bench's demo Node server in its async shape (an event loop, as a
 * Node program under pm2 usually is, so that one model covers the demo and a user's program), or the
 * user's program, told where to listen by $HOST and $PORT. `args:` are node's own flags.
 */
export function pm2App(spec: DeploymentSpec, host: string, port: number, mode: 'fork' | 'cluster'): Pm2App {
  const where = { host, port: String(port) };
  const common = { name: PM2_APP, node_args: [...(spec.args ?? [])], exec_mode: mode, instances: mode === 'cluster' ? spec.workers : 1, autorestart: true as const, kill_timeout: KILL_TIMEOUT_MS };
  if (spec.app?.kind === 'node') return { ...common, script: spec.app.node, args: [], env: { HOST: where.host, PORT: where.port } };
  if (spec.app) throw new Error(`${spec.kind} hosts bench's demo Node server or your own Node program (app: { node: FILE })`);
  return { ...common, script: nodeServerEntry, args: ['--host', where.host, '--port', where.port, '--mode', 'async'] };
}

/**
 * pm2-runtime, pm2's container mode: God in the foreground as the group leader bench starts and
 * stops, with a PM2_HOME of the deployment's own (never the user's ~/.pm2), running the process
 * file bench writes there. SIGTERM makes it stop its instances (kill_timeout) and exit; a fork-mode
 * instance runs in a session of its own (pm2 forks it detached), so it is God, not the group
 * signal, that ends it.
 */
async function plan(spec: DeploymentSpec, ctx: LaunchContext, mode: 'fork' | 'cluster'): Promise<KindPlan> {
  const home = join(ctx.tmpDir, `pm2-${ctx.port}`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = join(home, 'ecosystem.json');
  const text = `${JSON.stringify({ apps: [pm2App(spec, ctx.host, ctx.port, mode)] }, null, 2)}\n`;
  writeFileSync(file, text, { mode: 0o600 });
  const config = { name: 'ecosystem.json', text };
  return {
    command: pm2Runtime(),
    args: [file],
    env: { ...process.env, PM2_HOME: home },
    manage: () => pm2Program({ pm2: pm2.bin(), home, name: PM2_APP, config }),
  };
}

function pm2Runtime(): string {
  return join(pm2.bin(), '..', 'pm2-runtime');
}

const requires: readonly Software[] = [pm2];
const common = { requires, managedBy: 'pm2', upstream: 'http', hosts: ['demo', 'node'], args: { forbidden: nodeForbidden }, slowClients: 'not-held', model: 'async', eventLoop: { blockingWait: 'stops-the-loop' } } as const;

export const pm2Fork: ServerKind = {
  ...common,
  deploys: { can: ['restart'], whyNot: 'pm2 reloads without downtime in cluster mode only (kind pm2-cluster): in fork mode its reload is a restart, and the port is closed meanwhile' },
  name: 'pm2',
  summary: 'pm2 (fork mode) runs one Node process and starts it again when it exits: the demo server or your program',
  plan: (spec, ctx) => plan(spec, ctx, 'fork'),
};

export const pm2Cluster: ServerKind = {
  ...common,
  name: 'pm2-cluster',
  summary: "pm2's cluster mode (-i W): W Node processes behind pm2's own load balancer, each restarted when it exits",
  pool: { workers: 4 },
  deploys: { can: ['restart', 'reload'], whyNot: 'pm2 has no update of a changed process file (that is supervisorctl reread and update)' },
  plan: (spec, ctx) => plan(spec, ctx, 'cluster'),
};
