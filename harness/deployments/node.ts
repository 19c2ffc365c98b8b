import { nodeServerEntry } from '../paths.js';
import type { LaunchContext, ServerKind } from './kind.js';

async function nodeServer(args: string[], ctx: LaunchContext) {
  return {
    command: process.execPath,
    args: [nodeServerEntry, '--host', ctx.host, '--port', String(ctx.port), ...args],
  };
}

const common = { takesThreads: false, requires: [], upstream: 'http' } as const;

export const nodeBlocking: ServerKind = {
  ...common,
  name: 'node-blocking',
  summary: 'one Node process whose handler blocks: the single blocking worker (1 request at a time)',
  model: 'single',
  takesWorkers: false,
  defaultWorkers: 1,
  plan: (_spec, ctx) => nodeServer(['--mode', 'blocking'], ctx),
};

export const nodePrefork: ServerKind = {
  ...common,
  name: 'node-prefork',
  summary: 'a cluster primary with W blocking workers: the pre-fork pool (W requests at a time)',
  model: 'prefork',
  takesWorkers: true,
  defaultWorkers: 4,
  plan: (spec, ctx) => nodeServer(['--mode', 'blocking', '--workers', String(spec.workers)], ctx),
};

export const nodeAsync: ServerKind = {
  ...common,
  name: 'node-async',
  summary: 'one Node process with non-blocking handlers: the event loop (every request at once)',
  model: 'async',
  takesWorkers: false,
  defaultWorkers: 1,
  plan: (_spec, ctx) => nodeServer(['--mode', 'async'], ctx),
};
