import type { ProcessGroup, SpawnPlan } from '../process/group.js';
import type { ManagedProgram } from '../managers/managed-program.js';
import type { AppUnderTest, ConfigFileUse, DeployAction, EffectiveSettings, ManagerName, SettingValue } from '../results/types.js';
import type { DeploymentEntry, ScenarioFault } from '../scenario/schema.js';
import type { Software } from '../software/catalog.js';

/** nginx in front, as a scenario's `nginx:` tunes it; every field absent is nginx's default. */
export interface NginxSettings {
  /** Idle connections to the upstream each nginx worker keeps (`upstream { keepalive N; }`, with HTTP/1.1 upstream). */
  upstreamKeepalive?: number;
  /** proxy_buffering / uwsgi_buffering / fastcgi_buffering. */
  buffering?: 'on' | 'off';
  /** Further directives for the location block, each one line ending in ";". */
  directives?: string[];
}

/** Apache's prefork MPM serves each connection in a process of its own; event hands idle keep-alive connections to a listener thread. */
export type ApacheMpm = 'prefork' | 'event';

/**
 * Who answers GET /static/ (`static:`): the web server in front, from servers/static itself
 * ('web-server'), or the app, through the web server like any other request ('app', as when unsaid).
 */
export type StaticServer = 'web-server' | 'app';

/** What a scenario or `--deployments` asks for: a server kind and its settings. */
export interface DeploymentSpec {
  kind: string;
  workers: number;
  threads?: number;
  /** The web server in front: none, nginx, or Apache (mod_proxy_http). */
  proxy: 'none' | 'nginx' | 'apache';
  /** Apache's multi-processing module, with Apache in front or for apache-mod-wsgi; undefined: event (prefork for mod_wsgi's embedded mode). */
  mpm?: ApacheMpm;
  /** apache-mod-wsgi: the app inside Apache's own processes (embedded) or in mod_wsgi's daemon processes; undefined: embedded. */
  wsgiMode?: 'embedded' | 'daemon';
  /** A real supervisord runs the server (`manager: supervisord`): it restarts it and carries out deploys (harness/managers/). */
  manager?: 'supervisord';
  /** What happens to it mid-window: its own `fault:`, else the scenario's (harness/run/worker-crash.ts, harness/run/deploy-fault.ts). */
  fault?: ScenarioFault;
  /** external: where the server someone else started listens. */
  url?: string;
  /** external: a path that answers 2xx while the server is up (`health:`); undefined: the measured path, where any answer will do. */
  health?: string;
  /** Variables the scenario passes to the server on purpose, even ones bench removes otherwise. */
  env?: Record<string, string>;
  /** Extra command-line flags for the server (gunicorn, uWSGI, flask, or node's own). */
  args?: string[];
  /** The server's own config file (gunicorn.conf.py, uwsgi.ini) and what it sets: `config:`, `args: [-c, …]`, or the app folder's. */
  config?: ServerConfigFile;
  nginx?: NginxSettings;
  /** Who serves /static/ (`static:`, with a web server in front); undefined: the app, as any request, unsaid. */
  static?: StaticServer;
  /** The user's app; undefined: bench's demo app. */
  app?: AppUnderTest;
  /** The scenario's name for this deployment, instead of the label bench makes up. */
  label?: string;
  /** The run's private database (`database: postgres`), whose address the servers get (harness/database/). */
  database?: 'postgres';
  /** Connections in each process's pool of the demo app (`pool:`); undefined: the kind's default (harness/database/connections.ts). */
  pool?: number;
  /** A kind that chooses its driver (gevent): false runs psycopg2 as it is, blocking the whole worker on each query. */
  cooperativeDriver?: boolean;
  /**
   * The master imports the app once and forks its workers from it, sharing its pages copy-on-write
   * (gunicorn --preload; uWSGI without --lazy-apps); undefined or false: each worker imports it.
   */
  preload?: boolean;
}

/** Which apps a kind can host: bench's demo app, a user's WSGI app, a user's Node program. */
export type AppHost = 'demo' | 'wsgi' | 'asgi' | 'node';

/** How many requests a deployment can hold at once, in Little's-law terms. */
export type ConcurrencyModel = 'single' | 'prefork' | 'threads' | 'async' | 'process-per-request' | 'unknown';

/** What nginx speaks to the kind's own socket when it is in front. */
export type UpstreamProtocol = 'http' | 'uwsgi' | 'fastcgi';

