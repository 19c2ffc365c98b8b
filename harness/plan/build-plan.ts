import { resolve } from 'node:path';
import { choosesDriver, defaultThreads, defaultWorkers, deploymentLabel, takesThreads, takesWorkers, type ApacheMpm, type DeploymentSpec, type KindCheckContext, type ServerKind } from '../deployments/kind.js';
import { closestKind, findKind, kindsTakingThreads, serverKinds } from '../deployments/kinds.js';
import { quoted } from '../formatting/quote.js';
import { LIMITS, refusal } from '../scenario/limits.js';
import { UsageError } from '../cli/errors.js';
import { refuseUnrunnableFaults } from './fault-refusals.js';
import type { GeneratorEngine, Placement, XAxis } from '../results/types.js';
import { scenarioBaseDir, type Scenario } from '../scenario/load.js';
import { CLI_APP_FIELDS, resolveApp, scenarioAppFields, type AppInput, type AppUnderTest } from '../app/app.js';
import type { DeploymentEntry } from '../scenario/schema.js';
import { checkDemoPaths, type NamedPath } from '../app/demo-paths.js';
import { checkOutDir } from '../results/out-folder.js';
import { apache2, asyncpg, flask, nginx, starlette, postgresql, psycogreen, psycopg2, softwareFor, supervisord, type Software } from '../software/catalog.js';
import { cooperativeDriver, takesPool } from '../database/connections.js';
import { configFileOf, settleWithFile } from '../deployments/config-file.js';
import { ENGINES } from '../load/measure.js';
import { checkManager } from './manager-rules.js';
import { defaultLocustWorkers, type LocustSettings } from '../load/locust/index.js';
import type { MixRequest } from '../load/engine.js';
import { openFilesLimit } from '../process/limits.js';
import { planPlacement, type PlacementMode } from '../process/placement.js';
import { planSlowClients, type PlannedSlowClients } from './slow-clients.js';
import { planServerHost, remotePlacement, type ServerHost } from './server-host.js';

/** What `bench run` flags may override; undefined means "as the scenario says". */
export interface RunOverrides {
  out?: string;
  duration?: number;
  warmup?: number;
  concurrency?: number[];
  workers?: number;
  threads?: number;
  path?: string;
  deployments?: string[];
  rate?: number[];
  repeat?: number;
  timeline?: string;
  quick?: boolean;
  /** A deployment whose software is missing fails the run instead of being skipped. */
  strict?: boolean;
  /** Write into a non-empty --out that holds no earlier run. */
  force?: boolean;
  /** Let load go to addresses other than loopback. */
  allowRemote?: boolean;
  generator?: GeneratorEngine;
  placement?: PlacementMode;
  /** Start a run of more than an hour without asking. */
  yes?: boolean;
  maxConnections?: number;
  /** --generator locust: local worker processes, and the address its master binds for workers elsewhere. */
  locustWorkers?: number;
  locustMasterBind?: { host: string; port: number };
  locustRemoteWorkers?: number;
  /** The user's app from --app/--app-dir/--python/--health, replacing the scenario's. */
  app?: AppInput;
  /** Start the deployments on this machine over ssh (and how to reach and run bench there). */
  serverHost?: string;
  sshConfig?: string;
  serverBench?: string;
}

export interface PlannedDeployment {
  spec: DeploymentSpec;
  kind: ServerKind;
  label: string;
}

