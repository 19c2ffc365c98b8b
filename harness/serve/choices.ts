import { serverKinds } from '../deployments/kinds.js';
import { UsageError } from '../cli/errors.js';
import { expandDeployment, requiredSoftware, type PlannedDeployment } from '../plan/build-plan.js';
import { INSTALL_SCRIPT, installCommand, missingSoftware } from '../software/catalog.js';
import type { DeploymentChoice, EndpointOption, KindOption, LoadChoice, ServeOptions } from './protocol.js';
import { alwaysBehindNginx, defaultThreads, defaultWorkers, takesThreads, takesWorkers } from '../deployments/kind.js';

/** The page's sliders stop here: enough to fill any pool this machine can hold, few enough to stay on loopback's good side. */
export const LIMITS: ServeOptions['limits'] = { maxClients: 256, maxRate: 5000, maxSlowClients: 16, maxWorkers: 32, maxThreads: 32, maxMs: 5000 };

/** The demo app's endpoints (servers/node/app.ts and servers/python/app.py serve the same ones). */
export const ENDPOINTS: EndpointOption[] = [
  { name: 'io', summary: 'waits ms the way blocking I/O would (a sleep)', takesMs: true, defaultMs: 50 },
  { name: 'io-blocking', summary: 'waits ms with a blocking call: in an event loop (uvicorn, node-async) it stops every other request', takesMs: true, defaultMs: 50 },
  { name: 'cpu', summary: 'computes for ms of CPU time', takesMs: true, defaultMs: 10 },
  { name: 'hello', summary: 'answers at once', takesMs: false },
];

/**
 * The kinds the live page starts: those that host the demo app, but not mod_wsgi's. Its app runs
 * in Apache's children, which are www-data when bench is root and could not write the worker
 * files the page reads into the session's private folder; nor has the page a mode switch.
 */
const servable = (k: (typeof serverKinds)[number]) => k.launch !== 'attach' && k.front?.itself !== 'apache' && k.hosts.includes('demo');

/** Every kind that hosts the demo app, with whether its software is here (the page greys out the rest). */
export async function kindOptions(): Promise<KindOption[]> {
  const kinds = serverKinds.filter(servable);
  return Promise.all(
    kinds.map(async (kind) => {
      const planned = expandDeployment({ kind: kind.name }, 'kind', {}, undefined)[0]!;
      const missing = await missingSoftware(requiredSoftware(planned));
      return {
        name: kind.name,
        summary: kind.summary,
        model: kind.model,
        takesWorkers: takesWorkers(kind),
        takesThreads: takesThreads(kind),
        defaultWorkers: defaultWorkers(kind),
        ...(defaultThreads(kind) !== undefined && { defaultThreads: defaultThreads(kind) }),
        nginxOptional: !alwaysBehindNginx(kind),
        available: missing.length === 0,
        ...(missing.length > 0 && {
          missing: `${missing.map((s) => s.name).join(' and ')} not installed; install with: ${installCommand(missing)} (or the whole stack: ${INSTALL_SCRIPT})`,
        }),
      };
    }),
  );
}

/** The page's choice as a deployment bench can start; a bad choice is a UsageError naming the field. */
export function plannedDeployment(choice: DeploymentChoice): PlannedDeployment {
  if (typeof choice?.kind !== 'string') throw new UsageError('deployment.kind: name a kind, e.g. node-prefork');
  const kind = serverKinds.find((k) => k.name === choice.kind);
  if (!kind || !servable(kind)) throw new UsageError(`deployment.kind: "${choice.kind}" is not a kind bench serve can start`);
  const workers = takesWorkers(kind) ? wholeNumber(choice.workers ?? defaultWorkers(kind), 'deployment.workers', 1, LIMITS.maxWorkers) : undefined;
  const threads = takesThreads(kind) && choice.threads !== undefined ? wholeNumber(choice.threads, 'deployment.threads', 1, LIMITS.maxThreads) : undefined;
  const entry = {
    kind: kind.name,
    ...(workers !== undefined && { workers }),
    ...(threads !== undefined && { threads }),
    proxy: choice.nginx === true ? ('nginx' as const) : ('none' as const),
  };
  return expandDeployment(entry, 'deployment', {}, undefined)[0]!;
}

/** The page's load, checked: the request path it sends and the figures it asked for. */
export function checkedLoad(choice: LoadChoice): LoadChoice & { path: string } {
  const endpoint = ENDPOINTS.find((e) => e.name === choice?.endpoint);
  if (!endpoint) throw new UsageError(`load.endpoint: one of ${ENDPOINTS.map((e) => e.name).join(', ')}`);
  if (choice.mode !== 'closed' && choice.mode !== 'open') throw new UsageError('load.mode: closed or open');
  const ms = endpoint.takesMs ? wholeNumber(choice.ms, 'load.ms', 1, LIMITS.maxMs) : 0;
  const checked = {
    endpoint: endpoint.name,
    ms,
    mode: choice.mode,
    clients: wholeNumber(choice.clients, 'load.clients', 1, LIMITS.maxClients),
    rate: wholeNumber(choice.rate, 'load.rate', 1, LIMITS.maxRate),
    slowClients: wholeNumber(choice.slowClients ?? 0, 'load.slowClients', 0, LIMITS.maxSlowClients),
  };
  return { ...checked, path: endpoint.takesMs ? `/${endpoint.name}?ms=${ms}` : `/${endpoint.name}` };
}

function wholeNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${field}: a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}
