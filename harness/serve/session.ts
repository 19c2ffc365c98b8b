import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Level } from '../results/aggregate.js';
import { launch, sampledGroups, type RunningDeployment } from '../deployments/launch.js';
import { exitedServer } from '../deployments/liveness.js';
import type { EngineLoad } from '../load/engine.js';
import { LiveLoad } from '../load/live.js';
import { pointMeasurement } from '../load/measure.js';
import { heldBySlowClients, predict, predictCapacity } from '../model/predict.js';
import type { PlannedDeployment } from '../plan/build-plan.js';
import { liveTempDirs } from '../process/registry.js';
import { NOTHING_SAMPLED, ResourceSampler } from '../process/sampler.js';
import { readWorkerStatus, STATUS_DIR_ENV } from '../status/worker-status.js';
import { HeldMeter } from '../status/held-connections.js';
import { checkedLoad, plannedDeployment } from './choices.js';
import type { ChangeMarker, DeploymentChoice, LiveTick, LoadChoice, ServeState } from './protocol.js';
import type { Recording } from './recording.js';
import { StepMeter } from './steps.js';
import { LiveCpu } from './live-cpu.js';
import { modelWorking } from './model-working.js';
import { planPlacement } from '../process/placement.js';
import { takesThreads } from '../deployments/kind.js';

/** What the page is told, as it happens. */
export interface SessionListener {
  state(state: ServeState): void;
  tick(tick: LiveTick): void;
  change(change: ChangeMarker): void;
}

/** The live figures cover this many seconds, and the page gets them this often. */
export const LIVE_WINDOW_S = 2;
export const TICK_MS = 500;
/** After a change, what the next row measures starts this much later: the old setting's queue drains first. */
const SETTLE_S = 1;
/** A setting held for less than this (a slider dragged through it) is not a row. */
const SHORTEST_SEGMENT_S = 1;
const READY_TIMEOUT_MS = 30_000;
/** The page's slow clients trickle at this rate: a request of some 3 s, as the slow-clients scenario's. */
const SLOW_BYTES_PER_SECOND = 100;
/** Open loop: the generator's cap on connections, as `bench run` sets it by default. */
const MAX_CONNECTIONS = 1000;
/** The cores a deployment may use: `bench serve` places it and its load generator on all of them (shared placement). */
const SERVER_CORES = planPlacement('shared').serverCores;

interface Active {
  planned: PlannedDeployment;
  running: RunningDeployment;
  tmpDir: string;
  statusDir: string;
}

type CheckedLoad = ReturnType<typeof checkedLoad>;

interface RunningLoad {
  choice: CheckedLoad;
  live: LiveLoad;
  /** The setting being measured now. */
  segment: {
    planned: PlannedDeployment;
    path: string;
    level: Level;
    change: string;
    sampler: ResourceSampler | undefined;
    samplerTimer: NodeJS.Timeout;
    /** The handout's step for this setting. */
    meter: StepMeter;
  };
}

/**
 * One deployment and its live load at a time, changed by the page while it runs. Each action waits
 * for the one before (a deployment switch tears the old one down before the new one starts), and
 * each setting the load held is measured as a row of the session's recording.
 *
 * The session, not any page, holds what should run: the load last asked for is `wanted` from the
 * moment the request arrives, and every tab's form follows it through the state. A load asked for
 * during a deployment start waits for the start and then runs, so no edit is lost to a switch.
 */
export class LiveSession {
  private readonly t0 = performance.now();
  private active: Active | undefined;
  private load: RunningLoad | undefined;
  private state: ServeState;
  /** The load last asked for (null once stopped): what runs now, or as soon as a deployment is ready. */
  private wanted: CheckedLoad | null = null;
  /** Why the wanted load was dropped, for the page until the next request. */
  private loadMessage: string | null = null;
  private actions: Promise<unknown> = Promise.resolve();
  private readonly ticker: NodeJS.Timeout;
  /** What the tick measures of the running deployment beyond its status files: its CPU, and its workers' held connections. */
  private meters: { running: RunningDeployment; cpu: LiveCpu; held: HeldMeter | undefined } | undefined;

