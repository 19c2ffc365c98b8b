import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../cli/errors.js';
import type { SpawnPlan } from '../process/group.js';
import type { AppUnderTest, EffectiveSettings } from '../results/types.js';
import { findPython, pythonModule } from '../software/catalog.js';
import type { DeploymentEntryObject, DeploymentSpec, KindCheckContext, ServerKind } from './kind.js';
import { ADDRESS, BENCH_SETS, python, wsgiTarget } from './python.js';

export const django = pythonModule('django', 'Django', 'python3-django', () => findPython('django'));

const SETTINGS_VARIABLE = 'DJANGO_SETTINGS_MODULE';

/**
 * The settings module Django's runserver loads: the deployment's own (`env: DJANGO_SETTINGS_MODULE`
 * or `args: [--settings, …]`, which Django reads itself), else the one beside the WSGI module that
 * `django-admin startproject` writes (mysite.wsgi:application → mysite.settings).
 */
function settingsOf(spec: Pick<DeploymentSpec, 'env' | 'args'>, app: Extract<AppUnderTest, { kind: 'wsgi' }>): string | undefined {
  if (spec.env?.[SETTINGS_VARIABLE] || (spec.args ?? []).some((a) => a.split('=')[0] === '--settings')) return undefined;
  const module = app.wsgi.split(':')[0]!;
  return [...module.split('.').slice(0, -1), 'settings'].join('.');
}

/** Where a settings module's file is, below the app's folder, as Python imports it. */
const settingsFileExists = (dir: string, module: string): boolean => {
  const path = join(dir, ...module.split('.'));
  return existsSync(`${path}.py`) || existsSync(join(path, '__init__.py'));
};

/** The Django project's settings must be found before the server starts, or runserver's error would be the run's. */
function checkSettings(entry: DeploymentEntryObject, { where, app }: KindCheckContext): Partial<DeploymentSpec> {
  if (app?.kind !== 'wsgi') return {};
  const settings = settingsOf(entry, app);
  if (settings && !settingsFileExists(app.dir, settings)) {
    throw new UsageError(
      `${where}: django-runserver loads the project's settings, which bench takes to be ${settings} (beside ${app.wsgi.split(':')[0]}), ` +
        `and ${app.dir} has no ${settings.replaceAll('.', '/')}.py; name them with env: { ${SETTINGS_VARIABLE}: mysite.settings } or args: [--settings, mysite.settings]`,
    );
  }
  return {};
}

/** What runserver runs with: bench's command line; Django's own settings (DEBUG, ALLOWED_HOSTS) stay the project's. */
async function runserverSettings(plan: SpawnPlan, spec: DeploymentSpec): Promise<EffectiveSettings> {
  const at = plan.args.indexOf('--settings');
  return {
    source: 'the runserver command line bench gave',
    readBack: false,
    settings: {
      threading: !plan.args.includes('--nothreading'),
      autoreload: !plan.args.includes('--noreload'),
      settings: at >= 0 ? plan.args[at + 1]! : (spec.env?.[SETTINGS_VARIABLE] ?? null),
    },
  };
}

export const djangoRunserver: ServerKind = {
  name: 'django-runserver',
  summary: "Django's development server (manage.py runserver) for your Django project: a thread per connection, or one request at a time with threads: 1 (--nothreading)",
  model: 'threads',
  // runserver's ThreadingMixIn starts a thread for each connection; --nothreading serves them one by one.
  pool: { threads: 'per-connection' },
  // Each connection's own thread reads its request, so a slow client holds a thread: its own, or with
  // --nothreading the only one (the model counts it only there: threadPerConnection).
  slowClients: 'held',
  hosts: ['wsgi'],
  requires: [django],
  upstream: 'http',
  args: { forbidden: {
    '--noreload': BENCH_SETS('the kind: the autoreloader would serve from a child process'),
    '--nothreading': BENCH_SETS('threads: 1'),
    '--ipv6': ADDRESS, '-6': ADDRESS,
    '--help': 'runserver would print its help and exit without serving', '-h': 'runserver would print its help and exit without serving',
    '--version': 'runserver would print its version and exit without serving',
  } },
  validate: checkSettings,
  effectiveSettings: runserverSettings,
  plan: async (spec, ctx) => {
    const app = wsgiTarget(spec);
    const settings = spec.app?.kind === 'wsgi' ? settingsOf(spec, spec.app) : undefined;
    return {
      // `python -m django` puts its working folder, the project's, on sys.path, as manage.py does.
      ...(await python(app, [
        '-m', 'django', 'runserver', '--noreload',
        ...(spec.threads === 1 ? ['--nothreading'] : []),
        ...(settings ? ['--settings', settings] : []),
        ...(spec.args ?? []),
        `${ctx.host}:${ctx.port}`,
      ])),
      cwd: app.dir,
    };
  },
};
