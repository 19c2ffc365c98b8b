import type { ErrorsByKind, LiveTick } from '../harness/serve/protocol.js';
import { byId } from './dom.js';
import { average, count, duration, machineCpu, NONE, perSecond, serverCpu } from './format.js';
import { LITTLE_HINT, littleMeaning, WAITING_HINT, waitingMeaning } from './queue-lines.js';

const FIGURE_IDS = ['throughput', 'p50', 'p99', 'errors', 'in-flight', 'busy', 'waiting', 'little', 'little-working', 'predicted', 'cpu', 'machine-cpu'];
const WORKING_HINT = 'most it can serve: K at once / time each';
const BUSY_HINT = 'workers serving a request now';

/** What causes each kind of failed request, in a line the room can read. */
export const ERROR_CAUSES: Record<keyof ErrorsByKind, string> = {
  refused: 'refused: nothing accepted the connection (server down, or its listen queue full)',
  reset: 'reset: the server dropped a connection it had accepted (a worker died or gave up on it)',
  timeout: 'timeout: no answer in time; the request waited in a queue too long',
  non2xx: 'non-2xx: the server answered with an error status (a 502 or 504 from nginx, a 500 from the app)',
  other: 'other: a socket error of another kind',
};

/** An errors line stays up this long after the last failed request, so the room can read it. */
const ERRORS_SHOWN_S = 10;
let lastErrors: { t: number; byKind: ErrorsByKind } | undefined;

/**
 * The live numbers. capacity is Little's K for the deployment (null when unbounded), which the
 * tick does not carry: the state does; windowS is the span the tick's figures cover.
 */
export function showFigures(tick: LiveTick, capacity: number | null, windowS: number): void {
  byId('throughput').textContent = perSecond(tick.rps);
  showDuration('p50', tick.p50Ms);
  showDuration('p99', tick.p99Ms);
  byId('errors').textContent = perSecond(tick.errorsPerS);
  byId('in-flight').textContent = average(tick.inFlight);
  showBusy(tick, capacity);
  // Without a process that reports its requests (a CGI program lives for one), busy is not measured, nor L minus it.
  byId('waiting').textContent = tick.workers.length === 0 ? NONE : average(tick.waiting);
  tell('waiting-meaning', waitingMeaning(tick), WAITING_HINT);
  showLittle(tick, windowS);
  showCeiling(tick, capacity);
  byId('cpu').textContent = serverCpu(tick.cpu);
  byId('machine-cpu').textContent = machineCpu(tick.cpu);
  byId('slow-now').textContent = String(tick.slowClients);
  showErrorKinds(tick);
}

/**
 * A tile's line under its figure: its meaning, or words with measured figures in them ("0
 * serving, 4 held"), which predict mode hides along with the figures they would give away.
 */
function tell(id: string, text: string, hint: string): void {
  const line = byId(id);
  line.textContent = text;
  line.classList.toggle('told', text !== hint);
}

function showDuration(id: string, ms: number | null): void {
  const { value, unit } = duration(ms);
  byId(id).textContent = value;
  byId(`${id}-unit`).textContent = unit;
}

/** λ·W as the figure, and the product it came from under it. */
function showLittle(tick: LiveTick, windowS: number): void {
  tell('little-meaning', littleMeaning(tick, windowS), LITTLE_HINT);
  if (tick.littleL === null || tick.meanLatencyMs === null) {
    byId('little').textContent = NONE;
    byId('little-working').textContent = NONE;
    return;
  }
  byId('little').textContent = average(tick.littleL);
  const { value, unit } = duration(tick.meanLatencyMs);
  byId('little-working').textContent = `${perSecond(tick.rps)} req/s × ${value} ${unit}`;
}

/**
 * The model's ceiling and how it was worked out. A ceiling of 0 is a sentence, since "0.0 req/s"
 * reads as a broken page, while it means every worker is held by a slow client.
 */