  constructor(
    private readonly listener: SessionListener,
    private readonly recording: Recording,
  ) {
    this.state = {
      deployment: { choice: null, label: null, status: 'none', capacity: null, slotsPerProcess: null },
      load: null,
      loadStatus: null,
      loadMessage: null,
      recording: recording.recordingTo ?? null,
    };
    // While a switch tears the old deployment down, its figures would show under the new one's name.
    this.ticker = setInterval(() => this.state.deployment.status !== 'starting' && this.tick(), TICK_MS);
  }

  get current(): ServeState {
    return this.state;
  }

  /**
   * Tears down the deployment running now (and its load) and starts this one; resolves once it is
   * ready or has failed. The load wanted when it is ready runs on it: the one running before, or
   * the latest asked for during the start. Refused while another deployment is starting.
   */
  setDeployment(choice: DeploymentChoice): Promise<void> {
    const planned = plannedDeployment(choice);
    const { status, label } = this.state.deployment;
    if (status === 'starting') throw new SessionError(`${label} is starting: wait until it is ready (or has failed), then start ${planned.label}`);
    this.loadMessage = null;
    // Starting from the click, not from when the queue reaches it: every tab knows at once, and a load asked for from now waits for it.
    this.setState({
      deployment: { choice, label: planned.label, status: 'starting', message: this.active ? `stopping ${label}` : 'starting', ...shape(planned) },
    });
    return this.serially(async () => {
      await this.stopLoad('deployment switched');
      await this.stopDeployment();
      this.mark(`start ${planned.label}`, null);
      this.setState({ deployment: { ...this.state.deployment, message: 'starting' } });
      const tmpDir = mkdtempSync(join(tmpdir(), 'bench-serve-')); // 0700: configs and status files stay private
      liveTempDirs.add(tmpDir);
      const statusDir = join(tmpDir, 'status');
      mkdirSync(statusDir);
      const spec = { ...planned.spec, env: { ...planned.spec.env, [STATUS_DIR_ENV]: statusDir } };
      try {
        const running = await launch(spec, planned.kind, planned.label, {
          tmpDir,
          readyTimeoutMs: READY_TIMEOUT_MS,
          onStatus: (message) => this.setState({ deployment: { ...this.state.deployment, message } }),
        });
        this.active = { planned, running, tmpDir, statusDir };
        this.setState({ deployment: { ...this.state.deployment, status: 'ready', message: `${planned.label} is ready` } });
      } catch (err) {
        removeTmpDir(tmpDir);
        const dropped = this.wanted;
        this.wanted = null;
        if (dropped) this.loadMessage = `the load (${describeLoad(dropped)}) did not run: ${planned.label} failed to start`;
        this.setState({ deployment: { ...this.state.deployment, status: 'failed', message: (err as Error).message } });
        return;
      }
      await this.applyWanted();
    });
  }

  /**
   * Starts the load, or changes it while it runs; during a deployment start it waits, and runs
   * once the deployment is ready (resolving at once).
   */
  setLoad(choice: LoadChoice): Promise<void> {
    const checked = checkedLoad(choice);
    const starting = this.state.deployment.status === 'starting';
    if (!this.active && !starting) throw new SessionError('start a deployment first');
    this.wanted = checked;
    this.loadMessage = null;
    this.setState({});
    return starting ? Promise.resolve() : this.serially(() => this.applyWanted());
  }

  /** Stops the load, or drops the one waiting for a deployment. */
  stopLoadNow(): Promise<void> {
    this.wanted = null;
    this.loadMessage = null;
    this.setState({});
    return this.serially(() => this.applyWanted());
  }