/** Everything a run needs, resolved and validated: nothing is started before this exists. */
export interface Plan {
  scenario: Scenario;
  outDir: string;
  /** The folder is bench's own choice (results/SCENARIO-TIME), not --out. */
  outDirIsDefault: boolean;
  durationS: number;
  warmupS: number;
  timeoutS: number;
  xAxis: XAxis;
  paths: string[];
  concurrency: number[];
  /** Open-loop offered loads (req/s); empty for a closed-loop run. */
  rates: number[];
  /** Open loop: the most connections the generator may open at once. */
  maxConnections: number;
  generator: GeneratorEngine;
  /** generator locust: its workers and its master's address. */
  locust?: LocustSettings;
  /** Where the deployments and the generator run: separate cores, or shared. */
  placement: Placement;
  repeat: number;
  timelineDeployment?: string;
  deployments: PlannedDeployment[];
  /** The user's app; undefined: bench's demo app. */
  app?: AppUnderTest;
  /** A weighted mix of requests instead of GET path (paths then holds the mix's name). */
  requests?: MixRequest[];
  /** Slow clients beside the load: one count at every level, or the levels themselves (xAxis: slow-clients). */
  slowClients?: PlannedSlowClients;
  /** A private PostgreSQL for the run's deployments. */
  database?: 'postgres';
  strict: boolean;
  allowRemote: boolean;
  /** The machine the deployments start on over ssh (--server-host); undefined: this one. */
  serverHost?: ServerHost;
  /** Warm each level up until its queue has formed (off with --quick, whose latencies are coarse). */
  fillQueue: boolean;
}

/** --quick: short windows at three load levels, for a first look (counts are coarser). */
const QUICK = { durationS: 0.6, warmupS: 0.2 };

/** The user's app, from --app flags (relative to the current folder) or else the scenario's `app:` (relative to its file). */
export function resolvePlanApp(scenario: Scenario, overrides: Pick<RunOverrides, 'app' | 'deployments'>): AppUnderTest | undefined {
  // Imported as each deployment will import it, with its env:.
  const envs = (overrides.deployments ?? scenario.deployments).map((entry) => (typeof entry === 'string' ? {} : (entry.env ?? {})));
  if (overrides.app) return resolveApp(overrides.app, process.cwd(), CLI_APP_FIELDS, envs);
  return scenario.app && resolveApp(scenario.app, scenarioBaseDir(scenario.file), scenarioAppFields(scenario.file), envs);
}