export interface LaunchContext {
  host: string;
  port: number;
  /** Private (0700) folder for generated configs, sockets and logs; removed after the run. */
  tmpDir: string;
  /** nginx will be in front: listen with the kind's upstream protocol rather than plain HTTP. */
  behindNginx: boolean;
}

/** The pool a deployment sizes, and what it defaults to (workers:, threads:, preload:). */
export interface PoolSupport {
  /** The kind takes workers:, with this many worker processes when the deployment sets none; absent: one process (a threaded server such as waitress). */
  workers?: number;
  /**
   * The kind takes threads: per worker, this many when the deployment sets none, or none unless it
   * asks (uWSGI), or a new thread for each connection unless it sets threads: 1 (Django's
   * runserver, whose --nothreading serves one request at a time); absent: no threads.
   */
  threads?: number | 'when-asked' | 'per-connection';
  /** A master that can import the app once before it forks the workers (a deployment's `preload: true`). */
  preload?: 'master-imports-first';
  /** With one worker the server runs it in its own process, with no master beside it (hypercorn -w 1); absent: a master beside any number. */
  oneWorkerRunsAlone?: true;
}

/** Which web server a kind may or must have in front; a kind without these rules takes nginx or Apache when asked. */
export interface FrontRules {
  /** Always behind nginx, for the reason given: the kind cannot answer HTTP by itself (CGI: fcgiwrap answers FastCGI only). */
  required?: { front: 'nginx'; why: string };
  /** The kind is this web server itself (apache-mod-wsgi): `mpm:` chooses its MPM, and it does not go behind another of itself. */
  itself?: 'apache';
}

/** `args:`: flags of the server's own command line, and those a deployment may not pass. */
export interface ArgsSupport {
  /**
   * Flags `args:` may not hold, each with why: bench sets them itself (the address, the app, W and
   * T, which the label and the model describe), or they open a port that runs code.
   */
  forbidden?: Readonly<Record<string, string>>;
  /**
   * The flag an argument stands for in the server's own parser, when that parser takes more than the
   * flag itself (gunicorn's argparse reads "--work 8" as --workers and "-w8" as -w): what `forbidden`
   * is checked against. Without it, the argument's own flag.
   */
  flagOf?: (arg: string) => string;
}

/** An event loop's behaviour, where the model (Little's law per process) needs more than "async". */
export interface EventLoopTraits {
  /**
   * What a blocking wait in a handler does: stops the loop (time.sleep inside an async def under
   * uvicorn, a blocked thread in Node), so the demo's /io-blocking holds the whole process; or waits
   * cooperatively (gevent's worker patches time.sleep).
   */
  blockingWait: 'stops-the-loop' | 'cooperative';
  /**
   * Where a plain (sync) route of the app runs: in the framework's thread pool, so that the loop
   * serves on and the pool's size bounds how many run at once (Starlette and FastAPI under an ASGI
   * server: anyio's 40 threads); absent: on the loop itself, as a blocking wait (`blockingWait`).
   */
  syncRoutes?: 'thread-pool';
  /**
   * Its workers wait cooperatively for the database only if the driver does: under gevent, psycopg2
   * blocks the whole worker on every query unless psycogreen patches it. A deployment of such a kind
   * chooses (`cooperativeDriver`, default true).
   */
  databaseDriver?: 'deployment-chooses';
}

/** What a kind's own validate() is told about the deployment it checks. */
export interface KindCheckContext {
  /** Where the deployment is, to begin each message ("deployments[2]", "--deployments item 1"). */
  where: string;
  /** The web server in front, as the deployment asks for it (+nginx, +apache, proxy:). */
  proxy: DeploymentSpec['proxy'];
  /** The user's app; undefined: bench's demo app. */
  app: AppUnderTest | undefined;
  /** --allow-remote: load may go to addresses other than loopback. */
  allowRemote: boolean;
}

/** A deployment entry as the scenario or --deployments gives it, with its fields by name. */
export type DeploymentEntryObject = Exclude<DeploymentEntry, string>;

/**
 * One server kind: everything that differs between, say, node-prefork and gunicorn-sync. Starting,
 * readiness, teardown and the optional web server in front are shared (see launch.ts), so a kind
 * says which command to run, what it needs installed, what it can do (the optional capabilities
 * below), and checks the settings only it has rules for (validate).
 */
