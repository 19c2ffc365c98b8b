import type { LiveTick } from '../harness/serve/protocol.js';
import { byId } from './dom.js';
import { average, count, millis, NONE, perSecond } from './format.js';

const FIGURE_IDS = ['throughput', 'p50', 'p99', 'errors', 'in-flight', 'busy', 'waiting', 'little', 'predicted'];

/**
 * The live numbers. capacity is Little's K for the deployment (null when unbounded), which the
 * tick does not carry: the state does.
 */
export function showFigures(tick: LiveTick, capacity: number | null): void {
  byId('throughput').textContent = perSecond(tick.rps);
  byId('p50').textContent = millis(tick.p50Ms);
  byId('p99').textContent = millis(tick.p99Ms);
  byId('errors').textContent = perSecond(tick.errorsPerS);
  byId('in-flight').textContent = average(tick.inFlight);
  showBusy(count(tick.busy), capacity === null ? '∞' : String(capacity));
  byId('waiting').textContent = average(tick.waiting);
  showLittle(tick);
  byId('predicted').textContent = tick.predictedRps === null ? NONE : perSecond(tick.predictedRps);
  byId('predicted-line').hidden = tick.predictedRps === null;
  byId('slow-now').textContent = String(tick.slowClients);
}

/**
 * "L = λ·W: λ rps × W ms = L", in pieces that do not break inside, so a narrow tile wraps it
 * between them rather than between a figure and its unit.
 */
function showLittle(tick: LiveTick): void {
  const little = byId('little');
  if (tick.littleL === null || tick.meanLatencyMs === null) {
    little.textContent = `L = λ·W: ${NONE}`;
    return;
  }
  const product = unbroken(`${perSecond(tick.rps)} rps × ${millis(tick.meanLatencyMs)} ms`);
  little.replaceChildren('L = λ·W: ', product, ' ', unbroken(`= ${average(tick.littleL)}`));
}

function unbroken(text: string): HTMLElement {
  const span = document.createElement('span');
  span.className = 'unbroken';
  span.textContent = text;
  return span;
}

/** "B of K", with a small "of" so three-digit pools still fit their tile. */
function showBusy(busy: string, capacity: string): void {
  const of = document.createElement('span');
  of.className = 'of';
  of.textContent = ' of ';
  byId('busy').replaceChildren(busy, of, capacity);
}

/** Back to dashes: the deployment these figures measured is gone. */
export function clearFigures(): void {
  for (const id of FIGURE_IDS) byId(id).textContent = NONE;
  byId('predicted-line').hidden = true;
  byId('slow-now').textContent = '0';
}