export function buildPlan(scenario: Scenario, overrides: RunOverrides, now = new Date()): Plan {
  const app = resolvePlanApp(scenario, overrides);
  const entries: DeploymentEntry[] = overrides.deployments ?? scenario.deployments;
  const deployments = entries.flatMap((entry, i) =>
    expandDeployment(entry, overrides.deployments ? `--deployments item ${i + 1}` : `deployments[${i}]`, overrides, app, scenario.database),
  );
  // A deployment's own fault: overrides the scenario's.
  for (const { spec } of deployments) if (!spec.fault && scenario.fault) spec.fault = scenario.fault;
  // An open-loop scenario (rate:) may give no concurrency: its levels are rates.
  let concurrency = [...(overrides.concurrency ?? scenario.concurrency ?? [])];
  rejectDuplicates(concurrency.map(String), overrides.concurrency ? '--concurrency' : 'concurrency', 'level');
  rejectDuplicates((overrides.rate ?? scenario.rate ?? []).map(String), overrides.rate ? '--rate' : 'rate', 'rate');
  if (overrides.quick && !overrides.concurrency) concurrency = threeLevels(concurrency);
  rejectSameLabels(deployments, overrides.deployments ? '--deployments' : 'deployments');
  // A scenario's own timeline choice may name a deployment that --deployments replaced.
  const timelineWanted =
    overrides.timeline ?? (overrides.deployments && !deployments.some((d) => d.label === scenario.timeline || d.spec.kind === scenario.timeline) ? undefined : scenario.timeline);
  const timelineDeployment = resolveTimeline(timelineWanted, deployments, overrides.timeline ? '--timeline' : 'timeline');
  let rates = [...(overrides.rate ?? scenario.rate ?? [])];
  const slowClients = planSlowClients(scenario.slowClients, {
    xAxis: scenario.xAxis,
    concurrency: overrides.concurrency ?? scenario.concurrency ?? [],
    concurrencyWhere: overrides.concurrency ? '--concurrency' : 'concurrency',
    rates,
    rateWhere: overrides.rate ? '--rate' : 'rate',
  });
  if (overrides.quick && !overrides.rate) rates = threeLevels(rates);
  if (overrides.quick && slowClients) slowClients.counts = threeLevels(slowClients.counts);
  const outDir = resolve(overrides.out ?? defaultOutDir(scenario.name, now));
  const generator = overrides.generator ?? scenario.generator;
  const unavailable = ENGINES[generator].unavailable({
    openLoop: rates.length > 0,
    mix: scenario.requests !== undefined && !overrides.path,
    slowClients: slowClients !== undefined,
  });
  for (const { spec, kind, label } of deployments) checkManager(spec, kind, label);
  refuseUnrunnableFaults(deployments, generator, overrides.generator ? '--generator' : 'generator:');
  if (unavailable) throw new UsageError(`${overrides.generator ? '--generator' : 'generator:'} ${generator}: ${unavailable}`);
  const locust = locustSettings(generator, overrides);
  const maxConnections = overrides.maxConnections ?? scenario.maxConnections ?? defaultMaxConnections();
  // Each slow client holds a connection of its own beside the load's.
  const slowConnections = Math.max(0, ...(slowClients?.counts ?? []));
  checkOpenFiles((rates.length > 0 ? maxConnections : Math.max(...concurrency)) + slowConnections, rates.length > 0 ? (overrides.maxConnections ? '--max-connections' : 'maxConnections') : overrides.concurrency ? '--concurrency' : 'concurrency');
  const durationS = overrides.duration ?? (overrides.quick ? QUICK.durationS : scenario.duration);
  if (!app && deployments.some((d) => d.kind.launch !== 'attach')) {
    checkDemoPaths(requestedPaths(scenario, overrides), {
      timeoutS: scenario.timeout,
      timeoutWhere: 'timeout',
      durationS,
      durationWhere: overrides.duration ? '--duration' : overrides.quick ? '--quick' : 'duration',
    });
  }
  const server = planServerHost(scenario, overrides, deployments);
  if (server && scenario.database) {
    throw new UsageError(`${overrides.serverHost ? '--server-host' : 'serverHost:'}: database: postgres starts PostgreSQL on this machine, on a Unix socket the server machine cannot reach; run this scenario without a server host`);
  }
  // A default folder is claimed afresh when the run starts (a second run in the same second gets -2).
  if (overrides.out !== undefined) checkOutDir(outDir, overrides.force ?? false);
  return {
    scenario,
    outDir,
    outDirIsDefault: overrides.out === undefined,
    durationS,
    warmupS: overrides.warmup ?? (overrides.quick ? QUICK.warmupS : scenario.warmup),
    timeoutS: scenario.timeout,
    xAxis: scenario.xAxis,
    // A mix is measured as one point per level, under its own name; --path replaces it.
    paths: overrides.path ? [overrides.path] : scenario.requests ? [mixLabel(scenario.requests)] : [scenario.path ?? '/'].flat(),
    ...(scenario.requests && !overrides.path && { requests: scenario.requests }),
    ...(slowClients && { slowClients }),
    concurrency,
    rates,
    maxConnections,
    generator,
    ...(locust && { locust }),
    placement: server ? remotePlacement() : planPlacement(overrides.placement ?? 'separate'),
    repeat: overrides.repeat ?? scenario.repeat,
    ...(timelineDeployment && { timelineDeployment }),
    deployments,
    ...(app && { app }),
    ...(scenario.database && { database: scenario.database }),
    strict: overrides.strict ?? false,
    allowRemote: overrides.allowRemote ?? false,
    ...(server && { serverHost: server }),
    fillQueue: !overrides.quick,
  };
}

