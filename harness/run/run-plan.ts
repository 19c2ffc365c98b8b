import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toRow, type Level, type MeasuredService, type PointSamples, type Sample } from '../results/aggregate.js';
import { configFileLine } from '../deployments/config-file.js';
import { launch, sampledGroups, type RunningDeployment } from '../deployments/launch.js';
import { deathOf, exitedServer } from '../deployments/liveness.js';
import { describeEnvironment, softwareVersions } from '../software/environment.js';
import { injectWorkerCrash } from './worker-crash.js';
import { measurePoint } from '../load/measure.js';
import { describeGeneratorChanges } from '../load/generator-changes.js';
import { UsageError } from '../cli/errors.js';
import { withLocustCluster } from '../load/locust/index.js';
import type { MixRequest } from '../load/engine.js';
import { saveResults } from '../results/out-folder.js';
import { liveTempDirs } from '../process/registry.js';
import { estimateSeconds, mixLabel, requiredSoftware, type Plan, type PlannedDeployment } from '../plan/build-plan.js';
import { formatSeconds, type Progress } from './progress.js';
import { SCHEMA_VERSION, type NetworkUse, type RunResults } from '../results/types.js';
import { INSTALL_SCRIPT, installCommand, locust, missingSoftware } from '../software/catalog.js';
import { databaseEnvironment } from '../database/connections.js';
import { startPostgres, type RunningPostgres } from '../database/postgres.js';
import { farSideLoad, recordServerMachine } from '../remote/far-side.js';
import { describeNetwork, measureNetwork } from '../remote/network.js';
import { launchRemote } from '../remote/remote-deployment.js';
import { countsDemoAnswers } from '../shared-state/count-sequences.js';

export interface RunContext {
  progress: Progress;
  /** Aborted on SIGINT/SIGTERM: the run stops measuring, tears down and keeps what it has. */
  signal: AbortSignal;
  readyTimeoutMs?: number;
}

/**
 * Runs every deployment × path × load level of the plan, `repeat` times in interleaved rounds
 * (A B A B, so that drift over the run hits every deployment alike), saving results.json after
 * every point.
 */
export async function runPlan(plan: Plan, ctx: RunContext): Promise<RunResults> {
  const run = newRun(plan);
  let runnable = await prepareDeployments(plan, run, ctx.progress);
  const levels = loadLevels(plan);
  const pointsPerDeployment = plan.paths.length * levels.length;
  ctx.progress.say(
    `${plan.scenario.name}: ${runnable.length} deployments × ${pointsPerDeployment} points` +
      (plan.repeat > 1 ? ` × ${plan.repeat} repeats` : '') +
      `, about ${formatSeconds(estimateSeconds(plan, runnable.length))}; results in ${plan.outDir}`,
  );
  const record = pointRecorder(plan, run);
  await withPrivateTmpDir(ctx, (tmpDir) =>
    withLocustCluster(plan.locust, () =>
      withDatabase(plan, runnable, run, { ...ctx, tmpDir }, async (database) => {
        for (let round = 1; round <= plan.repeat && !ctx.signal.aborted; round++) {
          for (const [i, planned] of runnable.entries()) {
            if (ctx.signal.aborted) break;
            const step =
              `[${i + 1}/${runnable.length}${plan.repeat > 1 ? `, round ${round}/${plan.repeat}` : ''}] ${planned.label}`;
            await runDeployment(plan, planned, levels, { ...ctx, step, tmpDir, run, record, ...(database && { database }) });
          }
          // A deployment that could not start, or died, is not tried again in later rounds.
          runnable = runnable.filter((p) => !run.failures.some((f) => f.deployment === p.label));
        }
      }),
    ),
  );
  return finishRun(plan, run, ctx);
}

