import { spawnSync } from 'node:child_process';
import { UsageError } from '../cli/errors.js';
import type { SpawnPlan } from '../process/group.js';
import type { EffectiveSettings } from '../results/types.js';
import { settingsReadBy } from './effective-settings.js';
import { DEBIAN_PYTHON, findPython, pythonModule, starlette } from '../software/catalog.js';
import { asgiTarget, eventLoop } from './asgi.js';
import type { DeploymentSpec, ServerKind } from './kind.js';
import { ADDRESS, BENCH_SETS, python } from './python.js';

export const hypercornModule = pythonModule('hypercorn', 'hypercorn', 'python3-hypercorn', () => findPython('hypercorn'));

/**
 * hypercorn 0.13's worker classes, with the module each needs beside hypercorn and its Debian
 * package: asyncio is the standard library's, the others come with extras Debian packages apart.
 */
export const HYPERCORN_WORKER_CLASSES: Readonly<Record<string, { module?: string; apt?: string }>> = {
  asyncio: {},
  uvloop: { module: 'uvloop', apt: 'python3-uvloop' },
  trio: { module: 'trio', apt: 'python3-trio' },
};

/** hypercorn's long flags, for what argparse makes of an abbreviation ("--work 2" is --workers). */
const LONG_FLAGS = [
  '--access-log', '--access-logfile', '--access-logformat', '--backlog', '--bind', '--ca-certs', '--certfile', '--cert-reqs', '--ciphers',
  '--config', '--debug', '--error-log', '--error-logfile', '--log-file', '--graceful-timeout', '--read-timeout', '--group', '--worker-class',
  '--keep-alive', '--keyfile', '--keyfile-password', '--insecure-bind', '--log-config', '--log-level', '--pid', '--quic-bind', '--reload',
  '--root-path', '--server-name', '--statsd-host', '--statsd-prefix', '--umask', '--user', '--verify-mode', '--websocket-ping-interval', '--workers',
];

/** "--work=2" → --workers, "-w2" → -w: the flag hypercorn's argparse reads; an ambiguous abbreviation is left for hypercorn to refuse. */
export function hypercornFlagOf(arg: string): string {
  const flag = arg.split('=')[0]!;
  if (!flag.startsWith('--')) return flag.length > 2 ? flag.slice(0, 2) : flag;
  if (LONG_FLAGS.includes(flag)) return flag;
  const matches = LONG_FLAGS.filter((known) => known.startsWith(flag));
  return matches.length === 1 ? matches[0]! : flag;
}

const TLS = 'bench measures plain HTTP on loopback; TLS belongs to the proxy in front';

const forbidden: Record<string, string> = {
  '-b': ADDRESS, '--bind': ADDRESS, '--insecure-bind': ADDRESS, '--quic-bind': 'it opens a UDP port besides the loopback address bench measures',
  '-w': BENCH_SETS('workers:'), '--workers': BENCH_SETS('workers:'),
  '--reload': 'it watches files and restarts the server, which hypercorn allows with one worker only; bench measures a server that stays up',
  '-c': 'bench cannot read back what a hypercorn config file decides before it starts (workers, binds); pass its settings as flags in args:',
  '--config': 'bench cannot read back what a hypercorn config file decides before it starts (workers, binds); pass its settings as flags in args:',
  '--certfile': TLS, '--keyfile': TLS, '--keyfile-password': TLS, '--ca-certs': TLS,
};

/** The worker class `args:` asks for (-k NAME, --worker-class=NAME; the last one wins, as in argparse), or undefined. */
export function askedWorkerClass(args: readonly string[]): string | undefined {
  let asked: string | undefined;
  args.forEach((arg, i) => {
    const flag = hypercornFlagOf(arg);
    if (flag !== '-k' && flag !== '--worker-class') return;
    if (arg.includes('=')) asked = arg.slice(arg.indexOf('=') + 1);
    else if (flag === '-k' && arg.length > 2) asked = arg.slice(2);
    else asked = args[i + 1];
  });
  return asked;
}

