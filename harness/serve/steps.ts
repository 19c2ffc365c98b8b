import { cpus } from 'node:os';
import { formatRate } from '../formatting/numbers.js';
import type { Level } from '../results/aggregate.js';
import type { PointMeasurement } from '../load/measure.js';
import { predict, predictCapacity } from '../model/predict.js';
import type { PlannedDeployment } from '../plan/build-plan.js';
import type { ErrorsByKind, SessionStep } from '../results/types.js';
import type { LiveTick } from './protocol.js';

/** What a step's note is worked out from: the step's figures and the model's service time. */
export type StepFigures = Omit<SessionStep, 'note'> & { serviceMs: number | null };

/** Any path of the demo app's that waits without using a core. */
const UNBOUNDED_BY_CORES = '/io?ms=1';
const NO_ERRORS: ErrorsByKind = { refused: 0, reset: 0, timeout: 0, non2xx: 0, other: 0 };
const ERROR_WORDS: Record<keyof ErrorsByKind, string> = {
  refused: 'connections refused',
  reset: 'connections reset',
  timeout: 'timeouts',
  non2xx: 'answers other than 2xx',
  other: 'other failures',
};
/** Fewer failures a second than this are noise a note would overstate. */
const ERRORS_WORTH_A_NOTE = 0.5;
/** More requests in flight than this many times the clients are an earlier setting's, still queued. */
const DRAINING = 1.5;
/** λ × W under this share of the measured L: the step ended before its requests did. */
const UNSETTLED = 0.5;
/** Within this share of the model, a step is "at" its ceiling. */
const NEAR_MODEL = 0.85;

/**
 * Measures one setting a `bench serve` session held, for the handout: opened with the segment,
 * fed every tick, finished with the segment's own measurement. The ticks describe the last
 * `windowS` seconds, so only those whose window lies inside the measured one are averaged (all
 * the ticks after the settle when the setting was too short for any).
 */
export class StepMeter {
  private readonly ticks: LiveTick[] = [];
  private readonly opensAt: number;

  constructor(
    private readonly planned: PlannedDeployment,
    private readonly path: string,
    private readonly level: Level,
    /** Session time (s) the setting began, and the settle before its window opens. */
    private readonly t: number,
    settleS: number,
    private readonly windowS: number,
  ) {
    this.opensAt = t + settleS;
  }

  add(tick: LiveTick): void {
    if (tick.t >= this.opensAt) this.ticks.push(tick);
  }

  /** The step, from the segment's own measurement (the same figures as its row) and the ticks of its window. */
  finish(sample: PointMeasurement, lengthS: number): SessionStep {
    const closesAt = this.opensAt + lengthS;
    const inside = this.ticks.filter((tick) => tick.t <= closesAt + 0.25);
    const settled = inside.filter((tick) => tick.t >= this.opensAt + this.windowS);
    const ticks = settled.length > 0 ? settled : inside;
    const mean = (of: (tick: LiveTick) => number) => (ticks.length === 0 ? 0 : round(ticks.reduce((sum, tick) => sum + of(tick), 0) / ticks.length));
    const slowClients = this.level.slowClients?.count ?? 0;
    const closed = 'concurrency' in this.level;
    const model = predictCapacity(this.planned.kind, this.planned.spec, this.path, undefined, slowClients);
    // The deployment's own K, as the page shows it: on a path no core bounds, its workers × threads.
    const workers = predictCapacity(this.planned.kind, this.planned.spec, UNBOUNDED_BY_CORES).capacity;
    const predicted = predict(model, closed ? { concurrency: this.level.concurrency } : { offeredRps: this.level.offeredRps });
    const cpu = ticks.filter((tick) => tick.cpu !== null);
    const last = ticks.filter((tick) => tick.modelWorking !== null).at(-1);
    const meanLatency = sample.latencyMs?.mean ?? null;
    const figures: StepFigures = {
      t: this.t,
      lengthS: round(lengthS),
      deployment: this.planned.label,
      path: this.path,
      load: loadWords(this.level),
      ...('concurrency' in this.level ? { concurrency: this.level.concurrency } : { offeredRps: this.level.offeredRps }),
      slowClients,
      throughputRps: sample.throughputRps,
      p50Ms: sample.latencyMs?.p50 ?? null,
      p99Ms: sample.latencyMs?.p99 ?? null,
      errorsPerS: Object.fromEntries(Object.keys(NO_ERRORS).map((kind) => [kind, mean((tick) => tick.errorsByKind[kind as keyof ErrorsByKind])])) as unknown as ErrorsByKind,
      inFlight: mean((tick) => tick.inFlight),
      littleL: meanLatency === null ? null : round((sample.throughputRps * meanLatency) / 1000),
      busy: mean((tick) => tick.busy),
      held: mean((tick) => tick.held),
      capacity: workers,
      // As the page showed it (its cores are the placement's); the model's own where no tick came.
      predictedRps: ticks.length > 0 ? ticks[ticks.length - 1]!.predictedRps : predicted.predictedThroughputRps,
      modelWorking: last?.modelWorking ?? null,
      ...cpuPercent(cpu, sample),
      serviceMs: model.serviceMs,
    };
    const { serviceMs: _serviceMs, ...step } = figures;
    return { ...step, note: stepNote(figures) };
  }
}

/**
 * The server's CPU over the window, as a share of its cores: as the page showed it, else from the
 * window's own sampling of the deployment's processes.
 */