/** A run's results before anything is measured: the scenario, the environment and the settings. */
export function newRun(plan: Plan): RunResults {
  return {
    schemaVersion: SCHEMA_VERSION,
    scenario: plan.scenario.name,
    title: plan.scenario.title,
    ...(plan.scenario.description && { description: plan.scenario.description }),
    ...(plan.scenario.notice && { notice: noticeFor(plan) }),
    startedAt: new Date().toISOString(),
    complete: false,
    environment: describeEnvironment(),
    settings: {
      xAxis: plan.xAxis,
      durationS: plan.durationS,
      warmupS: plan.warmupS,
      timeoutS: plan.timeoutS,
      quick: !plan.fillQueue,
      generator: plan.generator,
      ...(plan.locust && { locust: plan.locust }),
      placement: plan.placement,
      maxConnections: plan.maxConnections,
      concurrency: plan.concurrency,
      rates: plan.rates,
      repeat: plan.repeat,
      paths: plan.paths,
      deployments: plan.deployments.map((d) => d.label),
      ...(plan.timelineDeployment && { timelineDeployment: plan.timelineDeployment }),
      ...(plan.app && { app: plan.app }),
      ...(plan.requests && { requests: plan.requests }),
      ...(plan.slowClients && { slowClients: plan.slowClients }),
      ...(plan.database && { database: plan.database }),
      ...(plan.serverHost && { serverHost: plan.serverHost.destination }),
    },
    results: [],
    failures: [],
    skipped: [],
  };
}

/**
 * Saves the run's first results.json, says which environment variables the servers do not get,
 * sets aside deployments whose software is missing and records the versions of the rest.
 * Returns the deployments that can run.
 */
export async function prepareDeployments(plan: Plan, run: RunResults, progress: Progress): Promise<PlannedDeployment[]> {
  saveResults(run, plan.outDir);
  const removed = run.environment.serverEnvironment.removed;
  if (removed.length > 0) {
    progress.say(
      `not passing ${removed.join(', ')} from your environment to the servers: ${removed.length === 1 ? 'it reconfigures' : 'they reconfigure'} ` +
        'the server under test; a scenario passes such variables on purpose with env: on a deployment',
    );
  }
  // What a --server-host machine has installed, its agent says when a deployment starts there.
  const runnable = plan.serverHost ? plan.deployments : await setAsideMissingSoftware(plan, run, progress);
  run.environment.software = await softwareVersions([...(plan.serverHost ? [] : runnable.flatMap(requiredSoftware)), ...(plan.generator === 'locust' ? [locust] : [])]);
  saveResults(run, plan.outDir);
  return runnable;
}

export type RecordPoint = (point: Omit<PointSamples, 'samples' | 'placement'>, sample: Sample) => void;

/** Adds each measured sample to its point's row (repeats merge) and rewrites results.json. */
export function pointRecorder(plan: Plan, run: RunResults): RecordPoint {
  const points = new Map<string, PointSamples>();
  return (point, sample) => {
    const key = JSON.stringify([point.planned.label, point.path, point.level]);
    // Repeats keep the first round's service time: one model per row.
    const entry = points.get(key) ?? { ...point, placement: plan.placement, samples: [] };
    entry.samples.push(sample);
    points.set(key, entry);
    run.results = [...points.values()].map(toRow);
    saveResults(run, plan.outDir);
  };
}

/** Runs work with a private (0700) folder for generated configs, removed on every exit path. */
export async function withPrivateTmpDir(ctx: RunContext, work: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'bench-')); // mode 0700: generated configs stay private
  liveTempDirs.add(tmpDir);
  try {
    await work(tmpDir);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
    liveTempDirs.delete(tmpDir);
    ctx.progress.clearLive();
  }
}

/**
 * Runs work with the run's private PostgreSQL when the scenario asks for `database: postgres` and
 * some deployment can run: started once, before the first deployment, and stopped (its data
 * removed) after the last, however the run ends. One that cannot start fails every deployment.
 */
