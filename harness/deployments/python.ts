import { gunicornFlag } from './gunicorn-flags.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCpuLogPython } from '../process/exit-cpu-log.js';
import type { SpawnPlan } from '../process/group.js';
import { pythonServersDir } from '../files/bench-paths.js';
import { DEBIAN_PYTHON, fcgiwrap, findExecutable, findPython, flask, gevent, gunicorn, installCommand, nginx, runProbe, uwsgi, type Software } from '../software/catalog.js';
import { gunicornConfigFile, uwsgiConfigFile } from './config-file.js';
import { gunicornEffectiveSettings, uwsgiEffectiveSettings } from './effective-settings.js';
import { defaultThreads, takesThreads, type DeploymentSpec, type LaunchContext, type ServerKind } from './kind.js';
import { privateSocket } from './sockets.js';

/** What a Python kind serves: one of bench's demo apps, or the user's WSGI app (module:callable in dir). */
export interface PythonTarget {
  dir: string;
  target: string;
  /** The interpreter the user named; undefined: the one with Debian's `foundBy`, for a demo app. */
  python?: string;
  /** What the demo app's interpreter must have (Flask for the WSGI app, uvicorn for the ASGI one); default Flask. */
  foundBy?: Software;
}

export function wsgiTarget(spec: DeploymentSpec): PythonTarget {
  if (spec.app?.kind === 'wsgi') return { dir: spec.app.dir, target: spec.app.wsgi, python: spec.app.python };
  if (spec.app) throw new Error(`${spec.kind} hosts a WSGI app, not a Node program`);
  return { dir: pythonServersDir, target: 'app:app' };
}

export async function python(target: PythonTarget, args: string[]): Promise<SpawnPlan> {
  const needs = target.foundBy ?? flask;
  const interpreter = target.python ?? (await findPython(needs.name));
  if (!interpreter) throw new Error(`no python3 with ${needs.name} found; install it with: ${installCommand([needs])}`);
  // Unbuffered, so a crash's last words reach the log before the process is gone.
  return { command: interpreter, args: ['-u', ...args], env: { ...process.env, PYTHONUNBUFFERED: '1' } };
}

const wsgiHost = join(pythonServersDir, 'wsgi_host.py');

/** Why `args:` may not hold a flag: bench sets what it stands for itself. */
export const BENCH_SETS = (key: string) => `bench sets it (${key})`;
export const ADDRESS = BENCH_SETS('the loopback address it measures');
const APP = BENCH_SETS('the app: app: or --app');


/** A single-threaded server: one request at a time. The demo app needs Flask; wsgiref itself is the standard library's. */
const oneAtATime = {
  model: 'single',
  slowClients: 'held',
  hosts: ['demo', 'wsgi'],
  requires: [flask],
  upstream: 'http',
} as const;

export const flaskDev: ServerKind = {
  ...oneAtATime,
  name: 'flask-dev',
  summary: "Flask's development server with threads off: the single blocking worker of the Python world",
  args: { forbidden: { '--host': ADDRESS, '-h': ADDRESS, '--port': ADDRESS, '-p': ADDRESS, '--debugger': 'its debugger runs code sent to it', '--with-threads': BENCH_SETS('the kind') } },
  plan: async (spec, ctx) => {
    const app = wsgiTarget(spec);
    // flask --app takes a file or module:callable, imported from the working folder.
    const appArg = spec.app ? app.target : join(pythonServersDir, 'app.py');
    return {
      ...(await python(app, [
        '-m', 'flask', '--app', appArg, 'run',
        '--host', ctx.host, '--port', String(ctx.port), '--without-threads', '--no-reload', '--no-debugger',
        ...(spec.args ?? []),
      ])),
      cwd: app.dir,
    };
  },
};

export const wsgiref: ServerKind = {
  ...oneAtATime,
  name: 'wsgiref',
  demoOnly: [flask],
  summary: "Python's own reference WSGI server (wsgiref): one request at a time, for any WSGI app",
  plan: async (spec, ctx) => {
    const app = wsgiTarget(spec);
    return python(app, [wsgiHost, '--dir', app.dir, '--app', app.target, 'serve', '--host', ctx.host, '--port', String(ctx.port)]);
  },
};