export interface ServerKind {
  name: string;
  /** One line for `bench list`. */
  summary: string;
  model: ConcurrencyModel;
  /** The pool a deployment sizes; absent: one process of one thread, whatever workers: and threads: say. */
  pool?: PoolSupport;
  /** Software outside npm the kind needs to run the demo app (nginx is added when it is in front). */
  requires: readonly Software[];
  /** What of `requires` only the demo app needs (its framework): a user's app brings its own, so it is not asked for then. */
  demoOnly?: readonly Software[];
  upstream: UpstreamProtocol;
  /** Which web server it may or must have in front; absent: nginx or Apache, when the deployment asks. */
  front?: FrontRules;
  /** 'attach': bench starts nothing, the server is already running at the deployment's url; absent: bench starts it (plan). */
  launch?: 'attach';
  /** The process manager the kind itself is (pm2, forever): it restarts the server and carries out deploys, as `manager: supervisord` does for the others. */
  managedBy?: ManagerName;
  /** With managedBy: the deploys its manager can carry out, and why not the others (a `fault: { deploy }` of the scenario's or the deployment's own). */
  deploys?: { can: readonly DeployAction[]; whyNot: string };
  /**
   * 'held': a worker (or thread) reads each request itself, however slowly it arrives, before it
   * serves it, so a slow client holds one for its whole trickle (gunicorn's sync and gthread
   * workers, uWSGI, the single-threaded Python servers). 'not-held': the requests are read on an
   * event loop (Node's parser, gevent's greenlets, uvicorn), holding nothing meanwhile.
   */
  slowClients?: 'held' | 'not-held';
  /** An event loop's traits the model needs (model 'async'). */
  eventLoop?: EventLoopTraits;
  /**
   * 'hup': SIGHUP to the process bench starts reloads the app gracefully, the master starting new
   * workers and retiring the old ones as they finish (gunicorn's arbiter, uWSGI's master): what a
   * `deploy: reload` sends under a manager; absent: the kind has no graceful reload.
   */
  reload?: 'hup';
  hosts: readonly AppHost[];
  /** `args:` for the server's own command line; absent: the kind takes none. */
  args?: ArgsSupport;
  /** The server reads a config file of its own, which a deployment may name (`config:`). */
  configFile?: ConfigFileSupport;
  /** `bench export` writes a deployment of the kind as this server's config file, or its command line where it has none (harness/export/); absent: it cannot be exported. */
  exportAs?: 'gunicorn' | 'uwsgi' | 'waitress' | 'hypercorn' | 'daphne';
  /** Reads back the settings the server runs with, from the command line it will start with (gunicorn --print-config). */
  effectiveSettings?(plan: SpawnPlan, spec: DeploymentSpec): Promise<EffectiveSettings>;
  /**
   * Checks the deployment's settings that only this kind has rules for, throwing a UsageError that
   * begins with ctx.where; returns the settings they resolve to (apache-mod-wsgi's MPM and mode,
   * an external server's url), which join the deployment's spec.
   */
  validate?(entry: DeploymentEntryObject, ctx: KindCheckContext): Partial<DeploymentSpec>;
  plan(spec: DeploymentSpec, ctx: LaunchContext): Promise<KindPlan>;
}

/** Whether `workers:` / `threads:` mean anything for a kind. */
export const takesWorkers = (kind: ServerKind): boolean => kind.pool?.workers !== undefined;
export const takesThreads = (kind: ServerKind): boolean => kind.pool?.threads !== undefined;

/** Worker processes when a deployment of the kind sets none: one for a kind without a pool. */
export const defaultWorkers = (kind: ServerKind): number => kind.pool?.workers ?? 1;

/** Processes of a pool besides the process bench starts: none where one worker runs alone. */
export const processesBesideLeader = (kind: ServerKind, workers: number): number => (workers === 1 && kind.pool?.oneWorkerRunsAlone ? 0 : workers);

/** Threads per worker when a deployment of the kind sets none; undefined: it runs none of its own. */
export const defaultThreads = (kind: ServerKind): number | undefined => (typeof kind.pool?.threads === 'number' ? kind.pool.threads : undefined);

/** Whether the deployment starts a thread for each connection, so that nothing but the clients bounds the requests it holds. */
export const threadPerConnection = (kind: ServerKind, spec: Pick<DeploymentSpec, 'threads'>): boolean =>
  kind.pool?.threads === 'per-connection' && spec.threads === undefined;

/** Whether a deployment of the kind chooses its database driver (`cooperativeDriver:`). */
export const choosesDriver = (kind: ServerKind): boolean => kind.eventLoop?.databaseDriver === 'deployment-chooses';

/** Whether nginx is in front of every deployment of the kind, asked or not. */
export const alwaysBehindNginx = (kind: ServerKind): boolean => kind.front?.required?.front === 'nginx';

