import type { LiveTick } from '../harness/serve/protocol.js';
import { count } from './format.js';

export const LITTLE_HINT = 'λ × W: rate × time each, = L';
export const WAITING_HINT = 'queued for a worker: L − busy';

/**
 * The line under Little's law. Over a short window λ × W equals L only when the queue is steady
 * and each request is short beside the window: 256 clients dropped to 8 read L 252 beside λ × W
 * 114, and slow clients that free workers in bursts read 12 beside 8. The room is told which
 * figure to trust rather than left with a law that seems broken.
 */
export function littleMeaning(tick: Pick<LiveTick, 'littleL' | 'inFlight'>, windowS: number): string {
  if (tick.littleL === null) return LITTLE_HINT;
  // The window's edges alone move λ × W by a request or so when L is small.
  const agrees = Math.abs(tick.littleL - tick.inFlight) <= Math.max(0.5, 0.2 * tick.inFlight);
  return agrees ? LITTLE_HINT : `≠ L for now: it needs a steady queue and W well under ${windowS} s`;
}

/**
 * The line under waiting, which is L minus the workers serving: with workers held by slow clients
 * the busy tile counts them too, so the line names the number subtracted.
 */
export function waitingMeaning(tick: Pick<LiveTick, 'busy' | 'held'>): string {
  return tick.held > 0 ? `queued for a worker: L − ${count(tick.busy)} serving` : WAITING_HINT;
}