/**
 * Why hypercorn cannot run `workerClass` here, or undefined when it can: a name hypercorn 0.13
 * does not know, or a class whose module the interpreter lacks (`importable` says).
 */
export function workerClassProblem(workerClass: string, importable: (module: string) => boolean): string | undefined {
  const needs = HYPERCORN_WORKER_CLASSES[workerClass];
  if (!needs) return `hypercorn has no worker class "${workerClass}"; its classes are ${Object.keys(HYPERCORN_WORKER_CLASSES).join(', ')}`;
  if (needs.module && !importable(needs.module)) {
    return `hypercorn's ${workerClass} worker class needs the ${needs.module} module, which this Python lacks; install it with: sudo apt-get install ${needs.apt} (or pip install ${needs.module} in a virtualenv), or use -k asyncio`;
  }
  return undefined;
}

function importableIn(interpreter: string): (module: string) => boolean {
  return (module) => spawnSync(interpreter, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

/**
 * Prints, as JSON, the settings hypercorn resolves from its command line in place of serving: the
 * ones the model, the proxy and an export need, and every other one the command line set.
 */
const PRINT_CONFIG = `
import json, sys
import hypercorn.__main__ as main
RECORDED = ["bind", "workers", "worker_class", "keep_alive_timeout", "backlog", "graceful_timeout", "read_timeout",
            "h11_max_incomplete_size", "h2_max_concurrent_streams", "max_app_queue_size", "shutdown_timeout",
            "accesslog", "errorlog", "loglevel", "root_path", "server_names", "websocket_ping_interval", "include_server_header"]
def plain(v):
    if v is None or isinstance(v, (bool, int, float, str)): return v
    if isinstance(v, (list, tuple)): return [str(x) for x in v]
    return str(v)
def show(config):
    # The CLI sets these on every run, asked or not; the app is the command line's, not a setting.
    given = [n for n in vars(config) if not n.startswith("_") and n not in ("application_path", "loglevel")]
    print(json.dumps({n: plain(getattr(config, n)) for n in RECORDED + given}))
main.run = show
main.main(sys.argv[1:])
`;

/** hypercorn's own account of its settings: its CLI parses the same arguments, and a stand-in for run() prints the resolved Config. */
export async function hypercornEffectiveSettings(plan: SpawnPlan): Promise<EffectiveSettings> {
  const settings = await settingsReadBy(plan, 'hypercorn', ['-c', PRINT_CONFIG]);
  return { source: "hypercorn's Config as its command line resolves it", readBack: true, settings };
}

export const hypercornKind: ServerKind = {
  ...eventLoop,
  name: 'hypercorn',
  summary: 'hypercorn with W worker processes, each an asyncio event loop (HTTP/1.1 and HTTP/2; -k uvloop or trio where installed)',
  hosts: ['demo', 'asgi'],
  // hypercorn's own default is one worker, which it runs in its own process with no master.
  pool: { workers: 1, oneWorkerRunsAlone: true },
  requires: [hypercornModule, starlette],
  demoOnly: [starlette],
  args: { forbidden, flagOf: hypercornFlagOf },
  effectiveSettings: hypercornEffectiveSettings,
  exportAs: 'hypercorn',
  validate: (entry, ctx) => {
    const asked = askedWorkerClass(entry.args ?? []);
    const interpreter = ctx.app?.kind === 'asgi' ? ctx.app.python : DEBIAN_PYTHON;
    const problem = asked === undefined ? undefined : workerClassProblem(asked, importableIn(interpreter));
    if (problem) throw new UsageError(`${ctx.where}: args: -k ${asked}: ${problem}`);
    return {};
  },
  plan: async (spec: DeploymentSpec, ctx) => {
    const app = asgiTarget(spec);
    const host = ctx.host.includes(':') ? `[${ctx.host}]` : ctx.host;
    return {
      ...(await python({ ...app, foundBy: app.python ? undefined : hypercornModule }, [
        '-m', 'hypercorn', '--bind', `${host}:${ctx.port}`, '--workers', String(spec.workers),
        ...(spec.args ?? []),
        app.target,
      ])),
      // hypercorn imports module:attr from its working folder.
      cwd: app.dir,
    };
  },
};
