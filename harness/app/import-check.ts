import { UsageError } from '../cli/errors.js';
import type { DeploymentSpec } from '../deployments/kind.js';
import { serverKinds } from '../deployments/kinds.js';
import type { AppUnderTest } from '../results/types.js';
import { describeShape, inspectApp } from './inspect.js';

/** What the check needs of a plan (the app is resolved before the plan is built, so it asks for no more). */
interface AppImportsPlan {
  app?: AppUnderTest | undefined;
  serverHost?: unknown;
  scenario: { file: string };
  deployments: { spec: Pick<DeploymentSpec, 'env'> }[];
}

/** The kinds bench starts that host an app of this shape, for messages. */
export function kindsHosting(shape: 'wsgi' | 'asgi'): string {
  return serverKinds.filter((k) => k.launch !== 'attach' && k.hosts.includes(shape)).map((k) => k.name).join(', ');
}

/**
 * The user's Python app, imported in its own interpreter and folder before any server starts, so
 * that a typo in module:callable, or a WSGI app named as ASGI (or the reverse), is bad input told
 * in Python's words (exit 2), not a deployment that fails to start after gunicorn was launched.
 * Once per app and per distinct env: (a variable such as DJANGO_SETTINGS_MODULE may be what makes
 * it importable), not once per deployment.
 */
export function checkAppImports(plan: AppImportsPlan, fromFlags: boolean): void {
  const app = plan.app;
  // With --server-host the app is imported on the other machine, whose files this one cannot see.
  if ((app?.kind !== 'wsgi' && app?.kind !== 'asgi') || plan.serverHost) return;
  const target = app.kind === 'wsgi' ? app.wsgi : app.asgi;
  const field = `app.${app.kind}`;
  const where = fromFlags ? '--app' : `${plan.scenario.file}: ${field}`;
  const envs = new Map(plan.deployments.map((d) => [JSON.stringify(d.spec.env ?? {}), d.spec.env ?? {}]));
  for (const env of envs.size > 0 ? envs.values() : [{}]) {
    const inspection = inspectApp({ target, dir: app.dir, python: app.python }, env);
    if (inspection.imported === undefined) continue;
    if (!inspection.imported) throw new UsageError(`${where}: ${target} cannot be imported from ${app.dir} by ${app.python}: ${inspection.said}`);
    if (inspection.shape === app.kind) continue;
    const other = app.kind === 'wsgi' ? 'asgi' : 'wsgi';
    const fix = fromFlags
      ? `the kinds that host it: ${kindsHosting(other)}`
      : `name it as app.${other} (the kinds that host it: ${kindsHosting(other)}), or name a${app.kind === 'asgi' ? 'n ASGI' : ' WSGI'} app in ${field}`;
    throw new UsageError(`${where}: ${target} is ${describeShape(inspection)}, not a${app.kind === 'asgi' ? 'n ASGI' : ' WSGI'} app; ${fix}`);
  }
}