const gunicornOwned = {
  '--preload': BENCH_SETS('preload:'),
  '-b': ADDRESS, '--bind': ADDRESS, '-w': BENCH_SETS('workers:'), '--workers': BENCH_SETS('workers:'),
  '-k': BENCH_SETS('the kind'), '--worker-class': BENCH_SETS('the kind'), '--threads': BENCH_SETS('threads:'), '--chdir': APP,
  // gunicorn prints or checks its settings and exits, serving nothing (bench runs --print-config itself: effectiveSettings).
  '--print-config': 'gunicorn would print its settings and exit without serving', '--check-config': 'gunicorn would check its settings and exit without serving',
};

/** "--work=8" → --workers, "-w8" → -w: the flag gunicorn's argparse reads, abbreviations and attached values included. */
function gunicornFlagOf(arg: string): string {
  const flag = arg.split('=')[0]!;
  if (!flag.startsWith('--') && flag.length > 2) return gunicornFlag(flag.slice(0, 2)) ?? flag;
  return gunicornFlag(flag) ?? flag;
}

/**
 * gunicorn's arbiter with W workers of one class; the worker class is all that differs, and the app
 * (the WSGI app asked for, or for the ASGI worker class the demo's ASGI app).
 */
export function gunicornKind(
  name: string,
  summary: string,
  model: ServerKind['model'],
  workerClass: string,
  extra: Partial<ServerKind> = {},
  appOf: (spec: DeploymentSpec) => PythonTarget = wsgiTarget,
): ServerKind {
  const kind: ServerKind = {
    name,
    summary,
    model,
    pool: { workers: 4, preload: 'master-imports-first' },
    args: { forbidden: gunicornOwned, flagOf: gunicornFlagOf },
    hosts: ['demo', 'wsgi'],
    requires: [flask, gunicorn],
    demoOnly: [flask],
    upstream: 'http',
    configFile: gunicornConfigFile(workerClass),
    exportAs: 'gunicorn',
    reload: 'hup',
    effectiveSettings: gunicornEffectiveSettings,
    ...extra,
    plan: async (spec, ctx) => {
      const app = appOf(spec);
      // The demo's /io?ms=N may wait up to 60 s, longer than the 30 s after which the arbiter kills
      // a silent worker; a timeout the deployment sets itself (args:, its config file) stands.
      const setsTimeout = spec.config?.sets.timeout !== undefined || (spec.args ?? []).some((a) => ['-t', '--timeout'].includes(a.split('=')[0]!));
      return {
        ...(await python(app, [
          '-m', 'gunicorn', ...(spec.config ? ['-c', spec.config.path] : []), '--chdir', app.dir, '--bind', `${ctx.host}:${ctx.port}`,
          '--workers', String(spec.workers), '--worker-class', workerClass,
          ...(takesThreads(kind) ? ['--threads', String(spec.threads ?? defaultThreads(kind))] : []),
          ...(spec.preload ? ['--preload'] : []),
          ...(spec.app || setsTimeout ? [] : ['--timeout', '120']),
          ...(spec.args ?? []),
          app.target,
        ])),
        // gunicorn reads ./gunicorn.conf.py when no -c is given: from the app's folder, as when its
        // owner starts it there (config-file.ts passes that one with -c, and announces it).
        cwd: app.dir,
      };
    },
  };
  return kind;
}

export const gunicornSync = gunicornKind(
  'gunicorn-sync',
  'gunicorn with W sync workers: the pre-fork pool (W requests at a time; wants a buffering proxy in front)',
  'prefork',
  'sync',
  { slowClients: 'held' },
);

export const gunicornGthread = gunicornKind(
  'gunicorn-gthread',
  'gunicorn with W gthread workers of T threads each (W×T requests at a time, when connections spread evenly)',
  'threads',
  // gunicorn's defaults: each worker accepts up to 1000 connections and keeps them alive 2 s, so
  // kept-alive clients can crowd one worker while another idles (scenario gthread-keepalive).
  // gunicorn 20 hands each connection to a thread as soon as it accepts it, which then reads the request.
  'gthread',
  { pool: { workers: 4, threads: 4, preload: 'master-imports-first' }, slowClients: 'held' },
);

export const gunicornGevent = gunicornKind(
  'gunicorn-gevent',
  'gunicorn with W gevent workers: greenlets, time.sleep made cooperative (every request at once)',
  'async',
  'gevent',
  { requires: [flask, gunicorn, gevent], slowClients: 'not-held', eventLoop: { blockingWait: 'cooperative', databaseDriver: 'deployment-chooses' } },
);

