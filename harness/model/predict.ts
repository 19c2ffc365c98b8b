import { cpus } from 'node:os';
import { choosesDriver, takesWorkers, threadPerConnection, type DeploymentSpec, type ServerKind } from '../deployments/kind.js';
import type { ModelPrediction, NetworkUse } from '../results/types.js';
import { APACHE_WORKERS } from '../deployments/apache.js';
import { routeOnLoop } from './async-routes.js';
import { cycleMs, holdMs, sharedThread } from './shared-thread.js';
import { MAX_CONNECTIONS, poolSize, queriesDatabase, RESERVED_CONNECTIONS } from '../database/connections.js';

/** The demo's endpoints that take ?ms=N and spend N ms each: waiting (/io, /io-blocking, /io-sync, /db's one pg_sleep) or computing (/cpu). */
const TIMED = new Set(['/io', '/io-blocking', '/io-sync', '/cpu', '/db']);

const pathname = (path: string) => new URL(path, 'http://localhost').pathname;

/** The service time a path asks for: /io?ms=N, /io-blocking?ms=N, /db?ms=N and /cpu?ms=N take N ms; anything else is unknown. */
export function serviceMs(path: string): number | null {
  const url = new URL(path, 'http://localhost');
  if (!TIMED.has(url.pathname)) return null;
  const ms = Number(url.searchParams.get('ms') ?? '0');
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

export const isCpuBound = (path: string) => pathname(path) === '/cpu';

/**
 * How many requests the deployment holds at once. Waiting (/io) is bounded by the concurrency
 * model: 1 blocking worker, W processes, W·T threads, or nothing at all for an event loop. Computing
 * (/cpu) is bounded by the processes that run app code, each on at most one core (one event loop
 * thread in Node, one GIL in Python, whatever the thread count), and by the cores themselves.
 * Waiting with a blocking call (/io-blocking) is waiting like /io, except on an event loop that it
 * stops (`eventLoop.blockingWait`): there each process serves one request at a time. A plain `def`
 * route (/io-sync, or one of a user's FastAPI app) waits in the framework's thread pool where the
 * kind runs one (`eventLoop.syncRoutes`): each process serves as many at once as the pool has
 * threads (async-routes.ts).
 *
 * `slowClients` trickling their requests beside the load take min(s, K) of the K slots away from
 * the normal clients where a worker or thread reads its request itself (a sync pool, gthread,
 * uWSGI, the single-threaded Python servers): each holds one for its whole trickle, which is most
 * of its time (the d it then takes to serve is left out). So K − min(s, K) remain, and a pool
 * with as many slow clients as workers predicts 0. nginx or Apache in front reads each whole
 * request before it passes it on, and an event loop reads without holding anything: there slow
 * clients cost nothing.
 */
export function predictCapacity(
  kind: ServerKind,
  spec: DeploymentSpec,
  path: string,
  cores = cpus().length,
  slowClients = 0,
): ModelPrediction {
  const model = apacheBound(workerCapacity(kind, spec, path, cores, slowClients), spec, slowClients);
  return queriesDatabase(spec, path) ? withDatabaseBounds(model, kind, spec) : model;
}

/**
 * A request that queries the database holds a connection of its process's pool too, and the
 * pools together hold at most what PostgreSQL lets ordinary roles have: K = min(the kind's K,
 * W·P, max_connections − reserved). The bound names whichever is smallest, the kind's own on a
 * tie (a sync worker's one connection is no ceiling of its own). gevent without a cooperative
 * driver: each worker blocks on every query, so K = W, like sync workers.
 */
function withDatabaseBounds(model: ModelPrediction, kind: ServerKind, spec: DeploymentSpec): ModelPrediction {
  const processes = appProcesses(kind, spec);
  const workers = takesWorkers(kind) ? count(processes, 'worker', 'workers') : count(processes, 'process', 'processes');
  const own =
    choosesDriver(kind) && spec.cooperativeDriver === false
      ? { capacity: processes, bound: `${workers}, each blocked by its query (no cooperative driver)` }
      : model;
  const connections = poolSize(kind, spec);
  const bounds = [
    own,
    { capacity: processes * connections, bound: `pool: ${workers} × ${count(connections, 'connection', 'connections')}` },
    { capacity: MAX_CONNECTIONS - RESERVED_CONNECTIONS, bound: `max_connections ${MAX_CONNECTIONS} − ${RESERVED_CONNECTIONS} reserved` },
  ];
  const tightest = bounds.reduce((best, b) => ((b.capacity ?? Infinity) < (best.capacity ?? Infinity) ? b : best));
  return { ...model, capacity: tightest.capacity, bound: tightest.bound };
}

/**
 * Apache in front (and before mod_wsgi's daemons) reads each request in one of its own workers, a
 * prefork process or an event thread, which a slow client holds for its whole trickle (measured:
 * 320 slow clients stop 8 normal ones under either MPM, while nginx serves them). So its
 * APACHE_WORKERS, less the slow clients', bound what reaches the app.
 */
function apacheBound(model: ModelPrediction, spec: DeploymentSpec, slowClients: number): ModelPrediction {
  if (slowClients === 0 || (spec.proxy !== 'apache' && spec.wsgiMode !== 'daemon')) return model;
  const left = Math.max(0, APACHE_WORKERS - slowClients);
  if (model.capacity !== null && model.capacity <= left) return model;
  return { ...model, capacity: left, bound: `Apache's ${APACHE_WORKERS} workers, ${Math.min(slowClients, APACHE_WORKERS)} held by slow clients` };
}

/**
 * Whether a slow client holds one of the app's slots. nginx in front reads each whole request
 * before it passes it on, and so does Apache's mod_proxy (a slow client holds an Apache process
 * under prefork, a thread under event, never the app's: apacheBound); mod_wsgi's daemon processes get each
 * request from an Apache thread that read it, while its embedded mode reads in the app's process.
 */
export function heldBySlowClients(kind: ServerKind, spec: DeploymentSpec): boolean {
  // A thread per connection: a slow client holds the thread started for it, and no other's.
  return kind.slowClients === 'held' && spec.proxy === 'none' && spec.wsgiMode !== 'daemon' && !threadPerConnection(kind, spec);
}

function workerCapacity(kind: ServerKind, spec: DeploymentSpec, path: string, cores: number, slowClients: number): ModelPrediction {
  if (kind.model === 'unknown') return { capacity: null, bound: 'unknown (a server bench did not start)', serviceMs: null };
  // A CGI program's start (fork, exec, the interpreter, the imports) dwarfs what the path asks for:
  // its d is what a run measures at one client (withMeasuredService), never the path's ms.
  const ms = kind.model === 'process-per-request' ? null : serviceMs(path);
  const processes = appProcesses(kind, spec);
  const slots = kind.model === 'single' ? 1 : spec.workers * (spec.threads ?? 1);
  const held = heldBySlowClients(kind, spec) ? Math.min(slowClients, slots) : 0;
  const heldNote = held > 0 ? `, ${held} held by slow clients` : '';
  if (isCpuBound(path)) {
    const capacity = Math.min(processes, cores, slots - held);
    const bound =
      capacity === cores
        ? `${cores} cores (CPU-bound)`
        : `${capacity} process${capacity === 1 ? '' : 'es'}, one core each (CPU-bound)`;
    return { capacity, bound: bound + heldNote, serviceMs: ms };
  }
  const threads = spec.threads ?? 1;
  switch (kind.model) {
    case 'single':
      return { capacity: 1 - held, bound: `1 blocking worker${heldNote}`, serviceMs: ms };
    case 'async': {
      const route = routeOnLoop(kind, spec, path);
      const thread = sharedThread(spec, processes);
      if (route.runs === 'blocks-loop') {
        const loops = processes === 1 ? '1 event loop' : `${processes} event loops`;
        return { capacity: processes, bound: `${loops} (${route.why})`, serviceMs: ms };
      }
      if (route.runs === 'one-thread') {
        return { capacity: processes, bound: `${processes === 1 ? '1 process' : `${processes} processes`} (${route.why})`, serviceMs: ms, ...sharedThread(spec, processes, true) };
      }
      if (route.runs === 'thread-pool') {
        const pool = `thread pool of ${route.size} (${route.source})`;
        return { capacity: processes * route.size, bound: processes === 1 ? `1 ${pool}` : `${processes} × ${pool}`, serviceMs: ms };
      }
      return { capacity: null, bound: 'event loop: unbounded', serviceMs: ms, ...thread };
    }
    case 'threads':
    case 'prefork':
    case 'process-per-request': {
      if (threadPerConnection(kind, spec)) return { capacity: null, bound: 'a thread per connection: unbounded', serviceMs: ms };
      // A threaded server without a pool of processes (waitress) is one process.
      const workers = takesWorkers(kind) ? `${spec.workers} worker${spec.workers > 1 ? 's' : ''}` : '1 process';
      return threads > 1
        ? { capacity: slots - held, bound: `${workers} × ${threads} threads${heldNote}`, serviceMs: ms }
        : { capacity: slots - held, bound: `${workers}${heldNote}`, serviceMs: ms };
    }
  }
}

/**
 * How many processes run app code at once, each on at most one core (one event loop thread in
 * Node, one GIL in Python, whatever the thread count): 1 for a single process, W for a pool.
 */
export function appProcesses(kind: ServerKind, spec: DeploymentSpec): number {
  return kind.model === 'single' || (kind.model === 'async' && !takesWorkers(kind)) ? 1 : spec.workers;
}

export interface Prediction {
  predictedThroughputRps: number | null;
  predictedLatencyMs: number | null;
}

/**
 * Little's law. Closed loop with c clients: min(c, K)/d req/s, each request taking max(d, c·d/K).
 * Open loop at λ req/s: min(λ, K/d) req/s; latency d below capacity, unbounded above it (the queue
 * grows for as long as the run lasts), reported as null.
 *
 * Over a `network` (a server on another machine) each request also spends n round trips on the
 * wire, where it holds its client but none of the server's K slots: a client's cycle is d + n·RTT,
 * so c clients send at most c/(d + n·RTT) while the server still serves at most K/d, and the
 * latency is at least d + n·RTT. A measured service time (serviceSource) was measured across the
 * same wire and has the round trips in it already.
 */
export function predict(model: ModelPrediction, load: { concurrency: number } | { offeredRps: number }, network?: NetworkUse): Prediction {
  const d = model.serviceMs;
  if (d === null) return { predictedThroughputRps: null, predictedLatencyMs: null };
  const wire = network && model.serviceSource !== 'measured' ? network.roundTrips * network.rttMs : 0;
  const cpuBoundRps = model.cpuBoundRps ?? Infinity;
  const capacityRps = Math.min(model.capacity === null ? Infinity : (model.capacity * 1000) / holdMs(model, d), cpuBoundRps);
  if ('offeredRps' in load) {
    return {
      predictedThroughputRps: round(Math.min(load.offeredRps, capacityRps)),
      predictedLatencyMs: load.offeredRps < capacityRps ? round(d + wire) : null,
    };
  }
  const cycle = cycleMs(model, d, load.concurrency) + wire;
  const throughput = Math.min((load.concurrency * 1000) / cycle, capacityRps);
  return {
    predictedThroughputRps: round(throughput),
    // Little's law again: c clients served at that rate each wait c / rate; at 0 req/s (every slot
    // held by slow clients) they wait for as long as the slow clients hold on, which has no figure.
    predictedLatencyMs: throughput > 0 ? round(Math.max(cycle, (load.concurrency * 1000) / throughput)) : null,
  };
}

/** "1 worker", "4 workers". */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
