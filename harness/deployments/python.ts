import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpawnPlan } from '../process/group.js';
import { pythonServersDir } from '../paths.js';
import { fcgiwrap, findExecutable, findPython, flask, gevent, gunicorn, nginx, uwsgi } from '../software.js';
import type { DeploymentSpec, LaunchContext, ServerKind } from './kind.js';
import { privateSocket } from './sockets.js';

async function python(args: string[]): Promise<SpawnPlan> {
  const interpreter = await findPython();
  if (!interpreter) throw new Error(`no python3 with Flask found; install it with: sudo apt-get install python3-flask`);
  // Unbuffered, so a crash's last words reach the log before the process is gone.
  return { command: interpreter, args: ['-u', ...args], env: { ...process.env, PYTHONUNBUFFERED: '1' } };
}

export const flaskDev: ServerKind = {
  name: 'flask-dev',
  summary: "Flask's development server with threads off: the single blocking worker of the Python world",
  model: 'single',
  takesWorkers: false,
  takesThreads: false,
  defaultWorkers: 1,
  requires: [flask],
  upstream: 'http',
  plan: (_spec, ctx) =>
    python([
      '-m', 'flask', '--app', join(pythonServersDir, 'app.py'), 'run',
      '--host', ctx.host, '--port', String(ctx.port), '--without-threads', '--no-reload', '--no-debugger',
    ]),
};

/** gunicorn's arbiter with W workers of one class; the worker class is all that differs. */
function gunicornKind(
  name: string,
  summary: string,
  model: ServerKind['model'],
  workerArgs: (spec: DeploymentSpec) => string[],
  extra: Partial<ServerKind> = {},
): ServerKind {
  return {
    name,
    summary,
    model,
    takesWorkers: true,
    takesThreads: false,
    defaultWorkers: 4,
    requires: [flask, gunicorn],
    upstream: 'http',
    ...extra,
    plan: (spec, ctx) =>
      python([
        '-m', 'gunicorn', '--chdir', pythonServersDir, '--bind', `${ctx.host}:${ctx.port}`,
        '--workers', String(spec.workers), ...workerArgs(spec),
        // A worker silent for longer than this is killed by the arbiter; /io?ms=N may wait up to 60 s.
        '--timeout', '120', '--graceful-timeout', '1', '--log-level', 'warning',
        'app:app',
      ]),
  };
}

export const gunicornSync = gunicornKind(
  'gunicorn-sync',
  'gunicorn with W sync workers: the pre-fork pool (W requests at a time; wants a buffering proxy in front)',
  'prefork',
  () => ['--worker-class', 'sync'],
);

export const gunicornGthread = gunicornKind(
  'gunicorn-gthread',
  'gunicorn with W gthread workers of T threads each (W×T requests at a time)',
  'threads',
  // By default each worker accepts up to 1000 connections and queues them for its threads, so at
  // c = W·T some workers hold more connections than threads while others idle. One connection per
  // thread, closed after each response, makes the pool serve exactly W·T at a time; the rest wait
  // in the listen backlog, as with sync workers.
  (spec) => [
    '--worker-class', 'gthread', '--threads', String(spec.threads ?? 4),
    '--worker-connections', String(spec.threads ?? 4), '--keep-alive', '0',
  ],
  { takesThreads: true, defaultThreads: 4 },
);

export const gunicornGevent = gunicornKind(
  'gunicorn-gevent',
  'gunicorn with W gevent workers: greenlets, time.sleep made cooperative (every request at once)',
  'async',
  () => ['--worker-class', 'gevent', '--worker-connections', '2000'],
  { requires: [flask, gunicorn, gevent] },
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
  takesWorkers: true,
  takesThreads: true,
  defaultWorkers: 4,
  requires: [flask, uwsgi],
  upstream: 'uwsgi',
  plan: async (spec, ctx) => {
    const bin = findExecutable('uwsgi') ?? 'uwsgi';
    const socketPath = ctx.behindNginx ? uwsgiSocket(ctx) : undefined;
    return {
      command: bin,
      socketPath,
      args: [
        '--need-plugin', 'python3', '--master', '--die-on-term', '--need-app', '--disable-logging',
        // --http-socket, not --http: --http adds a router process in front, which distorts benchmarks.
        // http-socket closes the connection after each response without saying so; announcing it
        // lets clients reconnect cleanly instead of losing a request to the closed socket.
        ...(socketPath
          ? ['--socket', socketPath]
          : ['--http-socket', `${ctx.host}:${ctx.port}`, '--add-header', 'Connection: close']),
        '--processes', String(spec.workers),
        ...(spec.threads !== undefined ? ['--threads', String(spec.threads)] : []),
        '--listen', listenQueue(),
        '--chdir', uwsgiLiteral(pythonServersDir), '--wsgi-file', 'app.py', '--callable', 'app',
      ],
    };
  },
};

export const cgi: ServerKind = {
  name: 'cgi',
  summary: 'nginx + fcgiwrap starting the CGI program afresh for every request (W fcgiwrap children)',
  model: 'process-per-request',
  takesWorkers: true,
  takesThreads: false,
  defaultWorkers: 4,
  requires: [flask, nginx, fcgiwrap],
  upstream: 'fastcgi',
  alwaysBehindNginx: true,
  plan: async (spec, ctx) => {
    const socketPath = privateSocket(ctx, 'fcgiwrap');
    return {
      command: findExecutable('fcgiwrap') ?? 'fcgiwrap',
      args: ['-c', String(spec.workers), '-s', `unix:${socketPath}`],
      socketPath,
      cgiScript: await writeCgiLauncher(ctx.tmpDir),
    };
  },
};

/**
 * fcgiwrap executes the CGI program by its #! line, which must name the Python that has Flask
 * (not whatever python3 comes first on PATH), so the program is a two-line launcher made here.
 * The kernel ends a #! line's program at the first space or tab and nothing quotes it there, so a
 * Python whose path holds one is refused. `target` goes in as JSON, whose strings Python reads alike.
 */
export function cgiLauncher(interpreter: string, target: string): string {
  if (/\s/.test(interpreter)) {
    throw new Error(`${JSON.stringify(interpreter)} cannot start the CGI program: a #! line ends its program at whitespace and cannot quote it; use a Python whose path has none, such as Debian's /usr/bin/python3`);
  }
  return `#!${interpreter}\nimport runpy\nrunpy.run_path(${JSON.stringify(target)}, run_name="__main__")\n`;
}

async function writeCgiLauncher(dir: string): Promise<string> {
  const path = join(dir, 'cgi-app.py');
  const launcher = cgiLauncher((await python([])).command, join(pythonServersDir, 'cgi_app.py'));
  writeFileSync(path, launcher, { mode: 0o700 });
  return path;
}
