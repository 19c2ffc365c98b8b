import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Level } from '../aggregate.js';
import { launch, sampledGroups, type RunningDeployment } from '../deployments/launch.js';
import { exitedServer } from '../deployments/liveness.js';
import type { EngineLoad } from '../load/engine.js';
import { LiveLoad } from '../load/live.js';
import { pointMeasurement } from '../load/measure.js';
import { predict, predictCapacity } from '../model.js';
import type { PlannedDeployment } from '../plan.js';
import { liveTempDirs } from '../process/registry.js';
import { NOTHING_SAMPLED, ResourceSampler } from '../process/sampler.js';
import { readWorkerStatus, STATUS_DIR_ENV } from '../status/worker-status.js';
import { checkedLoad, plannedDeployment } from './choices.js';
import type { ChangeMarker, DeploymentChoice, LiveTick, LoadChoice, ServeState } from './protocol.js';
import type { Recording } from './recording.js';
import { StepMeter } from './steps.js';

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

interface Active {
  planned: PlannedDeployment;
  running: RunningDeployment;
  tmpDir: string;
  statusDir: string;
}

interface RunningLoad {
  choice: ReturnType<typeof checkedLoad>;
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
 */
export class LiveSession {
  private readonly t0 = performance.now();
  private active: Active | undefined;
  private load: RunningLoad | undefined;
  private state: ServeState;
  private actions: Promise<unknown> = Promise.resolve();
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly listener: SessionListener,
    private readonly recording: Recording,
  ) {
    this.state = {
      deployment: { choice: null, label: null, status: 'none', capacity: null, slotsPerProcess: null },
      load: null,
      recording: recording.recordingTo ?? null,
    };
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  get current(): ServeState {
    return this.state;
  }

  /** Tears down the deployment running now (and its load) and starts this one; resolves once it is ready or has failed. */
  setDeployment(choice: DeploymentChoice): Promise<void> {
    const planned = plannedDeployment(choice);
    return this.serially(async () => {
      const resume = this.load?.choice;
      await this.stopLoad('deployment switched');
      await this.stopDeployment();
      this.mark(`start ${planned.label}`);
      this.setState({
        deployment: { choice, label: planned.label, status: 'starting', message: 'starting', ...shape(planned) },
      });
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
        this.setState({ deployment: { ...this.state.deployment, status: 'failed', message: (err as Error).message } });
        return;
      }
      if (resume) await this.startLoad(resume);
    });
  }

  /** Starts the load, or changes it while it runs. */
  setLoad(choice: LoadChoice): Promise<void> {
    const checked = checkedLoad(choice);
    return this.serially(async () => {
      if (!this.active) throw new SessionError('start a deployment first');
      if (this.load && this.load.choice.mode === checked.mode) return this.retarget(checked);
      await this.stopLoad('load mode changed');
      await this.startLoad(checked);
    });
  }

  stopLoadNow(): Promise<void> {
    return this.serially(() => this.stopLoad('stop load'));
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
    return this.serially(async () => {
      await this.stopLoad('session closed');
      await this.stopDeployment();
    });
  }

  private async startLoad(choice: RunningLoad['choice']): Promise<void> {
    const active = this.active!;
    const level = levelOf(choice);
    const change = describeLoad(choice);
    this.mark(change);
    const live = new LiveLoad(engineLoad(active, choice), { windowS: LIVE_WINDOW_S, figuresEveryMs: TICK_MS / 2, settleS: SETTLE_S });
    this.load = { choice, live, segment: this.openSegment(active.planned, choice.path, level, change, SETTLE_S) };
    this.setState({ load: publicLoad(choice) });
  }

  private async retarget(choice: RunningLoad['choice']): Promise<void> {
    const load = this.load!;
    const change = describeChange(load.choice, choice);
    if (!change) return;
    this.mark(change);
    const ended = await load.live.retarget(engineLoad(this.active!, choice));
    this.finishSegment(load.segment, ended);
    load.choice = choice;
    load.segment = this.openSegment(this.active!.planned, choice.path, levelOf(choice), change, SETTLE_S);
    this.setState({ load: publicLoad(choice) });
  }

  private async stopLoad(why: string): Promise<void> {
    const load = this.load;
    if (!load) return;
    this.load = undefined;
    if (why === 'stop load') this.mark(why);
    this.finishSegment(load.segment, await load.live.stop());
    this.setState({ load: null });
  }

  private async stopDeployment(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    await active.running.stop();
    removeTmpDir(active.tmpDir);
    this.setState({ deployment: { choice: null, label: null, status: 'none', capacity: null, slotsPerProcess: null } });
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
    if (!active) return;
    const died = exitedServer(active.running);
    if (died && this.state.deployment.status === 'ready') {
      this.setState({ deployment: { ...this.state.deployment, status: 'failed', message: `the deployment died: ${died}` } });
    }
    const load = this.load;
    const figures = load?.live.figures;
    const failed = load?.live.failed;
    if (failed) this.setState({ deployment: { ...this.state.deployment, message: failed } });
    const slots = this.state.deployment.slotsPerProcess;
    const workers = readWorkerStatus(active.statusDir).map((w) => ({ ...w, held: 0 }));
    const busy = workers.reduce((sum, w) => sum + (slots === null ? w.busy : Math.min(w.busy, slots)), 0);
    const inFlight = figures?.inFlight ?? 0;
    const round = (x: number) => Math.round(x * 10) / 10;
    const model =
      load &&
      predict(
        predictCapacity(active.planned.kind, active.planned.spec, load.choice.path, undefined, load.choice.slowClients),
        load.choice.mode === 'closed' ? { concurrency: load.choice.clients } : { offeredRps: load.choice.rate },
      );
    this.emitTick({
      t: this.now(),
      rps: figures?.rps ?? 0,
      p50Ms: figures?.p50Ms ?? null,
      p99Ms: figures?.p99Ms ?? null,
      errorsPerS: figures?.errorsPerS ?? 0,
      errorsByKind: { refused: 0, reset: 0, timeout: 0, non2xx: 0, other: 0 },
      meanLatencyMs: figures?.meanLatencyMs ?? null,
      inFlight,
      littleL: figures && figures.meanLatencyMs !== null ? round((figures.rps * figures.meanLatencyMs) / 1000) : null,
      busy,
      held: 0,
      workers,
      waiting: round(Math.max(0, inFlight - busy)),
      predictedRps: model?.predictedThroughputRps ?? null,
      modelWorking: null,
      cpu: null,
      slowClients: load?.choice.slowClients ?? 0,
    });
  }

  /** The page gets every tick; the setting being measured averages those of its window. */
  private emitTick(tick: LiveTick): void {
    this.load?.segment.meter.add(tick);
    this.listener.tick(tick);
  }

  private mark(text: string): void {
    const change = { t: this.now(), text };
    this.recording.change(change.t, text);
    this.listener.change(change);
  }

  private setState(patch: Partial<ServeState>): void {
    this.state = { ...this.state, ...patch };
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
  const slotsPerProcess = capacity === null ? null : planned.kind.takesThreads ? (planned.spec.threads ?? 1) : 1;
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