  /** Writes the session so far as a run folder; the load goes on, its current setting a new row from now. */
  save(): Promise<string> {
    return this.serially(async () => {
      if (this.load) {
        const { segment } = this.load;
        this.finishSegment(segment, await this.load.live.cut());
        this.load.segment = this.openSegment(segment.planned, segment.path, segment.level, segment.change, 0);
      }
      return this.recording.save();
    });
  }

  /** Stops the load and the deployment (Ctrl-C, SIGHUP, the server closing). */
  close(): Promise<void> {
    clearInterval(this.ticker);
    this.meters?.cpu.stop();
    return this.serially(async () => {
      await this.stopLoad('session closed');
      await this.stopDeployment();
    });
  }

  /** Brings the running load to the one wanted now: the latest asked for, however many requests came while it waited. */
  private async applyWanted(): Promise<void> {
    const wanted = this.wanted;
    if (!this.active || this.state.deployment.status === 'starting') return;
    if (!wanted) return this.stopLoad('stop load');
    if (this.load && this.load.choice.mode === wanted.mode) return this.retarget(wanted);
    await this.stopLoad('load mode changed');
    await this.startLoad(wanted);
  }

  private async startLoad(choice: RunningLoad['choice']): Promise<void> {
    const active = this.active!;
    const level = levelOf(choice);
    const change = describeLoad(choice);
    this.mark(change, change);
    const live = new LiveLoad(engineLoad(active, choice), { windowS: LIVE_WINDOW_S, figuresEveryMs: TICK_MS / 2, settleS: SETTLE_S });
    this.load = { choice, live, segment: this.openSegment(active.planned, choice.path, level, change, SETTLE_S) };
    this.setState({});
  }

  private async retarget(choice: RunningLoad['choice']): Promise<void> {
    const load = this.load!;
    const change = describeChange(load.choice, choice);
    if (!change) {
      // Only what this mode does not use changed (the rate of a closed loop): nothing to measure anew.
      load.choice = choice;
      return this.setState({});
    }
    this.mark(change, describeLoad(choice));
    const ended = await load.live.retarget(engineLoad(this.active!, choice));
    this.finishSegment(load.segment, ended);
    load.choice = choice;
    load.segment = this.openSegment(this.active!.planned, choice.path, levelOf(choice), change, SETTLE_S);
    this.setState({});
  }

  private async stopLoad(why: string): Promise<void> {
    const load = this.load;
    if (!load) return;
    this.load = undefined;
    if (why === 'stop load') this.mark(why, null);
    this.finishSegment(load.segment, await load.live.stop());
    this.setState({});
  }

  /** The state says what replaces it: the deployment being started, or nothing as bench closes. */
  private async stopDeployment(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    await active.running.stop();
    removeTmpDir(active.tmpDir);
  }

  /** A new setting starts being measured; its resources are sampled from when its window opens. */
  private openSegment(planned: PlannedDeployment, path: string, level: Level, change: string, settleS: number): RunningLoad['segment'] {
    const segment: RunningLoad['segment'] = {
      planned,
      path,
      level,
      change,
      sampler: undefined,
      meter: new StepMeter(planned, path, level, this.now(), settleS, LIVE_WINDOW_S),
      samplerTimer: setTimeout(() => {
        const running = this.active?.running;
        if (running) segment.sampler = new ResourceSampler(() => sampledGroups(running), undefined, running.exitCpuLog);
      }, settleS * 1000),
    };
    return segment;
  }

  private finishSegment(segment: RunningLoad['segment'], measured: Awaited<ReturnType<LiveLoad['stop']>>): void {
    clearTimeout(segment.samplerTimer);
    const resources = segment.sampler?.stop() ?? NOTHING_SAMPLED;
    if (!measured || measured.lengthS < SHORTEST_SEGMENT_S) return;
    const running = this.active?.running;
    const sample = {
      ...pointMeasurement('builtin', measured, Math.round(measured.lengthS * 10) / 10, resources),
      events: [{ t: 0, what: segment.change }],
      ...(running?.serverArgs && { serverArgs: running.serverArgs }),
      ...(running?.nginxConfig && { nginxConfig: running.nginxConfig }),
      ...(running?.apacheConfig && { apacheConfig: running.apacheConfig }),
    };
    const step = segment.meter.finish(sample, measured.lengthS);
    this.recording.add({ planned: segment.planned, path: segment.path, level: segment.level, sample, step });
  }

