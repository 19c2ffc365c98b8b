import { nodeServerEntry } from '../files/bench-paths.js';
import { foreverProgram } from '../managers/forever.js';
import { forever, type Software } from '../software/catalog.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentSpec, KindPlan, LaunchContext, ServerKind } from './kind.js';
import { nodeForbidden } from './node.js';

/**
 * forever's command line for a deployment: the monitor in the foreground (no `start`, which would
 * daemonize it out of the group bench stops), its root (-p) in the deployment's private folder,
 * and the script with node's own flags (`args:`) through -c. The demo server runs in its async shape,
 * as under pm2.
 */
export function foreverArgs(spec: DeploymentSpec, host: string, port: number, root: string): string[] {
  const node = ['-c', [process.execPath, ...(spec.args ?? [])].join(' ')];
  // forever waits this long before it counts a start as a success, and between restarts of a script that dies at once.
  const pace = ['--minUptime', '1000', '--spinSleepTime', '1000'];
  if (spec.app?.kind === 'node') return ['-p', root, ...pace, ...node, spec.app.node];
  if (spec.app) throw new Error(`${spec.kind} hosts bench's demo Node server or your own Node program (app: { node: FILE })`);
  return ['-p', root, ...pace, ...node, nodeServerEntry, '--host', host, '--port', String(port), '--mode', 'async'];
}

async function plan(spec: DeploymentSpec, ctx: LaunchContext): Promise<KindPlan> {
  const root = join(ctx.tmpDir, `forever-${ctx.port}`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const args = foreverArgs(spec, ctx.host, ctx.port, root);
  const config = { name: 'forever command line', text: `forever ${args.join(' ')}\n` };
  return {
    command: forever.bin(),
    args,
    env: { ...process.env, FOREVER_ROOT: root, ...(spec.app?.kind === 'node' && { HOST: ctx.host, PORT: String(ctx.port) }) },
    manage: (monitor) => foreverProgram(monitor, config),
  };
}

const requires: readonly Software[] = [forever];

export const foreverKind: ServerKind = {
  requires,
  managedBy: 'forever',
  upstream: 'http',
  hosts: ['demo', 'node'],
  args: { forbidden: nodeForbidden },
  slowClients: 'not-held',
  model: 'async',
  eventLoop: { blockingWait: 'stops-the-loop' },
  name: 'forever',
  summary: 'forever runs one Node process in the foreground and starts it again when it exits: the demo server or your program',
  deploys: { can: ['restart'], whyNot: 'forever only restarts the script: it has no graceful reload and no config update' },
  plan,
};