function cpuPercent(ticks: LiveTick[], sample: PointMeasurement): { cpuPercent?: number } {
  if (ticks.length > 0) return { cpuPercent: Math.round(ticks.reduce((sum, tick) => sum + tick.cpu!.busyPercent, 0) / ticks.length) };
  if (sample.resources.processes === 0) return {};
  return { cpuPercent: Math.round(sample.resources.cpuPercent / cpus().length) };
}

/** "8 clients", "200 req/s", with ", 4 slow" when slow clients trickled beside them. */
export function loadWords(level: Level): string {
  const amount = 'concurrency' in level ? `${level.concurrency} client${level.concurrency === 1 ? '' : 's'}` : `${level.offeredRps} req/s`;
  const slow = level.slowClients?.count ?? 0;
  return slow > 0 ? `${amount}, ${slow} slow` : amount;
}

/**
 * What a step shows, in one sentence for a student: the first rule that fits, from what hurt most
 * (failures, workers held by slow clients) to the plain cases (at the ceiling, below it). Slow
 * clients that held few workers (nginx in front reads their requests, an event loop never waits
 * on one) are named too: that they did not hurt is what such a step shows.
 */
export function stepNote(s: StepFigures): string {
  const failing = Object.entries(s.errorsPerS).filter(([, perS]) => perS > 0).sort(([, a], [, b]) => b - a);
  const failuresPerS = failing.reduce((sum, [, perS]) => sum + perS, 0);
  if (failuresPerS >= ERRORS_WORTH_A_NOTE) {
    const [kind] = failing[0]!;
    return `${formatNumber(failuresPerS)} requests a second failed, most of them ${ERROR_WORDS[kind as keyof ErrorsByKind]}: the server could not take them all`;
  }
  const K = s.capacity;
  if (s.slowClients > 0 && K !== null && (s.held >= K / 2 || s.predictedRps === 0)) {
    const starved = s.predictedRps === 0 || (s.predictedRps !== null && s.throughputRps < 0.5 * s.predictedRps);
    const others = s.throughputRps === 0 ? 'no normal client got an answer' : starved ? 'the normal clients barely get through' : 'the normal clients share what is left';
    // Where no worker was seen held (a kind whose sockets bench cannot read), the model's count stands in, and says so.
    return s.held >= K / 2 ? `slow clients hold ${formatNumber(s.held)} of ${K} workers: ${others}` : `${s.slowClients} slow clients can hold all ${K} workers: ${others}`;
  }
  if (s.throughputRps === 0) return 'no request was answered in this step';
  if (s.concurrency !== undefined && s.inFlight > DRAINING * (s.concurrency + s.slowClients)) {
    // Clients turned down from 256 to 4: the requests already sent wait their turn, and L counts them.
    const latency = s.p50Ms === null || s.serviceMs === null ? '' : `, latency ${formatNumber(s.p50Ms / s.serviceMs)}× the service time`;
    return `still draining the setting before: ${formatNumber(s.inFlight)} requests in flight for ${s.load}${latency}`;
  }
  if (s.littleL !== null && s.inFlight >= 2 && s.littleL < UNSETTLED * s.inFlight) {
    // Little's law holds over a window long beside W: here most requests outlived the step.
    return `not settled: λ × W (${formatNumber(s.littleL)}) falls far short of L (${formatNumber(s.inFlight)}), as many requests were still waiting when the step ended and W counts only those answered; ${plainNote(s)}`;
  }
  const note = plainNote(s);
  if (s.slowClients === 0) return note;
  const slow = `${s.slowClients} slow client${s.slowClients === 1 ? '' : 's'}`;
  return s.held > 0 && K !== null ? `${note}; the ${slow} held ${formatNumber(s.held)} of ${K} workers` : `${note}; the ${slow} held no worker`;
}

/** The note of a step that nothing went wrong in: where it stood against the model. */
function plainNote(s: StepFigures): string {
  const K = s.capacity;
  if (s.predictedRps === null || s.serviceMs === null) return `no model for ${s.path}: the figures show the server's own overhead`;
  const waitRatio = s.p50Ms === null ? null : s.p50Ms / s.serviceMs;
  const short = s.throughputRps < NEAR_MODEL * s.predictedRps;
  if (short) {
    const cpu = s.cpuPercent !== undefined && s.cpuPercent >= 85 ? `: the server's cores were ${s.cpuPercent}% busy` : '';
    return `short of the model: ${formatNumber(s.throughputRps)} req/s of the ${formatNumber(s.predictedRps)} it predicts${cpu}`;
  }
  const load = s.concurrency ?? null;
  const overCapacity = K !== null && (load !== null ? load > K : (s.offeredRps ?? 0) > s.predictedRps);
  if (overCapacity) {
    const waiting = Math.max(0, s.inFlight - s.busy);
    const latency = waitRatio !== null && waitRatio >= 1.3 ? `, latency ${formatNumber(waitRatio)}× the service time` : '';
    return `at the ceiling: ${formatNumber(s.busy)} of ${K} workers busy, ${formatNumber(waiting)} ${formatNumber(waiting) === '1' ? 'request' : 'requests'} waiting${latency}`;
  }
  return K === null
    ? 'no ceiling here: every request is served at once, so throughput grows with the clients'
    : 'below the ceiling: every request served at once';
}

const round = (x: number) => Math.round(x * 10) / 10;
const formatNumber = (x: number) => formatRate(round(x));
