import { join } from 'node:path';
import { pythonServersDir } from '../files/bench-paths.js';
import type { SpawnPlan } from '../process/group.js';
import type { EffectiveSettings } from '../results/types.js';
import { settingsReadBy } from './effective-settings.js';
import { gunicorn, starlette, uvicorn } from '../software/catalog.js';
import type { DeploymentSpec, ServerKind } from './kind.js';
import { ADDRESS, BENCH_SETS, gunicornKind, python, type PythonTarget } from './python.js';

/** bench's demo app on Starlette (servers/python/asgi_app.py). */
export const asgiDemo: PythonTarget = { dir: pythonServersDir, target: 'asgi_app:app', foundBy: uvicorn };

/** The ASGI app a deployment serves: the user's (`app: { asgi: … }`), else the demo's. */
export function asgiTarget(spec: DeploymentSpec): PythonTarget {
  if (spec.app?.kind === 'asgi') return { dir: spec.app.dir, target: spec.app.asgi, python: spec.app.python };
  if (spec.app) throw new Error(`${spec.kind} hosts an ASGI app, not a ${spec.app.kind === 'wsgi' ? 'WSGI app' : 'Node program'}`);
  return asgiDemo;
}

/**
 * An asyncio event loop per process: awaiting costs nothing, a blocking wait stops the whole loop,
 * and a plain `def` route runs in the framework's thread pool (Starlette's and FastAPI's: anyio's).
 */
export const eventLoop = {
  model: 'async',
  hosts: ['demo', 'asgi'],
  upstream: 'http',
  slowClients: 'not-held',
  eventLoop: { blockingWait: 'stops-the-loop', syncRoutes: 'thread-pool' },
} as const;

export const uvicornKind: ServerKind = {
  ...eventLoop,
  name: 'uvicorn',
  summary: "one uvicorn process: one asyncio event loop serving an ASGI app, the demo's on Starlette or yours (every awaited request at once)",
  requires: [uvicorn, starlette],
  demoOnly: [starlette],
  args: { forbidden: {
    '--host': ADDRESS, '--port': ADDRESS, '--uds': ADDRESS, '--fd': ADDRESS,
    '--app-dir': BENCH_SETS('the app'), '--factory': BENCH_SETS('the app'),
    // Either would add processes to the one whose event loop this kind measures.
    '--workers': 'uvicorn is one process here; for W worker processes use kind gunicorn-uvicorn',
    '--reload': 'it runs the server in a child process under a file watcher; bench measures one process',
  } },
  effectiveSettings: uvicornEffectiveSettings,
  plan: async (spec, ctx) => {
    const app = asgiTarget(spec);
    return {
      ...(await python(app, [
        '-m', 'uvicorn', '--host', ctx.host, '--port', String(ctx.port), '--app-dir', app.dir,
        ...(spec.args ?? []),
        app.target,
      ])),
      // As its owner starts it: from the app's folder, where relative paths in the app resolve.
      cwd: app.dir,
    };
  },
};

export const gunicornUvicorn = gunicornKind(
  'gunicorn-uvicorn',
  "gunicorn's arbiter with W uvicorn workers: an asyncio event loop in each of W processes (the demo's ASGI app or yours)",
  'async',
  'uvicorn.workers.UvicornWorker',
  { ...eventLoop, requires: [gunicorn, uvicorn, starlette], demoOnly: [starlette] },
  asgiTarget,
);

/**
 * What uvicorn runs with, read by its own parser from the very command line it starts with
 * (servers/python/uvicorn_settings.py): the loop and HTTP parser it picks, its keep-alive,
 * backlog and concurrency limit, and whatever `args:` set.
 */
async function uvicornEffectiveSettings(plan: SpawnPlan): Promise<EffectiveSettings> {
  const settings = await settingsReadBy(plan, 'uvicorn', [join(pythonServersDir, 'uvicorn_settings.py')]);
  return { source: "uvicorn's own parser, on the command line it starts with", readBack: true, settings };
}
