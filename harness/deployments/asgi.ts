import { pythonServersDir } from '../files/bench-paths.js';
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

/** An asyncio event loop per process: awaiting costs nothing, a blocking wait stops the whole loop. */
export const eventLoop = {
  model: 'async',
  hosts: ['demo'],
  upstream: 'http',
  slowClients: 'not-held',
  eventLoop: { blockingWait: 'stops-the-loop' },
} as const;

export const uvicornKind: ServerKind = {
  ...eventLoop,
  name: 'uvicorn',
  summary: "one uvicorn process: one asyncio event loop serving the demo's ASGI app on Starlette (every awaited request at once)",
  requires: [uvicorn, starlette],
  demoOnly: [starlette],
  args: { forbidden: {
    '--host': ADDRESS, '--port': ADDRESS, '--uds': ADDRESS, '--fd': ADDRESS,
    '--app-dir': BENCH_SETS('the app'), '--factory': BENCH_SETS('the app'),
    // Either would add processes to the one whose event loop this kind measures.
    '--workers': 'uvicorn is one process here; for W worker processes use kind gunicorn-uvicorn',
    '--reload': 'it runs the server in a child process under a file watcher; bench measures one process',
  } },
  plan: (spec, ctx) =>
    python(asgiDemo, [
      '-m', 'uvicorn', '--host', ctx.host, '--port', String(ctx.port), '--app-dir', asgiDemo.dir,
      ...(spec.args ?? []),
      asgiDemo.target,
    ]),
};

export const gunicornUvicorn = gunicornKind(
  'gunicorn-uvicorn',
  "gunicorn's arbiter with W uvicorn workers: an asyncio event loop in each of W processes (the demo's ASGI app)",
  'async',
  'uvicorn.workers.UvicornWorker',
  { ...eventLoop, requires: [gunicorn, uvicorn, starlette], demoOnly: [starlette] },
  () => asgiDemo,
);
