import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { pythonServersDir } from '../files/bench-paths.js';
import type { ServerKind } from '../deployments/kind.js';
import { findKind } from '../deployments/kinds.js';
import { chooseRow } from './choose.js';
import type { Address } from './address.js';
import { daphneCommand } from './daphne-command.js';
import type { Measurement } from './provenance.js';
import { parseGunicorn, parseModuleCommand, parseUwsgi, type MeasuredCommand } from './server-args.js';
import { waitressCommand } from './waitress-command.js';
import type { EffectiveSettings, RunResults } from '../results/types.js';

export interface ExportOptions {
  to: string;
  deployment?: string;
  listen?: string;
  bind?: string;
  name?: string;
  configDir?: string;
  logDir?: string;
  force?: boolean;
}

/** What a kind's deployment is exported as (ServerKind.exportAs): the server whose files are written. */
export type ExportFormat = NonNullable<ServerKind['exportAs']>;

/** The config file each server reads; waitress and daphne have none, and take their settings on their command line. */
const CONFIG_FILE: Record<ExportFormat, string | undefined> = {
  gunicorn: 'gunicorn.conf.py',
  uwsgi: 'uwsgi.ini',
  waitress: undefined,
  hypercorn: 'hypercorn.toml',
  daphne: undefined,
};

/** The app the server runs (WSGI, or ASGI under gunicorn-uvicorn, hypercorn and daphne): module:callable imported from `dir`. */
export interface ExportedApp {
  dir: string;
  /** module:callable (a WSGI callable or an ASGI application). */
  target: string;
  /** The interpreter of the user's app (settings.app); undefined for the demo app, which runs on the measured one. */
  python?: string;
  /** Where it was read from, for comments. */
  from: string;
}

/** Everything the file writers share: which measurement, where things go on the server, how the server starts. */
export interface ExportTarget {
  m: Measurement;
  kind: string;
  format: ExportFormat;
  /** The supervisord program, systemd unit and nginx upstream name. */
  name: string;
  why: string;
  listen: { host: string; port: number };
  bind: Address;
  /** Whether --bind was given or is the default. */
  bindGiven: boolean;
  /** What nginx speaks to the app server: uWSGI's own protocol on a socket when it was measured that way. */
  protocol: 'http' | 'uwsgi';
  app: ExportedApp;
  measured: MeasuredCommand;
  /** The app server's config file on the server (gunicorn.conf.py, uwsgi.ini or hypercorn.toml in --config-dir); undefined for daphne, which has none. */
  configFile?: string;
  configDir: string;
  logDir: string;
  /** The app server's command line, program first. */
  command: string[];
  /** The folder the app server starts in, where it imports the app from (waitress, hypercorn, daphne); undefined: its config says (gunicorn's chdir, uWSGI's). */
  workingDirectory?: string;
  /** Seconds after which the app server kills a silent worker (gunicorn --timeout, uWSGI --harakiri); null: never. */
  workerTimeoutS: number | null;
  /** The variables the measured server was given on purpose (the deployment's env:). */
  env: Record<string, string>;
}

/** gunicorn's --timeout when the command line does not set it. */
const GUNICORN_DEFAULT_TIMEOUT_S = 30;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function exportTarget(run: RunResults, file: string, options: ExportOptions): ExportTarget {
  const { row, why } = chooseRow(run, file, options.deployment);
  const kind = row.server;
  // chooseRow takes exportable kinds only.
  const format = findKind(kind)!.exportAs!;
  const measured = measuredCommand(format, row.serverArgs);
  const app = appOf(run, measured, format);
  const name = options.name ?? defaultName(app);
  if (!NAME.test(name)) throw new UsageError(`--name ${JSON.stringify(name)}: expected letters, digits, "-", "_" or "." (a supervisord program and systemd unit name)`);
  const protocol = format === 'uwsgi' && row.proxy === 'nginx' ? 'uwsgi' : 'http';
  const bind = options.bind !== undefined
    ? address('--bind', options.bind, true)
    : protocol === 'uwsgi' ? { kind: 'unix' as const, path: `/run/${name}.sock` } : { kind: 'tcp' as const, host: '127.0.0.1', port: 8000 };
  const listenAddress = address('--listen', options.listen ?? '127.0.0.1:8080', false);
  if (listenAddress.kind !== 'tcp') throw new UsageError('--listen: expected HOST:PORT');
  const configDir = absoluteFolder('--config-dir', options.configDir ?? `/etc/${name}`);
  const configName = CONFIG_FILE[format];
  const configFile = configName && join(configDir, configName);
  // A user's app runs on its own interpreter; the demo app on the one that was measured.
  const program = format === 'uwsgi' || !app.python ? measured.program : [app.python, '-m', format];
  const command = {
    uwsgi: () => [...program, '--ini', configFile!],
    gunicorn: () => [...program, '-c', configFile!],
    hypercorn: () => [...program, '--config', configFile!, app.target],
    waitress: () => waitressCommand(program, measured.options, bind, app.target),
    daphne: () => daphneCommand(program, measured.options, bind, app.target),
  }[format]();
  return {
    m: { run, row, file },
    kind,
    format,
    name,
    why,
    listen: listenAddress,
    bind,
    bindGiven: options.bind !== undefined,
    protocol,
    app,
    measured,
    configFile,
    configDir,
    logDir: absoluteFolder('--log-dir', options.logDir ?? '/var/log/supervisor'),
    command,
    ...(format !== 'gunicorn' && format !== 'uwsgi' && { workingDirectory: app.dir }),
    workerTimeoutS: workerTimeout(measured, format, row.effectiveSettings),
    env: row.serverEnv ?? {},
  };
}

