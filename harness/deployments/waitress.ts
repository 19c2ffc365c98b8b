import type { SpawnPlan } from '../process/group.js';
import type { EffectiveSettings } from '../results/types.js';
import { settingsReadBy } from './effective-settings.js';
import { findPython, flask, pythonModule } from '../software/catalog.js';
import type { DeploymentSpec, ServerKind } from './kind.js';
import { ADDRESS, BENCH_SETS, python, wsgiTarget } from './python.js';

export const waitressServer = pythonModule('waitress', 'waitress', 'python3-waitress', () => findPython('waitress'));

/**
 * waitress's adjustments every row records, set or not: the pool the model counts (threads), what
 * bounds the connections it accepts (connection_limit, backlog) and how long it keeps them
 * (channel_timeout), and what it buffers of each request and response before a thread sees it.
 */
const RECORDED = [
  'listen', 'threads', 'connection_limit', 'backlog', 'channel_timeout', 'cleanup_interval', 'channel_request_lookahead',
  'recv_bytes', 'send_bytes', 'inbuf_overflow', 'outbuf_overflow', 'outbuf_high_watermark',
  'max_request_header_size', 'max_request_body_size', 'asyncore_use_poll', 'expose_tracebacks', 'url_scheme', 'ident',
];

/**
 * Runs waitress's own parser (Adjustments.parse_args, then Adjustments, as waitress-serve does) on
 * the server's arguments and prints, as JSON, the recorded adjustments and every one the command
 * line named. `listen` becomes "host:port" strings; sets become sorted lists.
 */
const READ_ADJUSTMENTS = `
import json, sys
from waitress.adjustments import Adjustments
recorded = json.loads(sys.argv[1])
kw, _ = Adjustments.parse_args(sys.argv[2:])
kw.pop("help", None); kw.pop("call", None)
adjusted = Adjustments(**kw)
def plain(name, value):
    if name == "listen":
        return ["%s:%s" % sockaddr[:2] for (_, _, _, sockaddr) in value]
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return value
print(json.dumps({name: plain(name, getattr(adjusted, name)) for name in sorted(set(recorded) | set(kw)) if hasattr(adjusted, name)}, default=str))
`;

/** What waitress will run with, by its own parser, from the command line it will start with. */
async function waitressEffectiveSettings(plan: SpawnPlan): Promise<EffectiveSettings> {
  const settings = await settingsReadBy(plan, 'waitress', ['-c', READ_ADJUSTMENTS, JSON.stringify(RECORDED)]);
  return { source: "waitress's Adjustments.parse_args", readBack: true, settings };
}

/** getopt takes any unique prefix of a long option ("--thr=8" is --threads): the forbidden flag an abbreviation stands for. */
function waitressFlagOf(arg: string): string {
  const flag = arg.split('=')[0]!;
  if (!flag.startsWith('--') || flag.length < 4 || flag in forbidden) return flag;
  return Object.keys(forbidden).find((name) => name.startsWith(flag)) ?? flag;
}

const forbidden: Readonly<Record<string, string>> = {
  '--listen': ADDRESS, '--host': ADDRESS, '--port': ADDRESS, '--unix-socket': ADDRESS, '--unix-socket-perms': ADDRESS,
  '--threads': BENCH_SETS('threads:'),
  '--help': 'waitress would print its help and exit without serving',
};

export const waitressKind: ServerKind = {
  name: 'waitress',
  summary: 'waitress: one process, a pool of T threads (T requests at a time); its event loop reads each request before a thread serves it',
  model: 'threads',
  pool: { threads: 4 },
  // waitress's asyncore channel buffers a whole request (inbuf_overflow spills to a file) before it
  // queues a task for the pool, so a trickling client holds a connection but no thread.
  slowClients: 'not-held',
  hosts: ['demo', 'wsgi'],
  requires: [flask, waitressServer],
  demoOnly: [flask],
  upstream: 'http',
  args: { forbidden, flagOf: waitressFlagOf },
  effectiveSettings: waitressEffectiveSettings,
  exportAs: 'waitress',
  plan: async (spec: DeploymentSpec, ctx) => {
    const app = spec.app ? wsgiTarget(spec) : { ...wsgiTarget(spec), foundBy: waitressServer };
    return {
      // waitress-serve puts its working folder on sys.path, where the app's module is.
      ...(await python(app, ['-m', 'waitress', `--listen=${ctx.host}:${ctx.port}`, `--threads=${spec.threads}`, ...(spec.args ?? []), app.target])),
      cwd: app.dir,
    };
  },
};
