import { z } from 'zod';
import { describeLimit, LIMITS, refusal, type Limit } from './limits.js';
import { CONTROL, quoted } from '../formatting/quote.js';

/** A number within one of the limits every side reads (harness/scenario/limits.ts), refused in the same words as the flag's. */
function limited(limit: Limit) {
  return z
    .number({ error: (issue) => `expected ${describeLimit(limit)}, got ${typeof issue.input === 'string' ? quoted(issue.input) : String(issue.input)}` })
    .superRefine((value, ctx) => {
      const why = refusal(limit, value);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    });
}

/**
 * Text sent to a server or printed in a report has no control characters: a NUL or a line break
 * would be taken by the request line, the server or the terminal as its own.
 */
function noControls(what: string, fix: string, controls = CONTROL) {
  return (text: string, ctx: z.RefinementCtx) => {
    const at = text.search(controls);
    if (at < 0) return;
    const code = text.charCodeAt(at).toString(16).padStart(2, '0');
    ctx.addIssue({ code: 'custom', message: `${what} has a control character (\\x${code}, character ${at + 1}); ${fix}` });
  };
}

/** A request path on the deployment under test: always starts with a slash. */
export const requestPath = z
  .string()
  .superRefine(noControls('a request path', 'percent-encode it (%00 for a NUL byte) or remove it'))
  // Not "//": a URL parser would read what follows as another host.
  .regex(/^\/(?!\/)[^\s]*$/, { message: 'a request path starts with "/" (one, not "//") and has no spaces, e.g. "/io?ms=50"' });

/** "node-prefork", "gunicorn-sync+nginx" or "gunicorn-sync+apache" (-prefork, -event: its MPM) as a shorthand for { kind, proxy, mpm }. */
const deploymentKind = z.string().regex(/^[a-z][a-z0-9-]*(\+(nginx|apache(-prefork|-event)?))?$/, {
  message: 'a deployment kind looks like "node-prefork", "gunicorn-sync+nginx" or "gunicorn-sync+apache" (bench list shows them)',
});

/**
 * At this fraction of each window: SIGKILL one worker (the process itself for single-process
 * kinds) or the pool's master (worker-crash); or a deploy through the deployment's manager
 * (deploy-under-load).
 */
const faultSchema = z.union([
  z.strictObject({ kill: z.enum(['worker', 'master']), at: z.number().gt(0).lt(1).default(0.5) }),
  z.strictObject({ deploy: z.enum(['restart', 'reload', 'update']), at: z.number().gt(0).lt(1).default(0.3) }),
]);

const deploymentObject = z.strictObject({
  kind: deploymentKind,
  /** One pool size, or a list to sweep (one deployment per size). */
  workers: z.union([limited(LIMITS.workers), z.array(limited(LIMITS.workers)).nonempty()]).optional(),
  threads: limited(LIMITS.threads).optional(),
  proxy: z.enum(['none', 'nginx', 'apache']).optional(),
  /** Apache's MPM, with +apache or kind apache-mod-wsgi: prefork (a process per connection) or event (the default). */
  mpm: z.enum(['prefork', 'event']).optional(),
  /** apache-mod-wsgi: the app inside Apache's prefork processes (embedded, the default) or in mod_wsgi's daemon processes (daemon, with threads:). */
  mode: z.enum(['embedded', 'daemon']).optional(),
  /** Gone: bench's own restart loop, which a real supervisord replaces. */
  supervise: z.unknown().refine(() => false, { message: "it was bench's own restart loop, now gone; use manager: supervisord (a real supervisord restarts the server)" }).optional(),
  /** This deployment's fault, instead of the scenario's (worker-crash kills masters and workers in one scenario). */
  fault: faultSchema.optional(),
  /** A real supervisord runs the server, restarts it when it dies and carries out deploys. */
  manager: z.enum(['supervisord'], { message: 'the manager bench runs a Python or Node kind under is supervisord (pm2 and forever are kinds of their own: pm2, pm2-cluster, forever)' }).optional(),
  /** Environment variables for the server, passed on purpose (bench removes GUNICORN_*, UWSGI_*, PYTHONPATH, NODE_OPTIONS, … from the caller's). */
  env: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'an environment variable name like GUNICORN_CMD_ARGS' }),
      z.string().superRefine(noControls('the value', 'the kernel ends an environment string at a NUL byte; remove it', /\0/)),
    )
    .optional(),
  /** kind external: where the server you started listens, e.g. http://127.0.0.1:8000 */
  url: z.url({ protocol: /^http$/, message: 'a url like http://127.0.0.1:8000' }).optional(),
  /** kind external: a path that answers 2xx while the server is up, e.g. /healthz (default: the measured path, where any HTTP answer will do). */
  health: requestPath.optional(),
  /** Extra flags for the server's command line (gunicorn, uWSGI, flask, node), e.g. ["--keep-alive", "5"]. */
  args: z.array(z.string().superRefine(noControls('the flag', 'the kernel ends a command-line argument at a NUL byte; remove it', /\0/))).optional(),
  /**
   * The server's own config file, relative to the scenario file: a gunicorn.conf.py for gunicorn's
   * kinds (passed as -c), a uwsgi.ini for uwsgi (--ini). `args: [-c, FILE]` is read relative to the scenario too.
   */
  config: z.string().min(1).optional(),
  /** nginx in front, tuned: nginx's defaults for whatever is left out. */
  nginx: z
    .strictObject({
      upstreamKeepalive: limited(LIMITS.upstreamKeepalive).optional(),
      buffering: z.enum(['on', 'off']).optional(),
      directives: z
        .array(
          z.string().regex(/^[a-z_][a-z0-9_]*\s[^{}\n]*;$/, {
            message: 'one nginx directive per item, ending in ";" and without braces, e.g. "proxy_read_timeout 60s;"',
          }),
        )
        .optional(),
    })
    .optional(),
  /** With a web server in front: who answers /static/, the web server from servers/static itself or the app (default: the app, like any request). */
  static: z.enum(['web-server', 'app'], { message: 'static: web-server (nginx or Apache in front answers /static/ from the folder itself) or app (the request goes through to the app)' }).optional(),
  /** A name for this deployment in tables and charts (the pool size follows it), e.g. "gthread defaults". */
  label: z.string().min(1).max(80).superRefine(noControls('a label', 'remove it (a label is one line of a table)')).optional(),
  /** With database: postgres, the connections in each process's pool of the demo app (default: one per thread; 10 for an event loop). */
  pool: limited(LIMITS.pool).optional(),
  /** With database: postgres, gunicorn-gevent only: false leaves psycopg2 blocking each worker on its queries (default true: psycogreen). */
  cooperativeDriver: z.boolean().optional(),
  /** gunicorn and uWSGI: the master imports the app once and forks the workers from it (gunicorn --preload; uWSGI without --lazy-apps). */
  preload: z.boolean().optional(),
});