function measuredCommand(format: ExportFormat, args: string[]): MeasuredCommand {
  if (format === 'uwsgi') return parseUwsgi(args);
  return format === 'gunicorn' ? parseGunicorn(args) : parseModuleCommand(args, format);
}

/** The user's app when the run measured one (settings.app), else the demo app where the command line found it. */
function appOf(run: RunResults, measured: MeasuredCommand, format: ExportFormat): ExportedApp {
  const user = run.settings.app;
  const from = "the run's app (settings.app)";
  if (user?.kind === 'wsgi') return { dir: user.dir, target: user.wsgi, python: user.python, from };
  if (user?.kind === 'asgi') return { dir: user.dir, target: user.asgi, python: user.python, from };
  // hypercorn and daphne import the demo app from their working folder, servers/python.
  const chdir = measured.options.find((o) => o.flag === '--chdir')?.value;
  const target = format === 'uwsgi' ? 'app:app' : (measured.positionals.at(-1) ?? 'app:app');
  return { dir: chdir ?? pythonServersDir, target, from: chdir ? `bench's demo app, --chdir ${chdir} as measured` : "bench's demo app (servers/python)" };
}

function defaultName(app: ExportedApp): string {
  if (app.python === undefined) return 'bench-demo';
  return app.target.split(/[.:]/)[0]!.replace(/[^A-Za-z0-9_.-]/g, '-') || 'bench-app';
}

/** waitress kills no thread and hypercorn cuts no slow request short; daphne only when its --http-timeout is set (its http_timeout, default none). */
function workerTimeout(measured: MeasuredCommand, format: ExportFormat, effective: EffectiveSettings | undefined): number | null {
  if (format === 'waitress' || format === 'hypercorn') return null;
  if (format === 'daphne') return typeof effective?.settings.http_timeout === 'number' ? effective.settings.http_timeout : null;
  const flags = format === 'uwsgi' ? ['--harakiri'] : ['--timeout', '-t'];
  const recorded = [effective?.settings[format === 'uwsgi' ? 'harakiri' : 'timeout']].flat().at(-1);
  const value = recorded !== undefined && recorded !== null ? String(recorded) : measured.options.filter((o) => flags.includes(o.flag)).at(-1)?.value;
  if (value !== undefined && Number(value) > 0) return Number(value);
  return format === 'uwsgi' ? null : GUNICORN_DEFAULT_TIMEOUT_S;
}

/** HOST:PORT ([::1]:8080 for IPv6), or an absolute Unix socket path where `socketOk`. */
function address(flag: string, value: string, socketOk: boolean): Address {
  if (socketOk && value.startsWith('/')) {
    if (/[\s;{}'"%$]/.test(value)) throw new UsageError(`${flag} ${value}: a socket path without spaces, quotes, ";", "{", "}", "%" or "$"`);
    return { kind: 'unix', path: value };
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    throw new UsageError(`${flag} ${value}: expected HOST:PORT, e.g. 127.0.0.1:8000${socketOk ? ', or an absolute Unix socket path' : ''}`);
  }
  return { kind: 'tcp', host: match[1]!, port };
}

function absoluteFolder(flag: string, value: string): string {
  if (!isAbsolute(value)) throw new UsageError(`${flag} ${value}: expected an absolute path (where it will be on the server)`);
  if (/[\s'"%$\\]/.test(value)) throw new UsageError(`${flag} ${value}: a path without spaces, quotes, "%", "$" or "\\"`);
  return resolve(value);
}
