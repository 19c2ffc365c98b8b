import type { DeploymentSpec, ServerKind } from '../deployments/kind.js';
import type { AsgiRoute } from '../results/types.js';

/** anyio's default limiter: the threads Starlette and FastAPI run plain `def` routes in, per process. */
export const ANYIO_DEFAULT_THREADS = 40;

/** How a request to a path runs on a deployment's event loop, which decides what bounds it. */
export type RouteOnLoop =
  /** Awaiting: the loop serves others meanwhile. */
  | { runs: 'event-loop' }
  /** A blocking call holds the loop for the whole wait: `why` names it. */
  | { runs: 'blocks-loop'; why: string }
  /** A plain `def` route in the framework's thread pool of `size` threads; `source` says where the size comes from. */
  | { runs: 'thread-pool'; size: number; source: string }
  /** One request at a time per process, whatever the loop could hold: `why` names who runs it so. */
  | { runs: 'one-thread'; why: string };

/** The demo's routes that do not await: a blocking call inside async def, and a plain def that waits. */
const DEMO_ROUTES: Record<string, 'blocking-call' | 'sync-route'> = { '/io-blocking': 'blocking-call', '/io-sync': 'sync-route' };

/**
 * Where a request to `path` waits on a kind with an event loop: on it, awaiting; blocking it; or in
 * the framework's thread pool. The demo's routes are known; a user's ASGI app says how its own
 * run through what bench read when it imported it (AsgiAppFacts). A path bench knows nothing of is
 * taken to await, as an event loop's model always has.
 */
export function routeOnLoop(kind: ServerKind, spec: DeploymentSpec, path: string): RouteOnLoop {
  const pathname = new URL(path, 'http://localhost').pathname;
  const app = spec.app;
  if (app && app.kind !== 'asgi') return { runs: 'event-loop' };
  const route = app ? userRoute(app.facts?.routes, pathname) : undefined;
  if (route?.runs === 'one-thread') return { runs: 'one-thread', why: 'Django runs sync views on one thread per process under ASGI' };
  const waits = app ? route && (route.runs === 'thread-pool' ? 'sync-route' : route.runs === 'blocks-loop' ? 'blocking-call' : undefined) : DEMO_ROUTES[pathname];
  const blocked = (why: string): RouteOnLoop => (kind.eventLoop?.blockingWait === 'stops-the-loop' ? { runs: 'blocks-loop', why } : { runs: 'event-loop' });
  if (waits === 'blocking-call') return blocked(route?.blocks?.length ? `${route.blocks.join(', ')} in an async def stops its loop` : 'a blocking wait stops its loop');
  if (waits !== 'sync-route') return { runs: 'event-loop' };
  if (kind.eventLoop?.syncRoutes !== 'thread-pool') return blocked('a blocking wait stops its loop');
  const pool = app?.facts?.threadPool;
  if (!app) return { runs: 'thread-pool', size: ANYIO_DEFAULT_THREADS, source: "anyio's default" };
  if (!pool) return { runs: 'thread-pool', size: ANYIO_DEFAULT_THREADS, source: `assumed: anyio's default; bench could not read the app's` };
  return {
    runs: 'thread-pool',
    size: pool.size,
    source: pool.startup ? "anyio's default; the app's startup code may resize it, which bench cannot see" : "anyio's default",
  };
}

/** The route whose pattern (Python's, as the framework compiled it) matches the path; the first, as Starlette's and Django's routers try them. */
function userRoute(routes: AsgiRoute[] | undefined, pathname: string): AsgiRoute | undefined {
  return routes?.find((r) => {
    try {
      return new RegExp(r.pattern.replace(/\(\?P</g, '(?<')).test(pathname);
    } catch {
      return false;
    }
  });
}
