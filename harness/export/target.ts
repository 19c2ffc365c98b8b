import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { pythonServersDir } from '../files/bench-paths.js';
import { chooseRow } from './choose.js';
import type { Measurement } from './provenance.js';
import { parseGunicorn, parseUwsgi, type MeasuredCommand } from './server-args.js';
import { parseWaitress, waitressCommand } from './waitress-command.js';
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

export type Address = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** The app the server runs (WSGI; ASGI under gunicorn-uvicorn): module:callable imported from `dir`. */
export interface ExportedApp {
  dir: string;
  wsgi: string;
  /** The interpreter of the user's app (settings.app); undefined for the demo app, which runs on the measured one. */
  python?: string;
  /** Where it was read from, for comments. */
  from: string;
}

/** Everything the file writers share: which measurement, where things go on the server, how the server starts. */
export interface ExportTarget {
  m: Measurement;
  kind: string;
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
  /** The app server's config file on the server (gunicorn.conf.py or uwsgi.ini in --config-dir). */
  configFile: string;
  configDir: string;
  logDir: string;
  /** The app server's command line, program first. */
  command: string[];
  /** The folder the command starts in, where it takes it to find the app (waitress imports from there); undefined: anywhere. */
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
  const measured = kind === 'uwsgi' ? parseUwsgi(row.serverArgs) : kind === 'waitress' ? parseWaitress(row.serverArgs) : parseGunicorn(row.serverArgs);
  const app = appOf(run, measured, kind);
  const name = options.name ?? defaultName(app);
  if (!NAME.test(name)) throw new UsageError(`--name ${JSON.stringify(name)}: expected letters, digits, "-", "_" or "." (a supervisord program and systemd unit name)`);
  const protocol = kind === 'uwsgi' && row.proxy === 'nginx' ? 'uwsgi' : 'http';
  const bind = options.bind !== undefined
    ? address('--bind', options.bind, true)
    : protocol === 'uwsgi' ? { kind: 'unix' as const, path: `/run/${name}.sock` } : { kind: 'tcp' as const, host: '127.0.0.1', port: 8000 };
  const listenAddress = address('--listen', options.listen ?? '127.0.0.1:8080', false);
  if (listenAddress.kind !== 'tcp') throw new UsageError('--listen: expected HOST:PORT');
  const configDir = absoluteFolder('--config-dir', options.configDir ?? `/etc/${name}`);
  const configFile = join(configDir, kind === 'uwsgi' ? 'uwsgi.ini' : 'gunicorn.conf.py');
  const program = kind === 'uwsgi' ? measured.program : app.python ? [app.python, '-m', 'gunicorn'] : measured.program;
  return {
    m: { run, row, file },
    kind,
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
    ...(kind === 'waitress'
      ? { command: waitressCommand(measured, app, bind.kind === 'unix' ? { unixSocket: bind.path } : { listen: addressText(bind, '') }), workingDirectory: app.dir }
      : { command: [...program, kind === 'uwsgi' ? '--ini' : '-c', configFile] }),
    workerTimeoutS: workerTimeout(measured, kind, row.effectiveSettings),
    env: row.serverEnv ?? {},
  };
}

/** The user's app when the run measured one (settings.app), else the demo app where the command line found it. */
function appOf(run: RunResults, measured: MeasuredCommand, kind: string): ExportedApp {
  const user = run.settings.app;
  if (user?.kind === 'wsgi') return { dir: user.dir, wsgi: user.wsgi, python: user.python, from: 'the run\'s app (settings.app)' };
  const chdir = measured.options.find((o) => o.flag === '--chdir')?.value;
  const wsgi = kind === 'uwsgi' ? 'app:app' : (measured.positionals.at(-1) ?? 'app:app');
  return { dir: chdir ?? pythonServersDir, wsgi, from: chdir ? `bench's demo app, --chdir ${chdir} as measured` : "bench's demo app (servers/python)" };
}

function defaultName(app: ExportedApp): string {
  if (app.python === undefined) return 'bench-demo';
  return app.wsgi.split(/[.:]/)[0]!.replace(/[^A-Za-z0-9_.-]/g, '-') || 'bench-app';
}

function workerTimeout(measured: MeasuredCommand, kind: string, effective: EffectiveSettings | undefined): number | null {
  const flags = kind === 'uwsgi' ? ['--harakiri'] : ['--timeout', '-t'];
  const recorded = [effective?.settings[kind === 'uwsgi' ? 'harakiri' : 'timeout']].flat().at(-1);
  const value = recorded !== undefined && recorded !== null ? String(recorded) : measured.options.filter((o) => flags.includes(o.flag)).at(-1)?.value;
  if (value !== undefined && Number(value) > 0) return Number(value);
  // waitress kills no thread, however long its request takes.
  return kind === 'uwsgi' || kind === 'waitress' ? null : GUNICORN_DEFAULT_TIMEOUT_S;
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

/** "127.0.0.1:8000" or "unix:/run/app.sock" as gunicorn's bind and nginx's upstream server take it. */
export function addressText(a: Address, unixPrefix: 'unix:' | ''): string {
  return a.kind === 'unix' ? `${unixPrefix}${a.path}` : `${a.host}:${a.port}`;
}