function showCeiling(tick: LiveTick, capacity: number | null): void {
  const sentence = byId('ceiling-sentence');
  const figure = byId('ceiling-figure');
  const working = byId('model-working');
  working.textContent = tick.modelWorking ?? missingWorking(tick, capacity);
  if (tick.predictedRps === 0) {
    working.hidden = tick.modelWorking === null;
    const workers = capacity === null ? 'the workers' : capacity === 1 ? 'the one worker' : capacity === 2 ? 'both workers' : `all ${capacity} workers`;
    sentence.textContent = `No ceiling left: slow clients hold ${workers}; others get in only as one ends.`;
    sentence.hidden = false;
    figure.hidden = true;
    byId('predicted').textContent = '0';
    return;
  }
  working.hidden = false;
  sentence.hidden = true;
  figure.hidden = false;
  byId('predicted').textContent = tick.predictedRps === null ? NONE : perSecond(tick.predictedRps);
}

/** Why the ceiling has no figure, where the model could not work one out. */
function missingWorking(tick: LiveTick, capacity: number | null): string {
  if (tick.predictedRps !== null) return WORKING_HINT;
  if (capacity === null) return 'an event loop has no fixed K';
  return `K = ${capacity} at once, but the time each takes is not known here: no figure`;
}

/**
 * "B of K": the workers taken, held ones included, so slow clients that hold every worker read as
 * "4 of 4", and the line under it says how many of those are held rather than serving.
 */
function showBusy(tick: LiveTick, capacity: number | null): void {
  const of = document.createElement('span');
  of.className = 'of';
  of.textContent = ' of ';
  const reporting = tick.workers.length > 0;
  byId('busy').replaceChildren(reporting ? count(tick.busy + tick.held) : NONE, of, capacity === null ? '∞' : String(capacity));
  const meaning = byId('busy-meaning');
  meaning.textContent = !reporting
    ? 'not measured: no process here reports its requests'
    : tick.held > 0
      ? `${count(tick.busy)} serving, ${count(tick.held)} held by slow clients`
      : BUSY_HINT;
  meaning.classList.toggle('held', tick.held > 0);
  meaning.classList.toggle('told', meaning.textContent !== BUSY_HINT);
  const note = byId('held-note');
  note.hidden = tick.held === 0;
  note.textContent = tick.held === 0 ? '' : `${count(tick.held)} of ${capacity === null ? tick.workers.length : capacity} held reading slow requests`;
}

function showErrorKinds(tick: LiveTick): void {
  if (tick.errorsPerS > 0) lastErrors = { t: tick.t, byKind: tick.errorsByKind };
  const detail = byId('errors-detail');
  if (!lastErrors || tick.t - lastErrors.t > ERRORS_SHOWN_S) {
    detail.hidden = true;
    return;
  }
  const kinds = (Object.keys(ERROR_CAUSES) as (keyof ErrorsByKind)[]).filter((kind) => lastErrors!.byKind[kind] > 0);
  const lines = kinds.map((kind) => {
    const line = document.createElement('div');
    line.dataset.kind = kind;
    const figure = document.createElement('b');
    figure.textContent = `${perSecond(lastErrors!.byKind[kind])}/s `;
    line.append(figure, ERROR_CAUSES[kind]);
    return line;
  });
  const head = document.createElement('div');
  head.className = 'errors-head';
  head.textContent = tick.errorsPerS > 0 ? 'errors now, by kind' : `errors ${Math.round(tick.t - lastErrors.t)} s ago, by kind`;
  detail.replaceChildren(head, ...lines);
  detail.hidden = kinds.length === 0;
}

/** Back to dashes: the deployment these figures measured is gone. */
export function clearFigures(): void {
  for (const id of FIGURE_IDS) byId(id).textContent = NONE;
  byId('p50-unit').textContent = 'ms';
  byId('p99-unit').textContent = 'ms';
  byId('ceiling-sentence').hidden = true;
  byId('ceiling-figure').hidden = false;
  byId('model-working').textContent = WORKING_HINT;
  byId('model-working').hidden = false;
  tell('busy-meaning', BUSY_HINT, BUSY_HINT);
  byId('busy-meaning').classList.remove('held');
  tell('waiting-meaning', WAITING_HINT, WAITING_HINT);
  tell('little-meaning', LITTLE_HINT, LITTLE_HINT);
  byId('held-note').hidden = true;
  byId('errors-detail').hidden = true;
  lastErrors = undefined;
  byId('slow-now').textContent = '0';
}
