import { nodeServerEntry } from '../paths.js';
import type { ServerKind } from './kind.js';

function nodeServer(args: string[], ctx: { host: string; port: number }) {
  return {
    command: process.execPath,
    args: [nodeServerEntry, '--host', ctx.host, '--port', String(ctx.port), ...args],
  };
}

export const nodeBlocking: ServerKind = {
  name: 'node-blocking',
  summary: 'one Node process whose handler blocks: the single blocking worker (1 request at a time)',
  model: 'single',
  takesWorkers: false,
  takesThreads: false,
  defaultWorkers: 1,
  plan: (_spec, ctx) => nodeServer(['--mode', 'blocking'], ctx),
};

export const nodePrefork: ServerKind = {
  name: 'node-prefork',
  summary: 'a cluster primary with W blocking workers: the pre-fork pool (W requests at a time)',
  model: 'prefork',
  takesWorkers: true,
  takesThreads: false,
  defaultWorkers: 4,
  plan: (spec, ctx) => nodeServer(['--mode', 'blocking', '--workers', String(spec.workers)], ctx),
};

export const nodeAsync: ServerKind = {
  name: 'node-async',
  summary: 'one Node process with non-blocking handlers: the event loop (every request at once)',
  model: 'async',
  takesWorkers: false,
  takesThreads: false,
  defaultWorkers: 1,
  plan: (_spec, ctx) => nodeServer(['--mode', 'async'], ctx),
};
