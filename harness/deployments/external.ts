import type { ServerKind } from './kind.js';

/** A server someone else started: bench only drives and measures it (see launch.ts). */
export const external: ServerKind = {
  name: 'external',
  summary: 'a server you started yourself, at the deployment\'s url: bench only drives and measures it',
  model: 'unknown',
  takesWorkers: false,
  takesThreads: false,
  takesArgs: false,
  hosts: ['demo', 'wsgi', 'node'],
  defaultWorkers: 1,
  requires: [],
  upstream: 'http',
  external: true,
  plan: () => Promise.reject(new Error('an external deployment is not started by bench')),
};
