import { UsageError } from '../cli/errors.js';
import { loadScenario, parseScenario, type Scenario } from '../scenario/load.js';
import { appFromFlags, CLI_APP_FIELDS, resolveApp, type AppInput } from './app.js';
import { firstLookPath } from './first-path.js';
import { inspectApp } from './inspect.js';

/**
 * `bench run --app …` without a scenario file: a first look at the user's app under the
 * deployments that can host it, at the usual load levels. --path, --deployments and the other
 * flags adjust it; a scenario file (scenarios/ has examples) says everything else.
 */
const WSGI = `
description: Your WSGI app under the pre-fork pool, threads, greenlets and uWSGI, with and without nginx
path: /
duration: 3
warmup: 0.5
concurrency: [1, 2, 4, 8, 16, 32]
deployments: [gunicorn-sync, gunicorn-sync+nginx, gunicorn-gthread, gunicorn-gevent, uwsgi]
`;

const ASGI = `
description: Your ASGI app on one event loop, on a pool of event loops, with and without nginx, under uvicorn, hypercorn and daphne
path: /
duration: 3
warmup: 0.5
concurrency: [1, 2, 4, 8, 16, 32]
deployments: [uvicorn, gunicorn-uvicorn, gunicorn-uvicorn+nginx, hypercorn+nginx, daphne]
`;

const NODE = `
description: Your Node program as one process and as a cluster of workers, with and without nginx
path: /
duration: 3
warmup: 0.5
concurrency: [1, 2, 4, 8, 16, 32]
deployments: [node, node-cluster, node-cluster+nginx]
`;

export function appScenario(kind: 'wsgi' | 'asgi' | 'node', path = '/'): Scenario {
  // The built-in text goes through the same validation as any scenario file.
  return { ...parseScenario({ wsgi: WSGI, asgi: ASGI, node: NODE }[kind], '(bench run --app)'), name: 'app', path };
}

/** --app, --app-dir, --python, --health: the user's app, on `bench run` and `bench tune`. */
export interface AppFlags {
  path?: string;
  app?: string;
  appDir?: string;
  python?: string;
  health?: string;
}

/**
 * The scenario a command runs (a file, a built-in, or, with --app and no scenario, a first look
 * at the app) and the app the flags name, apart from the command's other flags.
 */
export function scenarioAndApp<F extends AppFlags>(scenarioName: string | undefined, flags: F) {
  const { app: _app, appDir: _dir, python: _python, health: _health, ...rest } = flags;
  const app = appFromFlags(flags);
  if (scenarioName === undefined && !app) throw new UsageError('name a scenario (bench list shows them), or an app to measure with --app MODULE:CALLABLE or --app FILE.js');
  if (scenarioName === undefined) return { ...firstLook(app!, flags.path), rest };
  return { scenario: loadScenario(scenarioName), app, rest };
}

/**
 * A Python app's first look depends on its shape and routes, read by importing it (remembered for
 * the plan's own check); it says on its first line which path it measures and why, unless --path
 * named one. A route it found answers the servers' readiness checks too, where `/` may be a 404.
 */
function firstLook(input: AppInput, pathFlag: string | undefined): { scenario: Scenario; app: AppInput } {
  const app = resolveApp(input, process.cwd(), CLI_APP_FIELDS);
  const inspection = app.kind === 'node' ? undefined : inspectApp({ target: app.kind === 'wsgi' ? app.wsgi : app.asgi, dir: app.dir, python: app.python });
  const chosen = firstLookPath(input, app, inspection);
  if (pathFlag === undefined) process.stderr.write(`first look at ${chosen.path}: ${chosen.why}\n`);
  return { scenario: appScenario(app.kind, chosen.path), app: { ...input, health: chosen.path } };
}