export function expandDeployment(
  entry: DeploymentEntry,
  where: string,
  overrides: RunOverrides,
  app: AppUnderTest | undefined,
  database?: 'postgres',
): PlannedDeployment[] {
  const object = typeof entry === 'string' ? { kind: entry } : entry;
  const [kindName = '', suffix] = object.kind.split('+');
  const kind = findKind(kindName);
  if (!kind) {
    const guess = closestKind(kindName);
    throw new UsageError(
      `${where}: unknown deployment kind ${quoted(kindName)}` +
        (guess ? `; did you mean "${guess}"?` : `; known kinds: ${serverKinds.map((k) => k.name).join(', ')}`),
    );
  }
  const [front, suffixMpm] = (suffix ?? '').split('-');
  if (suffix !== undefined && suffix !== 'nginx' && !(front === 'apache' && [undefined, 'prefork', 'event'].includes(suffixMpm))) {
    throw new UsageError(`${where}: ${quoted(object.kind)}: the suffixes are +nginx and +apache (+apache-prefork, +apache-event), e.g. gunicorn-sync+nginx`);
  }
  if (suffixMpm && object.mpm && suffixMpm !== object.mpm) {
    throw new UsageError(`${where}: mpm: ${object.mpm} and "${object.kind}" name two MPMs; keep one`);
  }
  const proxy = kind.front?.required?.front ?? (front === 'nginx' || front === 'apache' ? front : (object.proxy ?? 'none'));
  checkFront(kind, front === 'apache' || object.proxy === 'apache', where);
  checkStatic(object, kind, proxy, app, where);
  const context = { where, proxy, app, allowRemote: overrides.allowRemote ?? false };
  if (kind.launch === 'attach') return [attachedDeployment(object, kind, context)];
  if ('url' in object && object.url !== undefined) throw new UsageError(`${where}: url is for kind external only`);
  if ('health' in object && object.health !== undefined) {
    throw new UsageError(`${where}: health: is for kind external only; the app bench starts gives its readiness path as app.health (--health)`);
  }
  if (!takesThreads(kind) && object.threads !== undefined) {
    throw new UsageError(`${where}: ${kind.name} does not take threads (${kindsTakingThreads()} do)`);
  }
  checkHostsApp(kind, app, where);
  if (object.args && !kind.args) {
    throw new UsageError(`${where}: args: ${kind.name} takes no extra flags (${serverKinds.filter((k) => k.args).map((k) => k.name).join(', ')} do)`);
  }
  for (const arg of object.args ?? []) {
    const own = arg.split('=')[0]!;
    const flag = kind.args?.flagOf?.(arg) ?? own;
    const why = kind.args?.forbidden?.[flag];
    const readAs = flag === own ? '' : ` (${kind.name} reads it as ${flag})`;
    if (why) throw new UsageError(`${where}: args: "${arg}"${readAs}: ${why}; remove it`);
  }
  const { config, args } = configFileOf(object, kind, app, where);
  const listenVariable = Object.keys(object.env ?? {}).find((name) => name === 'HOST' || name === 'PORT');
  if (listenVariable) throw new UsageError(`${where}: env: ${listenVariable} is bench's to set: it tells the server to listen on a free loopback port`);
  const withMpm = { ...object, ...(suffixMpm && { mpm: suffixMpm as ApacheMpm }) };
  // What the kind's own rules resolve (mod_wsgi's MPM and mode) joins the spec after bench's own settings.
  const kindSettings = { ...apacheInFront(withMpm, kind, proxy, where), ...kind.validate?.(withMpm, context) };
  if (object.nginx && proxy !== 'nginx') {
    throw new UsageError(`${where}: nginx: these settings are for nginx in front; use ${kind.name}+nginx`);
  }
  if (object.nginx?.upstreamKeepalive !== undefined && kind.upstream !== 'http') {
    throw new UsageError(`${where}: nginx.upstreamKeepalive: nginx keeps upstream connections alive over HTTP only, and ${kind.name} behind nginx speaks ${kind.upstream}`);
  }
  const askedWorkers = overrides.workers ?? object.workers;
  const askedThreads = overrides.threads ?? object.threads;
  const fromFile = settleWithFile(config, kind, {
    ...(askedWorkers !== undefined && { workers: { values: [askedWorkers].flat(), field: overrides.workers !== undefined ? '--workers' : 'workers:' } }),
    ...(askedThreads !== undefined && { threads: { value: askedThreads, field: overrides.threads !== undefined ? '--threads' : 'threads:' } }),
    ...(object.preload !== undefined && { preload: object.preload }),
  }, where);
  // The file's pool is held to the same limits as workers: and --workers.
  for (const setting of ['workers', 'threads'] as const) {
    const why = fromFile[setting] === undefined ? undefined : refusal(LIMITS[setting], fromFile[setting]);
    if (why) throw new UsageError(`${where}: ${config?.path} sets ${setting} = ${fromFile[setting]}: ${why}`);
  }
  const sizes = takesWorkers(kind) ? [askedWorkers ?? fromFile.workers ?? defaultWorkers(kind)].flat() : [1];
  // mod_wsgi's embedded mode runs no threads of its own, whatever its daemon mode would.
  const threads = takesThreads(kind) && kindSettings.wsgiMode !== 'embedded' ? (askedThreads ?? fromFile.threads ?? defaultThreads(kind)) : undefined;
  if (kind.pool?.threads === 'per-connection' && threads !== undefined && threads !== 1) {
    throw new UsageError(`${where}: ${kind.name} starts a thread for each connection, or serves one request at a time with threads: 1; it has no pool of ${threads} threads to size: set threads to 1 or remove it`);
  }
  const preload = object.preload ?? fromFile.preload;
  checkDatabaseSettings(object, kind, threads, app, database, where);
  if (object.preload !== undefined && !kind.pool?.preload) {
    const preloaders = serverKinds.filter((k) => k.pool?.preload).map((k) => k.name).join(', ');
    throw new UsageError(`${where}: preload: ${kind.name} has no master that imports the app before forking workers (${preloaders} do); remove it`);
  }
  return sizes.map((workers) => {
    const spec: DeploymentSpec = {
      kind: kind.name,
      workers,
      proxy,
      ...(threads !== undefined && { threads }),
      ...(database && { database }),
      ...(object.pool !== undefined && { pool: object.pool }),
      ...(object.cooperativeDriver !== undefined && { cooperativeDriver: object.cooperativeDriver }),
      ...(preload !== undefined && { preload }),
      ...(object.manager && { manager: object.manager }),
      ...(object.fault && { fault: object.fault }),
      ...(object.env && { env: object.env }),
      ...(args && { args }),
      ...(config && { config }),
      ...(object.nginx && { nginx: object.nginx }),
      ...kindSettings,
      ...(object.static && { static: object.static }),
      ...(object.label && { label: object.label }),
      ...(app && { app }),
    };
    return { spec, kind, label: deploymentLabel(spec, kind) };
  });
}