  private tick(): void {
    const active = this.active;
    if (this.meters && this.meters.running !== active?.running) {
      this.meters.cpu.stop();
      this.meters = undefined;
    }
    if (!active) return;
    const { running, planned } = active;
    this.meters ??= {
      running,
      cpu: new LiveCpu(() => sampledGroups(running), running.exitCpuLog, LIVE_WINDOW_S, SERVER_CORES, TICK_MS),
      // Where a worker reads without holding a slot (an event loop, nginx in front), nothing is held.
      held: heldBySlowClients(planned.kind, planned.spec) ? new HeldMeter(Number(new URL(running.baseUrl).port)) : undefined,
    };
    const died = exitedServer(active.running);
    if (died && this.state.deployment.status === 'ready') {
      this.setState({ deployment: { ...this.state.deployment, status: 'failed', message: `the deployment died: ${died}` } });
    }
    const load = this.load;
    const figures = load?.live.figures;
    const failed = load?.live.failed;
    if (failed) this.setState({ deployment: { ...this.state.deployment, message: failed } });
    const slots = this.state.deployment.slotsPerProcess;
    const statuses = readWorkerStatus(active.statusDir);
    const held = slots !== null ? this.meters.held?.read(statuses, slots) : undefined;
    const workers = statuses.map((w, i) => ({ ...w, held: held?.[i] ?? 0 }));
    const busy = workers.reduce((sum, w) => sum + (slots === null ? w.busy : Math.min(w.busy, slots)), 0);
    const inFlight = figures?.inFlight ?? 0;
    const round = (x: number) => Math.round(x * 10) / 10;
    // A deployment that died has no ceiling: the model's figure beside a stream of refused connections would contradict them.
    const up = this.state.deployment.status === 'ready';
    const capacity = !up ? undefined : load && predictCapacity(active.planned.kind, active.planned.spec, load.choice.path, SERVER_CORES, load.choice.slowClients);
    const offered = load && (load.choice.mode === 'closed' ? { concurrency: load.choice.clients } : { offeredRps: load.choice.rate });
    const model = capacity && offered && predict(capacity, offered);
    this.emitTick({
      t: this.now(),
      rps: figures?.rps ?? 0,
      p50Ms: figures?.p50Ms ?? null,
      p99Ms: figures?.p99Ms ?? null,
      errorsPerS: figures?.errorsPerS ?? 0,
      errorsByKind: figures?.errorsByKind ?? { refused: 0, reset: 0, timeout: 0, non2xx: 0, other: 0 },
      meanLatencyMs: figures?.meanLatencyMs ?? null,
      inFlight,
      littleL: figures && figures.meanLatencyMs !== null ? round((figures.rps * figures.meanLatencyMs) / 1000) : null,
      busy,
      held: workers.reduce((sum, w) => sum + w.held, 0),
      workers,
      waiting: round(Math.max(0, inFlight - busy)),
      predictedRps: model?.predictedThroughputRps ?? null,
      modelWorking: !up ? `no ceiling: ${this.state.deployment.label} is not running` : capacity && offered && model ? modelWorking(capacity, offered, model) : null,
      cpu: this.meters.cpu.read(),
      slowClients: load?.choice.slowClients ?? 0,
    });
  }

  /** The page gets every tick; the setting being measured averages those of its window. */
  private emitTick(tick: LiveTick): void {
    this.load?.segment.meter.add(tick);
    this.listener.tick(tick);
  }