/** uWSGI's listen queue defaults to 100 and refuses to exceed the kernel's limit. */
function listenQueue(): string {
  try {
    return String(Math.min(4096, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'))));
  } catch {
    return '128';
  }
}

/**
 * `path` as uWSGI will take it. uWSGI rewrites every option value, the command line's included, and
 * has no escape: `$(NAME)` becomes an environment variable, `@(FILE)` a file's contents and
 * `%(OPTION)` another option's value.
 */
function uwsgiLiteral(path: string): string {
  const expanded = /[$@%]\(/.exec(path);
  if (expanded) {
    throw new Error(`${path} holds "${expanded[0]}", which uWSGI would replace (it expands $(NAME), @(FILE) and %(OPTION) in every option, with no escape)`);
  }
  return path;
}

function uwsgiSocket(ctx: LaunchContext): string {
  const path = uwsgiLiteral(privateSocket(ctx, 'uwsgi'));
  if (path.includes(':')) {
    throw new Error(`${path} holds ":", which makes uWSGI take a socket name for host:port and listen on TCP; set TMPDIR to a folder without it`);
  }
  return path;
}

export const uwsgiKind: ServerKind = {
  name: 'uwsgi',
  summary: 'uWSGI with W processes (and T threads when asked), on --http-socket; uwsgi protocol behind nginx',
  model: 'prefork',
  slowClients: 'held',
  // uWSGI's processes run one thread each unless --threads says otherwise.
  pool: { workers: 4, threads: 'when-asked', preload: 'master-imports-first' },
  // --master: SIGHUP reloads the workers gracefully (--die-on-term keeps TERM a stop).
  reload: 'hup',
  hosts: ['demo', 'wsgi'],
  requires: [flask, uwsgi],
  demoOnly: [flask],
  upstream: 'uwsgi',
  configFile: uwsgiConfigFile,
  exportAs: 'uwsgi',
  effectiveSettings: uwsgiEffectiveSettings,
  args: { forbidden: {
    '--http-socket': ADDRESS, '--socket': ADDRESS, '-s': ADDRESS, '--http': ADDRESS, '--https': ADDRESS, '--stats': 'it opens a stats port',
    '--processes': BENCH_SETS('workers:'), '-p': BENCH_SETS('workers:'), '--workers': BENCH_SETS('workers:'), '--threads': BENCH_SETS('threads:'),
    '--chdir': APP, '--module': APP, '--wsgi-file': APP, '--callable': APP, '--home': APP,
    '--lazy-apps': BENCH_SETS('preload:'), '--lazy': BENCH_SETS('preload:'),
  } },
  plan: async (spec, ctx) => {
    const bin = findExecutable('uwsgi') ?? 'uwsgi';
    const socketPath = ctx.behindNginx ? uwsgiSocket(ctx) : undefined;
    const app = wsgiTarget(spec);
    // A virtualenv's packages come in through --home.
    const venv = await embeddedPythonHome(app, "uWSGI runs the Python of Debian's plugin");
    return {
      command: bin,
      socketPath,
      args: [
        '--need-plugin', 'python3',
        // First, so that the flags after it, which bench reconciled with it (config-file.ts), win.
        ...(spec.config ? ['--ini', uwsgiLiteral(spec.config.path)] : []),
        '--master', '--die-on-term', '--need-app', '--disable-logging',
        // --http-socket, not --http: --http adds a router process in front, which distorts benchmarks.
        // http-socket closes the connection after each response without saying so; announcing it
        // lets clients reconnect cleanly instead of losing a request to the closed socket.
        ...(socketPath
          ? ['--socket', socketPath]
          : ['--http-socket', `${ctx.host}:${ctx.port}`, '--add-header', 'Connection: close']),
        '--processes', String(spec.workers),
        ...(spec.threads !== undefined ? ['--threads', String(spec.threads)] : []),
        // A listen queue the ini sets is what ships: bench's own, later on the line, would override it.
        ...(spec.config?.sets.listen !== undefined || spec.config?.sets.l !== undefined ? [] : ['--listen', listenQueue()]),
        // Each worker imports the app itself, as gunicorn's do unless --preload; uWSGI's own default
        // (the master imports it and forks) is `preload: true`.
        ...(spec.preload ? [] : ['--lazy-apps']),
        ...(venv ? ['--home', uwsgiLiteral(venv)] : []),
        '--chdir', uwsgiLiteral(app.dir),
        ...(spec.app ? ['--module', app.target] : ['--wsgi-file', 'app.py', '--callable', 'app']),
        ...(spec.args ?? []),
      ],
    };
  },
};

/**
 * For a server that embeds Debian's Python (uWSGI's plugin, mod_wsgi): the virtualenv whose
 * packages it should see, or undefined for Debian's own. Another interpreter's packages would not
 * be seen at all: say so rather than measure another Python. `runs` starts the error's sentence.
 */
export async function embeddedPythonHome(app: PythonTarget, runs: string): Promise<string | undefined> {
  const venv = app.python ? await virtualenvOf(app.python) : undefined;
  if (app.python && !venv && app.python !== DEBIAN_PYTHON) {
    throw new Error(`${runs} (${DEBIAN_PYTHON}), and ${app.python} is neither that nor a virtualenv's; use a virtualenv (python3 -m venv) or ${DEBIAN_PYTHON}`);
  }
  return venv;
}

/** The virtualenv an interpreter belongs to (its sys.prefix), or undefined for a system Python. */
async function virtualenvOf(interpreter: string): Promise<string | undefined> {
  const [prefix, base] = (await runProbe(interpreter, ['-c', 'import sys; print(sys.prefix); print(sys.base_prefix)']))?.split('\n') ?? [];
  return prefix && prefix !== base ? prefix : undefined;
}

export const cgi: ServerKind = {
  name: 'cgi',
  summary: 'nginx + fcgiwrap starting the CGI program afresh for every request (W fcgiwrap children)',
  model: 'process-per-request',
  pool: { workers: 4 },
  requires: [flask, nginx, fcgiwrap],
  demoOnly: [flask],
  upstream: 'fastcgi',
  front: { required: { front: 'nginx', why: 'fcgiwrap answers FastCGI only' } },
  hosts: ['demo', 'wsgi'],
  plan: async (spec, ctx) => {
    const socketPath = privateSocket(ctx, 'fcgiwrap');
    const exitCpuLog = join(ctx.tmpDir, `cgi-cpu-${ctx.port}.log`);
    return {
      command: findExecutable('fcgiwrap') ?? 'fcgiwrap',
      args: ['-c', String(spec.workers), '-s', `unix:${socketPath}`],
      socketPath,
      cgiScript: await writeCgiLauncher(ctx.tmpDir, spec, exitCpuLog),
      exitCpuLog,
    };
  },
};

/**
 * fcgiwrap executes the CGI program by its #! line, which must name the Python that has the app's
 * modules (not whatever python3 comes first on PATH), so the program is a short launcher made here.
 * The kernel ends a #! line's program at the first space or tab and nothing quotes it there, so a
 * Python whose path holds one is refused. `target` and `argv` go in as JSON, whose strings Python
 * reads alike.
 */
export function cgiLauncher(interpreter: string, target: string, argv: string[] = [], exitCpuLog?: string): string {
  if (/\s/.test(interpreter)) {
    throw new Error(`${JSON.stringify(interpreter)} cannot start the CGI program: a #! line ends its program at whitespace and cannot quote it; use a Python whose path has none, such as Debian's /usr/bin/python3`);
  }
  const setArgv = argv.length > 0 ? `import sys\nsys.argv = ${JSON.stringify([target, ...argv])}\n` : '';
  const logCpu = exitCpuLog ? exitCpuLogPython(exitCpuLog) : '';
  return `#!${interpreter}\n${logCpu}import runpy\n${setArgv}runpy.run_path(${JSON.stringify(target)}, run_name="__main__")\n`;
}

/** The demo app's own CGI entry point, or the user's app through wsgiref's CGIHandler. */
async function writeCgiLauncher(dir: string, spec: DeploymentSpec, exitCpuLog: string): Promise<string> {
  const path = join(dir, 'cgi-app.py');
  const app = wsgiTarget(spec);
  const interpreter = (await python(app, [])).command;
  const launcher = spec.app
    ? cgiLauncher(interpreter, wsgiHost, ['--dir', app.dir, '--app', app.target, 'cgi'], exitCpuLog)
    : cgiLauncher(interpreter, join(pythonServersDir, 'cgi_app.py'), [], exitCpuLog);
  writeFileSync(path, launcher, { mode: 0o700 });
  return path;
}