/**
 * `mpm:` chooses the MPM of an Apache in front, and `mode:` is mod_wsgi's: refused where they mean
 * nothing. A kind that is Apache itself checks both in its own validate().
 */
function apacheInFront(object: { mpm?: ApacheMpm; mode?: 'embedded' | 'daemon' }, kind: ServerKind, proxy: DeploymentSpec['proxy'], where: string): Pick<DeploymentSpec, 'mpm'> {
  const apacheItself = kind.front?.itself === 'apache';
  if (object.mpm && proxy !== 'apache' && !apacheItself) {
    throw new UsageError(`${where}: mpm: chooses Apache's MPM, and ${kind.name} has no Apache; use ${kind.name}+apache or kind apache-mod-wsgi, or remove mpm`);
  }
  if (object.mode && !apacheItself) throw new UsageError(`${where}: mode: is mod_wsgi's (embedded or daemon), for kind apache-mod-wsgi only; remove it`);
  return object.mpm ? { mpm: object.mpm } : {};
}

/** Apache in front of a kind that is Apache itself, or that nginx must front. */
function checkFront(kind: ServerKind, asksApache: boolean, where: string): void {
  const why = kind.front?.itself === 'apache' ? `${kind.name} is Apache itself` : kind.front?.required ? `${kind.name} runs behind ${kind.front.required.front} (${kind.front.required.why})` : undefined;
  if (asksApache && why) throw new UsageError(`${where}: ${kind.name}+apache: ${why}; remove +apache`);
}