  /** A change, named on the page by the deployment and the load ("/io?ms=50, 8 clients", or null) that run from now on. */
  private mark(text: string, load: string | null): void {
    const t = this.now();
    this.recording.change(t, text);
    this.listener.change({ t, text, deployment: this.active?.planned.label ?? this.state.deployment.label, load });
  }

  /** The load's fields are worked out here, from what is wanted and what runs, so no path can leave them stale. */
  private setState(patch: Partial<ServeState>): void {
    const next = { ...this.state, ...patch };
    const wanted = this.wanted;
    const running = this.load?.choice;
    const loadStatus =
      wanted === null ? null : next.deployment.status === 'starting' ? 'queued' : running && sameLoad(running, wanted) ? 'running' : 'applying';
    this.state = { ...next, load: wanted && publicLoad(wanted), loadStatus, loadMessage: this.loadMessage };
    this.listener.state(this.state);
  }

  private now(): number {
    return Math.round((performance.now() - this.t0) / 100) / 10;
  }

  /** Runs page actions one after another; a failed one does not stop the next. */
  private serially<T>(action: () => Promise<T>): Promise<T> {
    const result = this.actions.then(action);
    this.actions = result.catch(() => undefined);
    return result;
  }
}

/** A page action that cannot be done in the session's state (no deployment yet): a 409, not a 400. */
export class SessionError extends Error {}

/** Little's K and the boxes per worker process: 1 slot for a blocking worker, T for a threaded one, none for an event loop. */
function shape(planned: PlannedDeployment): { capacity: number | null; slotsPerProcess: number | null } {
  const { capacity } = predictCapacity(planned.kind, planned.spec, '/io?ms=1');
  const slotsPerProcess = capacity === null ? null : takesThreads(planned.kind) ? (planned.spec.threads ?? 1) : 1;
  return { capacity, slotsPerProcess };
}

function levelOf(choice: RunningLoad['choice']): Level {
  const slowClients = choice.slowClients > 0 ? { slowClients: { count: choice.slowClients, sendBytesPerSecond: SLOW_BYTES_PER_SECOND } } : {};
  return choice.mode === 'closed' ? { concurrency: choice.clients, ...slowClients } : { offeredRps: choice.rate, maxConnections: MAX_CONNECTIONS, ...slowClients };
}

function engineLoad(active: Active, choice: RunningLoad['choice']): EngineLoad {
  return { ...levelOf(choice), url: active.running.baseUrl + choice.path, warmupS: 0, durationS: 0, timeoutS: 30 };
}

function publicLoad(choice: RunningLoad['choice']): LoadChoice {
  const { path: _path, ...load } = choice;
  return load;
}

function sameLoad(a: CheckedLoad, b: CheckedLoad): boolean {
  return JSON.stringify(publicLoad(a)) === JSON.stringify(publicLoad(b));
}

function describeLoad(choice: RunningLoad['choice']): string {
  const amount = choice.mode === 'closed' ? `${choice.clients} client${choice.clients > 1 ? 's' : ''}` : `${choice.rate} req/s`;
  return `${choice.path}, ${amount}${choice.slowClients > 0 ? `, ${choice.slowClients} slow` : ''}`;
}

/** "8 clients" or "/io?ms=100": what changed, for the chart's marker; undefined when nothing did. */
function describeChange(before: RunningLoad['choice'], after: RunningLoad['choice']): string | undefined {
  const parts: string[] = [];
  if (before.path !== after.path) parts.push(after.path);
  if (after.mode === 'closed' && before.clients !== after.clients) parts.push(`${after.clients} client${after.clients > 1 ? 's' : ''}`);
  if (after.mode === 'open' && before.rate !== after.rate) parts.push(`${after.rate} req/s`);
  if (before.slowClients !== after.slowClients) parts.push(`${after.slowClients} slow`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function removeTmpDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveTempDirs.delete(dir);
}
