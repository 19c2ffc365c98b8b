import { UsageError } from '../cli/errors.js';
import { isLoopback } from '../process/ports.js';
import type { DeploymentEntryObject, DeploymentSpec, KindCheckContext, ServerKind } from './kind.js';

/** What a deployment object may set that bench applies when it starts the server: nothing it can do for one already running. */
const STARTING_FIELDS = ['workers', 'threads', 'mpm', 'mode', 'manager', 'env', 'args', 'nginx', 'pool', 'cooperativeDriver', 'preload'] as const;

/** A server someone else started, at a url that must be on loopback unless --allow-remote. */
function attachTo(entry: DeploymentEntryObject, { where, allowRemote }: KindCheckContext): Pick<DeploymentSpec, 'url' | 'health'> {
  if (!entry.url) throw new UsageError(`${where}: kind external needs a url, e.g. url: http://127.0.0.1:8000 (in a scenario file)`);
  if (entry.kind.includes('+') || (entry.proxy !== undefined && entry.proxy !== 'none')) throw new UsageError(`${where}: bench cannot put nginx or Apache in front of an external server`);
  const starting = STARTING_FIELDS.find((field) => entry[field] !== undefined);
  if (starting) throw new UsageError(`${where}: ${starting}: bench starts nothing for kind external, so it cannot set ${starting}; set it where you start the server, and remove it here`);
  const host = new URL(entry.url).hostname;
  if (!isLoopback(host) && !allowRemote) {
    throw new UsageError(`${where}: ${entry.url} is not a loopback address; bench sends load to 127.0.0.1/::1 only unless --allow-remote`);
  }
  return { url: entry.url, ...(entry.health !== undefined && { health: entry.health }) };
}

/** A server someone else started: bench only drives and measures it (see launch.ts). */
export const external: ServerKind = {
  name: 'external',
  summary: 'a server you started yourself, at the deployment\'s url: bench only drives and measures it',
  model: 'unknown',
  hosts: ['demo', 'wsgi', 'node'],
  requires: [],
  upstream: 'http',
  launch: 'attach',
  validate: attachTo,
  plan: () => Promise.reject(new Error('an external deployment is not started by bench')),
};