/** `static:` chooses between the web server in front and the demo app, for the demo's own files: it needs both. */
function checkStatic(object: { static?: string }, kind: ServerKind, proxy: string, app: AppUnderTest | undefined, where: string): void {
  if (object.static === undefined) return;
  if (proxy === 'none') {
    throw new UsageError(
      `${where}: static: who serves /static/ is a choice only with a web server in front, and ${kind.name} answers every request itself; ` +
        `use ${kind.launch === 'attach' ? 'a kind bench starts, with +nginx or +apache' : `${kind.name}+nginx or ${kind.name}+apache`}, or remove static`,
    );
  }
  if (app) throw new UsageError(`${where}: static: /static/ is the demo app's, serving bench's files (servers/static), and your app serves its own paths; remove static`);
}

/** `pool:` and `cooperativeDriver:` size and choose the demo app's connections to the run's database: only where they mean something. */
function checkDatabaseSettings(
  object: { pool?: number; cooperativeDriver?: boolean },
  kind: ServerKind,
  threads: number | undefined,
  app: AppUnderTest | undefined,
  database: 'postgres' | undefined,
  where: string,
): void {
  const field = object.pool !== undefined ? 'pool' : object.cooperativeDriver !== undefined ? 'cooperativeDriver' : undefined;
  if (field === undefined) return;
  if (!database) throw new UsageError(`${where}: ${field}: connections to a database need one; add database: postgres to the scenario, or remove ${field}`);
  if (app) throw new UsageError(`${where}: ${field}: this sets the demo app's connections to the database, and your app makes its own; remove it`);
  if (object.cooperativeDriver !== undefined && !choosesDriver(kind)) {
    const choosers = serverKinds.filter(choosesDriver).map((k) => k.name).join(', ');
    throw new UsageError(
      `${where}: cooperativeDriver: only ${choosers} chooses its driver (psycogreen makes psycopg2 wait cooperatively under gevent); ` +
        `${kind.name} waits for a query the same way with any driver; remove it`,
    );
  }
  if (object.pool !== undefined && !takesPool(kind, { threads })) {
    throw new UsageError(
      `${where}: pool: each process of ${kind.name}${threads === 1 ? ' (1 thread)' : ''} serves one request at a time, so it holds one connection; ` +
        'a pool is for processes that serve several at once (threads: gunicorn-gthread, uwsgi with threads; an event loop: gunicorn-gevent, node-async)',
    );
  }
}

/** A kind that cannot serve the run's app (the demo's Node shapes a WSGI app, gunicorn a Node program) is a bad scenario. */
function checkHostsApp(kind: ServerKind, app: AppUnderTest | undefined, where: string): void {
  const wanted = app?.kind ?? 'demo';
  if (kind.hosts.includes(wanted)) return;
  const able = serverKinds.filter((k) => k.launch !== 'attach' && k.hosts.includes(wanted)).map((k) => k.name);
  const named = app?.kind === 'wsgi' ? app.wsgi : app?.kind === 'asgi' ? [app.asgi, app.facts?.framework].filter(Boolean).join(', ') : undefined;
  const what = { demo: "bench's demo app", wsgi: 'a WSGI app', asgi: 'an ASGI app', node: 'a Node program' }[wanted] + (named ? ` (${named})` : '');
  const why = kind.hosts.includes('demo') && !kind.hosts.includes('wsgi') && !kind.hosts.includes('asgi') && !kind.hosts.includes('node') ? ` (it is a shape of bench's demo server)` : '';
  // A kind for users' apps alone (django-runserver) asked to run the demo: the fix is the app.
  const fix = wanted === 'demo' ? `; to measure your own app under ${kind.name}, name it with --app module:callable (app: in a scenario)` : '';
  throw new UsageError(`${where}: ${kind.name} cannot host ${what}${why}; the kinds that can: ${able.join(', ')}${fix}`);
}

/** A server bench does not start: its kind checks the deployment (its url), and nothing is sized or put in front. */
function attachedDeployment(object: Exclude<DeploymentEntry, string>, kind: ServerKind, context: KindCheckContext): PlannedDeployment {
  const spec: DeploymentSpec = {
    kind: kind.name,
    workers: 1,
    proxy: 'none',
    ...kind.validate?.(object, context),
    ...(object.label && { label: object.label }),
  };
  return { spec, kind, label: deploymentLabel(spec, kind) };
}