/** How to start a kind's process; a CGI kind also names the program nginx hands each request to. */
export interface KindPlan extends SpawnPlan {
  cgiScript?: string;
  /** Where that program writes its CPU at exit (see exit-cpu-log.ts): fcgiwrap never waits for it. */
  exitCpuLog?: string;
  /** The Unix socket the kind listens on for nginx, where it does not listen on ctx.port. */
  socketPath?: string;
  /** The httpd.conf of a kind that is Apache itself (apache-mod-wsgi), for the report. */
  apacheConfig?: string;
  /** Folders the kind made outside the run's private folder (in liveTempDirs); removed once it has stopped. */
  ownFolders?: string[];
  /** A kind that is a process manager (pm2, forever): how bench asks it about the program it runs, once its leader has started. */
  manage?(leader: ProcessGroup): ManagedProgram;
}

/**
 * "node-prefork ×4", "gunicorn-sync+nginx ×4", "gunicorn-sync+apache-prefork ×4", "apache-mod-wsgi daemon ×2 (4 threads)", "gunicorn-gthread ×2 (4 threads)", "node-async";
 * with a database, what the scenario set: "gunicorn-gthread ×2 (4 threads, pool 1)",
 * "gunicorn-gevent ×2 (blocking driver)", "gunicorn-sync ×8 (preload)"; who serves /static/ when the scenario says:
 * "gunicorn-sync+nginx ×4 (static by nginx)", "… (static by the app)". A scenario's own `label:` replaces the kind's name (the
 * pool size still follows it).
 */
export function deploymentLabel(spec: DeploymentSpec, kind: ServerKind): string {
  if (kind.launch === 'attach' && spec.url) return spec.label ?? `external ${new URL(spec.url).host}`;
  let label = spec.label ?? spec.kind;
  if (spec.proxy === 'nginx' && !alwaysBehindNginx(kind) && !spec.label) label += '+nginx';
  // The MPM shows where it is not the default: "gunicorn-sync+apache-prefork ×4".
  if (spec.proxy === 'apache' && !spec.label) label += spec.mpm === 'prefork' ? '+apache-prefork' : '+apache';
  if (spec.wsgiMode === 'daemon' && !spec.label) label += spec.mpm === 'prefork' ? ' daemon (prefork)' : ' daemon';
  if (takesWorkers(kind)) label += ` ×${spec.workers}`;
  const settings = [
    ...(takesThreads(kind) && spec.threads !== undefined ? [`${spec.threads} thread${spec.threads === 1 ? '' : 's'}`] : []),
    ...(spec.pool !== undefined ? [`pool ${spec.pool}`] : []),
    ...(spec.cooperativeDriver === false ? ['blocking driver'] : []),
    ...(spec.static !== undefined ? [`static by ${spec.static === 'web-server' ? spec.proxy : 'the app'}`] : []),
    ...(spec.preload ? ['preload'] : []),
  ];
  if (settings.length > 0) label += ` (${settings.join(', ')})`;
  if (spec.manager) label += ` (${spec.manager})`;
  return label;
}

/** A server's own config file in a deployment, with what it sets as the server reads it. */
export interface ServerConfigFile extends ConfigFileUse, FileSettings {}

/** What a config file sets, by the server's setting names. */
export interface FileSettings {
  sets: Record<string, SettingValue>;
  /** Settings it sets to something that is no plain value (a hook such as post_fork, a dict): known by name only. */
  byNameOnly: string[];
}

/** What a file decides in bench's terms: the pool size, the threads, whether the master preloads the app. */
export interface FileDecides {
  workers?: number;
  threads?: number;
  preload?: boolean;
}

/** A kind whose server reads a config file of its own (`config:`): which, and what it means to bench. */
export interface ConfigFileSupport {
  /** What `config:` names for this kind, for messages: "gunicorn.conf.py". */
  fileName: string;
  /** The flags of `args:` that name one (gunicorn -c, --config; uWSGI --ini). */
  flags: readonly string[];
  /** The file the server reads from its working folder when none is named (gunicorn's ./gunicorn.conf.py). */
  readUnasked?: string;
  /** What the file sets; undefined when the server is not installed (the run skips the deployment then, saying so). */
  read(path: string, python: string | undefined, cwd: string): FileSettings | undefined;
  /** What it decides for bench's model and label; throws the reason a kind cannot run it, without the `where`. */
  decides(file: FileSettings, kind: ServerKind): FileDecides;
}
