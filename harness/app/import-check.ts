import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { serverEnvironment } from '../process/server-env.js';
import { UsageError } from '../cli/errors.js';
import { pythonServersDir } from '../files/bench-paths.js';
import type { DeploymentSpec } from '../deployments/kind.js';
import type { AppUnderTest } from '../results/types.js';
import { escapeControls } from '../formatting/quote.js';

/**
 * Long enough for a large app's imports (Django with its settings), short enough that a hung
 * import does not stall the start: past it the check gives no verdict, and the server's own
 * start, which waits for readiness, tells what is wrong.
 */
const IMPORT_TIMEOUT_MS = 20_000;

/** What the check needs of a plan (the app is resolved before the plan is built, so it asks for no more). */
interface AppImportsPlan {
  app?: AppUnderTest | undefined;
  serverHost?: unknown;
  scenario: { file: string };
  deployments: { spec: Pick<DeploymentSpec, 'env'> }[];
}

/**
 * The user's WSGI module, imported in its own interpreter and folder before any server starts, so
 * that a typo in module:callable is bad input told in Python's words (exit 2), not a deployment
 * that fails to start after gunicorn was launched. Once per app and per distinct env: (a variable
 * such as DJANGO_SETTINGS_MODULE may be what makes it importable), not once per deployment.
 */
export function checkAppImports(plan: AppImportsPlan, fromFlags: boolean): void {
  const app = plan.app;
  // With --server-host the app is imported on the other machine, whose files this one cannot see.
  if (app?.kind !== 'wsgi' || plan.serverHost) return;
  const where = fromFlags ? '--app' : `${plan.scenario.file}: app.wsgi`;
  const envs = new Map(plan.deployments.map((d) => [JSON.stringify(d.spec.env ?? {}), d.spec.env ?? {}]));
  for (const env of envs.size > 0 ? envs.values() : [{}]) {
    const r = spawnSync(app.python, ['-u', join(pythonServersDir, 'wsgi_host.py'), '--dir', app.dir, '--app', app.wsgi, 'check', '--parent', String(process.pid)], {
      cwd: app.dir,
      env: serverEnvironment(process.env, env),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: IMPORT_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    if (r.error || r.status === 0 || r.status === null) continue;
    const said = r.stderr.trim().split('\n').pop()?.trim() || `exited with status ${r.status}`;
    throw new UsageError(`${where}: ${app.wsgi} cannot be imported from ${app.dir} by ${app.python}: ${escapeControls(said)}`);
  }
}