/** The user's own app: a WSGI callable, an ASGI app or a Node program; absent, bench's demo app. */
const appSchema = z.strictObject({
  /** module:callable, e.g. myproject.wsgi:application */
  wsgi: z.string().min(1).optional(),
  /** module:attribute of an ASGI app, e.g. main:app (FastAPI, Starlette) or myproject.asgi:application (Django) */
  asgi: z.string().min(1).optional(),
  /** The folder the module is imported from, relative to the scenario file (default: the scenario's folder). */
  dir: z.string().min(1).optional(),
  /** The interpreter, relative to the scenario file or on PATH (default: Debian's /usr/bin/python3). */
  python: z.string().min(1).optional(),
  /** A Node program that listens on $HOST:$PORT, relative to the scenario file. */
  node: z.string().min(1).optional(),
  /** Readiness path; it must answer 2xx (default /). */
  health: z.string().optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).superRefine(noControls('the name', 'remove it (the name heads every report)')).optional(),
  app: appSchema.optional(),
  description: z.string().optional(),
  /** Plain-language note on what the charts show, for reports. */
  notice: z.string().optional(),
  /** One path (or a list, each measured on its own) that every request GETs; or `requests:` instead. */
  path: z.union([requestPath, z.array(requestPath).nonempty()]).optional(),
  /** Instead of path: a weighted mix of requests, sent in proportion within every window. */
  requests: z
    .array(
      z.strictObject({
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
        path: requestPath,
        headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'an HTTP header name (letters, digits and -, as in content-type; no spaces, colons or control characters)' }), z.string().superRefine(noControls('a header value', 'remove it (a header value is one line of text; a tab is the one control character it may hold)', /[\0-\x08\x0a-\x1f\x7f]/))).default({}),
        body: z.string().optional(),
        weight: limited(LIMITS.weight).default(1),
      }),
    )
    .nonempty()
    .optional(),
  duration: limited(LIMITS.duration),
  warmup: limited(LIMITS.warmup).default(1),
  /** Seconds before an unanswered request counts as a timeout. */
  timeout: limited(LIMITS.timeout).default(30),
  /** Closed loop: the load levels, in clients; may be left out when rate is given. */
  concurrency: z.array(limited(LIMITS.concurrency)).nonempty().optional(),
  /** Open loop: offered loads in req/s; when given, each deployment is driven at these rates instead. */
  rate: z.array(limited(LIMITS.rate)).nonempty().optional(),
  /** The load engine: builtin (npm only) or wrk (native; closed loop only). */
  generator: z.enum(['builtin', 'wrk', 'locust']).default('builtin'),
  /** The machine (ssh destination, user@host) the deployments start on, as --server-host; default this one. */
  serverHost: z.string().min(1).optional(),
  /** Open loop: the most connections the generator may open at once (default 1000, or what ulimit -n allows). */
  maxConnections: limited(LIMITS.maxConnections).optional(),
  /** Measure every point this many times, in interleaved rounds; rows report medians. */
  repeat: limited(LIMITS.repeat).default(1),
  /** The deployment (label or kind) whose per-second timeline is charted first; every deployment's is charted. */
  timeline: z.string().min(1).optional(),
  /**
   * Slow clients beside the normal ones, each trickling its request at sendBytesPerSecond (padded
   * to about 3 s); a list of counts is a sweep, with xAxis: slow-clients.
   */
  slowClients: z
    .strictObject({
      count: z.union([limited(LIMITS.slowClients), z.array(limited(LIMITS.slowClients)).nonempty()]),
      sendBytesPerSecond: limited(LIMITS.slowClientBytesPerSecond),
    })
    .optional(),
  xAxis: z.enum(['concurrency', 'workers', 'slow-clients']).default('concurrency'),
  deployments: z.array(z.union([deploymentKind, deploymentObject])).nonempty(),
  /** A private PostgreSQL for the run, which the demo app's /db and /db-rows query (harness/database/). */
  database: z.enum(['postgres'], { message: 'the one database bench starts is postgres: a private PostgreSQL for the run' }).optional(),
  /** What happens to every deployment mid-window (a deployment's own `fault:` overrides it). */
  fault: faultSchema.optional(),
});

export type ScenarioFile = z.infer<typeof scenarioSchema>;
export type MixRequestEntry = NonNullable<ScenarioFile['requests']>[number];
export type DeploymentEntry = ScenarioFile['deployments'][number];
export type ScenarioFault = NonNullable<ScenarioFile['fault']>;
