import { nodeClusterHostEntry, nodeServerEntry } from '../files/bench-paths.js';
import type { DeploymentSpec, LaunchContext, ServerKind } from './kind.js';

/** bench's demo Node server in one of its shapes; `args:` are node's own flags, before the script. */
async function demoServer(spec: DeploymentSpec, args: string[], ctx: LaunchContext) {
  return {
    command: process.execPath,
    args: [...(spec.args ?? []), nodeServerEntry, '--host', ctx.host, '--port', String(ctx.port), ...args],
  };
}

/** The user's Node program listens where $HOST and $PORT say, as most Node servers can be told to. */
function userProgram(spec: DeploymentSpec): string {
  if (spec.app?.kind !== 'node') throw new Error(`${spec.kind} hosts your own Node program (app: { node: FILE })`);
  return spec.app.node;
}

const listenEnv = (ctx: LaunchContext) => ({ ...process.env, HOST: ctx.host, PORT: String(ctx.port) });

/** node's own flags that open a debugger on a TCP port: whoever reaches it runs code. */
const DEBUGGER = 'it opens a debugger on a TCP port, which runs whatever code reaches it';
export const nodeForbidden = { '--inspect': DEBUGGER, '--inspect-brk': DEBUGGER, '--inspect-wait': DEBUGGER, '--inspect-port': DEBUGGER, '--debug-port': DEBUGGER };

const common = { requires: [], upstream: 'http', args: { forbidden: nodeForbidden }, slowClients: 'not-held' } as const;
const demoOnly = { ...common, hosts: ['demo'] } as const;

export const nodeBlocking: ServerKind = {
  ...demoOnly,
  name: 'node-blocking',
  summary: 'one Node process whose handler blocks: the single blocking worker (1 request at a time)',
  model: 'single',
  plan: (spec, ctx) => demoServer(spec, ['--mode', 'blocking'], ctx),
};

export const nodePrefork: ServerKind = {
  ...demoOnly,
  name: 'node-prefork',
  summary: 'a cluster primary with W blocking workers: the pre-fork pool (W requests at a time)',
  model: 'prefork',
  pool: { workers: 4 },
  plan: (spec, ctx) => demoServer(spec, ['--mode', 'blocking', '--workers', String(spec.workers)], ctx),
};

export const nodeAsync: ServerKind = {
  ...demoOnly,
  name: 'node-async',
  summary: 'one Node process with non-blocking handlers: the event loop (every request at once)',
  model: 'async',
  // The demo's /io-blocking blocks the thread (Atomics.wait) even here, and with it the loop.
  eventLoop: { blockingWait: 'stops-the-loop' },
  plan: (spec, ctx) => demoServer(spec, ['--mode', 'async'], ctx),
};

export const nodeProcess: ServerKind = {
  ...common,
  hosts: ['node'],
  name: 'node',
  summary: 'your Node program as one process (HOST and PORT in its environment)',
  // A Node program is an event loop unless it blocks; the measured service time says how long each request takes.
  model: 'async',
  plan: async (spec, ctx) => ({ command: process.execPath, args: [...(spec.args ?? []), userProgram(spec)], env: listenEnv(ctx) }),
};

export const nodeCluster: ServerKind = {
  ...common,
  hosts: ['node'],
  name: 'node-cluster',
  summary: 'your Node program in W cluster workers that bench forks around it (respawned when they die)',
  model: 'async',
  pool: { workers: 4 },
  plan: async (spec, ctx) => ({
    command: process.execPath,
    args: [...(spec.args ?? []), nodeClusterHostEntry, '--workers', String(spec.workers), userProgram(spec)],
    env: listenEnv(ctx),
  }),
};