/** Software a planned deployment needs beyond npm: its kind's, plus nginx or Apache when one is in front. */
export function requiredSoftware(planned: PlannedDeployment): Software[] {
  const app = planned.spec.app;
  // A user's app needs only what hosts it, in its own interpreter: not the demo app's framework.
  const needed = planned.kind.requires
    .filter((s) => !app || !planned.kind.demoOnly?.includes(s))
    .map((s) => softwareFor(s, app && app.kind !== 'node' ? app.python : undefined));
  if (planned.spec.proxy === 'nginx' && !needed.includes(nginx)) needed.push(nginx);
  if (planned.spec.proxy === 'apache') needed.push(apache2);
  if (planned.spec.manager === 'supervisord') needed.push(supervisord);
  if (planned.spec.database) {
    needed.push(postgresql);
    // The demo Flask app's driver, made cooperative under gevent; a user's app brings its own.
    if (!app && planned.kind.requires.includes(flask)) needed.push(psycopg2, ...(cooperativeDriver(planned.kind, planned.spec) ? [psycogreen] : []));
    // The ASGI demo app's async driver.
    if (!app && planned.kind.requires.includes(starlette)) needed.push(asyncpg);
  }
  return needed;
}

/** Every path the run requests, named by where it came from. */
function requestedPaths(scenario: Scenario, overrides: RunOverrides): NamedPath[] {
  if (overrides.path) return [{ path: overrides.path, where: '--path' }];
  if (scenario.requests) return scenario.requests.map((r, i) => ({ path: r.path, where: `requests[${i}].path` }));
  const paths = [scenario.path ?? '/'].flat();
  return paths.map((path, i) => ({ path, where: Array.isArray(scenario.path) ? `path[${i}]` : 'path' }));
}

/** "mix: GET /api/items?page=2 ×3, POST /api/items ×1": a mix's name in rows, tables and charts. */
export function mixLabel(requests: MixRequest[]): string {
  return `mix: ${requests.map((r) => `${r.method} ${r.path} ×${r.weight}`).join(', ')}`;
}

/** The same deployment or level twice would be merged as if it were a repeat. */
function rejectDuplicates(values: string[], where: string, what: string): void {
  const twice = values.find((v, i) => values.indexOf(v) !== i);
  if (twice !== undefined) {
    throw new UsageError(`${where}: the ${what} ${twice} is listed twice; list it once (use --repeat to measure it again)`);
  }
}

/**
 * Rows, charts and --timeline tell deployments apart by label. The same deployment twice would be
 * merged as if it were a repeat; two that differ in settings the label does not show (env:, args:,
 * nginx:) are a fair comparison that needs a label of its own for each.
 */
function rejectSameLabels(deployments: PlannedDeployment[], where: string): void {
  deployments.forEach((d, i) => {
    const other = deployments.slice(0, i).find((o) => o.label === d.label);
    if (!other) return;
    const fields = [...new Set([...Object.keys(d.spec), ...Object.keys(other.spec)])].filter(
      (field) => JSON.stringify(d.spec[field as keyof DeploymentSpec]) !== JSON.stringify(other.spec[field as keyof DeploymentSpec]),
    );
    if (fields.length === 0) rejectDuplicates([other.label, d.label], where, 'deployment');
    // Names only: env: values may be secrets, which never reach a message or a report.
    const env = fields.includes('env') ? ` (${envNamesThatDiffer(d.spec.env, other.spec.env).join(', ')})` : '';
    throw new UsageError(
      `${where}: two deployments are both labelled ${quoted(d.label)} and differ in ${fields.map((f) => (f === 'env' ? `env${env}` : f)).join(' and ')}; ` +
        'give each a label: of its own (e.g. label: "gthread keep-alive 5") so that rows and charts tell them apart',
    );
  });
}