export async function withDatabase(
  plan: Plan,
  deployments: PlannedDeployment[],
  run: RunResults,
  ctx: RunContext & { tmpDir: string },
  work: (database: RunningPostgres | undefined) => Promise<void>,
): Promise<void> {
  if (!plan.database || deployments.length === 0) return work(undefined);
  const major = run.environment.software.postgresql?.match(/^\d+/)?.[0];
  const starting = `starting PostgreSQL${major ? ` ${major}` : ''} (private, Unix socket)…`;
  ctx.progress.live(starting);
  const startedAt = performance.now();
  let database: RunningPostgres;
  try {
    database = await startPostgres({
      logDir: ctx.tmpDir,
      ...(plan.placement.serverCpus && { cpus: plan.placement.serverCpus }),
      timeoutMs: ctx.readyTimeoutMs ?? 20_000,
      signal: ctx.signal,
    });
  } catch (err) {
    if (ctx.signal.aborted) return;
    const reason = (err as Error).message;
    for (const planned of deployments) run.failures.push({ deployment: planned.label, server: planned.spec.kind, reason });
    ctx.progress.say(`FAILED: ${reason}; no deployment can be measured without it`);
    saveResults(run, plan.outDir);
    return;
  }
  ctx.progress.say(`${starting} ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  try {
    await work(database);
  } finally {
    ctx.progress.live('stopping PostgreSQL');
    await database.stop();
  }
}

export interface DeploymentContext extends RunContext {
  /** How the progress lines name this deployment, e.g. "[2/6] node-prefork ×4". */
  step: string;
  tmpDir: string;
  run: RunResults;
  record: RecordPoint;
  /** The run's private PostgreSQL, whose address the deployment's servers get. */
  database?: RunningPostgres;
}

/**
 * Starts one deployment, measures it at each level (pulled one at a time, so a caller may choose
 * the next level from what it has measured), and stops it. A start failure or a death is
 * recorded in run.failures. Resolves to false when the deployment failed.
 */
export async function runDeployment(plan: Plan, planned: PlannedDeployment, levels: Iterable<Level>, ctx: DeploymentContext): Promise<boolean> {
  const { step, run } = ctx;
  ctx.progress.live(`${step}: starting`);
  let deployment: RunningDeployment;
  let network: NetworkUse | undefined;
  try {
    // Every query would fail: say why, rather than measure errors.
    if (ctx.database && !ctx.database.server.running) throw new Error(ctx.database.server.describeExit());
    const readyTimeoutMs = ctx.readyTimeoutMs ?? 20_000;
    deployment = plan.serverHost
      ? await launchRemote(planned, plan.serverHost, { tmpDir: ctx.tmpDir, readyTimeoutMs, signal: ctx.signal })
      : await launch(planned.spec, planned.kind, planned.label, {
          tmpDir: ctx.tmpDir,
          ...(ctx.database && { env: databaseEnvironment(ctx.database.address, planned.kind, planned.spec) }),
          ...(plan.placement.serverCpus && { cpus: plan.placement.serverCpus }),
          readyTimeoutMs,
          signal: ctx.signal,
          // A mix's name is no path: its first request's is.
          measuredPath: plan.requests?.[0]?.path ?? plan.paths[0],
          onStatus: (text) => ctx.progress.live(`${step}: ${text}`),
        });
    if (planned.spec.config) ctx.progress.say(`${step}: ${configFileLine(planned.spec.config)}`);
    if (deployment.farSide) {
      recordServerMachine(run, plan.placement, deployment.farSide);
      saveResults(run, plan.outDir);
    }
    const started = deployment;
    network = await measureNetwork(started.baseUrl, started.healthPath, (plan.locust?.remoteWorkers ?? 0) > 0).catch(async (err: Error) => {
      await started.stop();
      throw new Error(`${planned.label} on ${new URL(started.baseUrl).host}: could not time the round trip to it: ${err.message}`);
    });
    if (network) ctx.progress.say(`${step}: ${describeNetwork(network)}`);
  } catch (err) {
    if (ctx.signal.aborted) return true;
    const reason = (err as Error).message;
    run.failures.push({ deployment: planned.label, server: planned.spec.kind, reason });
    ctx.progress.say(`${step}: FAILED to start: ${reason}`);
    saveResults(run, plan.outDir);
    return false;
  }
  try {
    const record: RecordPoint = network ? (point, sample) => ctx.record({ ...point, network }, sample) : ctx.record;
    const death = await measureDeployment(plan, planned, deployment, levels, ctx, step, record);
    if (death) {
      run.failures.push({ deployment: planned.label, server: planned.spec.kind, ...death });
      ctx.progress.say(`${step}: FAILED at ${death.atPoint}: ${death.reason}; its remaining points are skipped`);
      saveResults(run, plan.outDir);
      return false;
    }
    return true;
  } finally {
    ctx.progress.live(`${step}: stopping`);
    await deployment.stop();
  }
}

/** Marks the run complete (unless interrupted) and saves it for the last time. */
export function finishRun(plan: Plan, run: RunResults, ctx: RunContext): RunResults {
  run.complete = !ctx.signal.aborted;
  run.finishedAt = new Date().toISOString();
  saveResults(run, plan.outDir);
  return run;
}

/** The scenario's note quotes figures for its own path; say so when --path replaced it. */
function noticeFor(plan: Plan): string {
  const own = plan.scenario.requests ? [mixLabel(plan.scenario.requests)] : [plan.scenario.path ?? '/'].flat();
  const notice = plan.scenario.notice ?? '';
  if (own.join() === plan.paths.join()) return notice;
  return `${notice} (This note describes the scenario's own ${own.join(', ')}; this run used ${plan.paths.join(', ')}.)`;
}

/** The levels each deployment is measured at: concurrencies, offered rates, or slow-client counts beside one concurrency. */
function loadLevels(plan: Plan): Level[] {
  const slow = plan.slowClients;
  if (plan.xAxis === 'slow-clients' && slow) {
    return slow.counts.map((count) => ({ concurrency: plan.concurrency[0]!, slowClients: { count, sendBytesPerSecond: slow.sendBytesPerSecond } }));
  }
  const beside = slow && { slowClients: { count: slow.counts[0]!, sendBytesPerSecond: slow.sendBytesPerSecond } };
  return plan.rates.length > 0
    ? plan.rates.map((offeredRps) => ({ offeredRps, maxConnections: plan.maxConnections, ...beside }))
    : plan.concurrency.map((concurrency) => ({ concurrency, ...beside }));
}

/**
 * Deployments whose software is not installed are skipped with the command that installs it, or
 * recorded as failures under --strict. Returns the deployments that can run.
 */
async function setAsideMissingSoftware(plan: Plan, run: RunResults, progress: Progress): Promise<PlannedDeployment[]> {
  const runnable: PlannedDeployment[] = [];
  for (const planned of plan.deployments) {
    const missing = await missingSoftware(requiredSoftware(planned));
    if (missing.length === 0) {
      runnable.push(planned);
      continue;
    }
    const reason =
      `${missing.map((s) => s.name).join(' and ')} not installed; install with: ${installCommand(missing, planned.spec.app?.kind === 'wsgi' ? planned.spec.app.python : undefined)}` +
      ` (or the whole stack: ${INSTALL_SCRIPT})`;
    const entry = { deployment: planned.label, server: planned.spec.kind, reason };
    if (plan.strict) {
      run.failures.push(entry);
      progress.say(`${planned.label}: FAILED (--strict): ${reason}`);
    } else {
      run.skipped.push(entry);
      progress.say(`skipping ${planned.label}: ${reason}`);
    }
  }
  return runnable;
}

async function measureDeployment(
  plan: Plan,
  planned: PlannedDeployment,
  deployment: RunningDeployment,
  levels: Iterable<Level>,
  ctx: RunContext,
  step: string,
  record: RecordPoint,
): Promise<{ reason: string; atPoint: string } | undefined> {
  // Two things make a level's first seconds unlike its steady state. Requests still queued from
  // the level before are served first (a blocking server serves a request even after its client
  // has gone): they drain within that level's mean latency (Little's law: in flight / rate). And
  // in a closed loop a queue of c requests takes about c / rate to form, during which latencies
  // are too low. The warm-up lasts at least that long; --quick waits only for the drain.
  let drainS = 0;
  let first = true;
  let lastRate = 0;
  for (const path of plan.paths) {
    let service: MeasuredService | undefined;
    let firstOfPath = true;
    // A user's app says nothing of its service time, and a CGI program's start (fork, exec, the
    // interpreter, the imports: some 150 ms of CPU here) dwarfs what the path asks for: the
    // model's d is the mean latency at one client, from the path's first level when that is one
    // client, else from a short unrecorded probe; never from a later, queued level.
    const measuresService = (planned.spec.app !== undefined || planned.kind.model === 'process-per-request') && planned.kind.launch !== 'attach';
    for (const level of levels) {
      if (ctx.signal.aborted) return undefined;
      const oneClient = 'concurrency' in level && level.concurrency === 1;
      if (measuresService && firstOfPath && !oneClient) {
        ctx.progress.live(`${step}: ${path}: measuring the service time at one client`);
        try {
          service = measuredService(await measurePoint(serviceProbe(plan, deployment, path), undefined, ctx.signal));
        } catch (err) {
          return generatorFailure(err, `${path}: the service time probe`, ctx.signal);
        }
        drainS = (service?.ms ?? 0) / 1000;
        if (ctx.signal.aborted) return undefined;
      }
      const takesServiceFromThisLevel = measuresService && firstOfPath && oneClient;
      firstOfPath = false;
      const describe =
        ('offeredRps' in level ? `${level.offeredRps} req/s offered` : `c=${level.concurrency}`) +
        (level.slowClients ? `, ${level.slowClients.count} slow client${level.slowClients.count === 1 ? '' : 's'}` : '');
      // A server that died is a failure, not a data point (unless killing it is the experiment).
      // Before each point but the first (readiness has just checked that one), the deployment
      // must be whole and answer /health; that answer queues behind what a blocking server still
      // owes the last point, so the time it took counts towards draining that queue.
      const checkedAt = performance.now();
      const dead = !plan.fault && !first && (await deathOf(deployment, Math.max(3, plan.timeoutS) * 1000, ctx.signal));
      if (dead && !ctx.signal.aborted) return { reason: dead, atPoint: `${path} ${describe}` };
      first = false;
      drainS = Math.max(0, drainS - (performance.now() - checkedAt) / 1000);
      const fillS = plan.fillQueue && 'concurrency' in level && lastRate > 0 ? level.concurrency / lastRate : 0;
      const warmupS = Math.max(plan.warmupS, Math.min(Math.max(drainS, fillS), plan.timeoutS));
      const windowOpensAt = performance.now() + warmupS * 1000;
      const fault = plan.fault && injectWorkerCrash(deployment, windowOpensAt, plan.fault.at * plan.durationS * 1000, plan.durationS * 1000, ctx.signal);
      let measured: Sample;
      try {
        measured = await measurePoint(
          {
            ...level,
            ...pointLoad(plan, deployment, path),
            warmupS,
            durationS: plan.durationS,
          },
          (phase, left, live) =>
            ctx.progress.live(
              `${step}: ${path} ${describe} ${phase}, ${left.toFixed(1)} s left` +
                (live ? `: ${live.rps.toFixed(1)} req/s, p99 ${live.p99Ms === null ? '–' : `${live.p99Ms.toFixed(1)} ms`}` : ''),
            ),
          ctx.signal,
        );
      } catch (err) {
        return generatorFailure(err, `${path} ${describe}`, ctx.signal);
      }
      const crash = await fault;
      if (crash) {
        measured.events = crash.events;
        measured.fault = crash.outcome;
      }
      if (deployment.serverArgs) measured.serverArgs = deployment.serverArgs;
      if (deployment.nginxConfig) measured.nginxConfig = deployment.nginxConfig;
      if (deployment.apacheConfig) measured.apacheConfig = deployment.apacheConfig;
      if (planned.spec.env) measured.serverEnv = planned.spec.env;
      if (deployment.effectiveSettings) measured.effectiveSettings = deployment.effectiveSettings;
      if (ctx.signal.aborted) return undefined;
      // A death during the window: the process table says so at once, or every request was refused.
      const died = !plan.fault && (exitedServer(deployment) ?? allRefused(measured));
      if (died && !ctx.signal.aborted) return { reason: died, atPoint: `${path} ${describe}` };
      drainS = (measured.latencyMs?.mean ?? plan.timeoutS * 1000) / 1000;
      lastRate = measured.throughputRps;
      if (takesServiceFromThisLevel) service = measuredService(measured);
      record({ planned, path, level, ...(service && { measuredService: service }) }, measured);
      ctx.progress.say(
        `${step}: ${path} ${describe}: ${measured.throughputRps.toFixed(1)} req/s, ` +
          (measured.latencyMs
            ? `p50 ${measured.latencyMs.p50.toFixed(1)} ms, p99 ${measured.latencyMs.p99.toFixed(1)} ms`
            : 'no request succeeded') +
          (measured.errors + measured.non2xx > 0 ? `, ${measured.errors} errors, ${measured.non2xx} non-2xx` : '') +
          (measured.unsent ? `, ${measured.unsent} not sent` : '') +
          (measured.slowCompleted !== undefined ? `; ${measured.slowCompleted} slow requests answered` : '') +
          (crash ? `; ${crash.events.map((e) => `${e.t} s: ${e.what}`).join('; ')}` : '') +
          (measured.generatorChanges ? `; ${describeGeneratorChanges(measured.generatorChanges)}: these figures are marked` : ''),
      );
      if (measured.generatorChanges && plan.strict) {
        return { reason: `${describeGeneratorChanges(measured.generatorChanges)} (--strict fails a point whose generator changed)`, atPoint: `${path} ${describe}` };
      }
    }
  }
  return undefined;
}

/**
 * What one request costs the deployment, from a one-client point: its mean latency (the model's d)
 * and the CPU the deployment's processes spent per request (which bounds it by the cores).
 */
function measuredService(m: Sample): MeasuredService | undefined {
  if (!m.latencyMs || m.throughputRps <= 0) return undefined;
  return { ms: m.latencyMs.mean, cpuMs: (m.resources.cpuPercent / 100) * (1000 / m.throughputRps) };
}

/** Where a point's load goes: GET path, or the scenario's mix on the deployment's base URL. */
function requestTarget(plan: Plan, deployment: RunningDeployment, path: string): { url: string; requests?: MixRequest[] } {
  return plan.requests ? { url: deployment.baseUrl, requests: plan.requests } : { url: deployment.baseUrl + path };
}

/** One client for a short window: what one request of the user's app takes on this deployment, unqueued. */
function serviceProbe(plan: Plan, deployment: RunningDeployment, path: string) {
  // Sampled too (pointLoad): the CPU per request bounds the model.
  return { concurrency: 1, ...pointLoad(plan, deployment, path), warmupS: plan.warmupS, durationS: Math.min(plan.durationS, 2) };
}

/** What every point on a deployment shares: where the load goes, what is sampled, and which generator drives it from where. */
function pointLoad(plan: Plan, deployment: RunningDeployment, path: string) {
  return {
    ...requestTarget(plan, deployment, path),
    ...(!plan.requests && countsDemoAnswers(path, plan.app) && { countAnswers: true }),
    timeoutS: plan.timeoutS,
    processGroups: () => sampledGroups(deployment),
    ...(deployment.exitCpuLog && { exitCpuLog: deployment.exitCpuLog }),
    // launch() starts the server first, then the web server in front of it.
    ...(deployment.processes.length > 1 && { frontGroups: () => deployment.processes.slice(1).map((p) => p.pid) }),
    ...farSideLoad(deployment.farSide),
    allowRemote: plan.allowRemote,
    generator: plan.generator,
    ...(plan.locust && { locust: plan.locust }),
    ...(plan.placement.generatorCpus && { cpus: plan.placement.generatorCpus }),
  };
}

/** Every request of the window was refused: nothing listened, whatever the process table says. */
function allRefused(m: Sample): string | undefined {
  return m.requests === 0 && m.refused > 0 && m.refused === m.errors ? `every connection was refused (${m.refused} attempts)` : undefined;
}

/** A load generator that failed (Locust's master gone, its workers never connected) fails the deployment's point, not the run; bad input still stops it. */
function generatorFailure(err: unknown, atPoint: string, signal: AbortSignal): { reason: string; atPoint: string } | undefined {
  if (err instanceof UsageError) throw err;
  if (signal.aborted) return undefined;
  return { reason: `the load generator failed: ${(err as Error).message}`, atPoint };
}