function envNamesThatDiffer(a: Record<string, string> = {}, b: Record<string, string> = {}): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((name) => a[name] !== b[name]).sort();
}

/** A deployment label, or a kind name standing for its first deployment. */
function resolveTimeline(wanted: string | undefined, deployments: PlannedDeployment[], where: string): string | undefined {
  if (wanted === undefined) return undefined;
  const found = deployments.find((d) => d.label === wanted) ?? deployments.find((d) => d.spec.kind === wanted);
  if (!found) {
    throw new UsageError(`${where}: no deployment ${quoted(wanted)} in this run; the run has: ${deployments.map((d) => d.label).join(', ')}`);
  }
  return found.label;
}

/** The lowest, a middle and the highest level: enough to see each curve's shape. */
function threeLevels(levels: number[]): number[] {
  if (levels.length <= 3) return levels;
  return [levels[0]!, levels[Math.ceil((levels.length - 1) / 2)]!, levels[levels.length - 1]!];
}

/** Locust's workers and master address, which mean nothing to the other engines. */
function locustSettings(generator: GeneratorEngine, overrides: RunOverrides): LocustSettings | undefined {
  if (generator !== 'locust') {
    const flag =
      overrides.locustWorkers !== undefined ? '--locust-workers' : overrides.locustMasterBind ? '--locust-master-bind' : overrides.locustRemoteWorkers !== undefined ? '--locust-remote-workers' : undefined;
    if (flag) throw new UsageError(`${flag}: only with --generator locust (or generator: locust in the scenario)`);
    return undefined;
  }
  if (overrides.locustRemoteWorkers && !overrides.locustMasterBind) {
    throw new UsageError('--locust-remote-workers: workers on other machines reach the master only at an address given with --locust-master-bind HOST:PORT');
  }
  const settings = {
    workers: overrides.locustWorkers ?? defaultLocustWorkers(),
    ...(overrides.locustMasterBind && { masterBind: overrides.locustMasterBind }),
    ...(overrides.locustRemoteWorkers && { remoteWorkers: overrides.locustRemoteWorkers }),
  };
  if (settings.workers + (settings.remoteWorkers ?? 0) === 0) throw new UsageError('--locust-workers 0: with no worker here, give --locust-remote-workers N for the ones joining from elsewhere');
  return settings;
}

function defaultOutDir(scenario: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  // The name comes from a scenario file: keep it to one harmless path segment.
  const safe = scenario.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'run';
  return `results/${safe}-${stamp}`;
}

/** File descriptors bench keeps for itself (logs, pipes, the sampler's /proc reads). */
const RESERVED_FDS = 64;

/** Open loop's cap when none is asked for: 1,000, or fewer when ulimit -n allows fewer. */
function defaultMaxConnections(): number {
  const limit = openFilesLimit();
  return limit === undefined ? DEFAULT_MAX_CONNECTIONS : Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS, limit - RESERVED_FDS));
}

const DEFAULT_MAX_CONNECTIONS = 1000;

/** Every connection is a file descriptor in the generator: more than `ulimit -n` allows would fail mid-run. */
function checkOpenFiles(connections: number, where: string): void {
  const limit = openFilesLimit();
  if (limit === undefined || connections + RESERVED_FDS <= limit) return;
  throw new UsageError(
    `${where}: ${connections} connections need ${connections + RESERVED_FDS} open files, but ulimit -n is ${limit}; ` +
      `raise it (ulimit -n ${connections + RESERVED_FDS}) or ask for fewer connections`,
  );
}

/** Roughly how long the plan takes: every window and warm-up, and a second per deployment start. */
export function estimateSeconds(plan: Plan, deployments = plan.deployments.length): number {
  const levels = plan.xAxis === 'slow-clients' ? (plan.slowClients?.counts.length ?? 0) : plan.rates.length > 0 ? plan.rates.length : plan.concurrency.length;
  const points = deployments * plan.paths.length * levels * plan.repeat;
  return points * (plan.durationS + plan.warmupS) + deployments * plan.repeat;
}
