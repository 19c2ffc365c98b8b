import type { TimelineSecond } from '../results/types.js';
import type { EngineMeasurement } from './engine.js';

/** How long the timeline's second t covers: a whole second, but for the last, which runs to the window's end (shorter, or a little longer). */
export function secondCovers(t: number, seconds: number, lengthS: number): number {
  return t === seconds - 1 ? Math.max(lengthS - t, 1e-3) : 1;
}

/** The 2xx responses a window's per-second timeline adds up to. */
export function timelineTotal(timeline: TimelineSecond[], lengthS: number): number {
  return timeline.reduce((sum, s) => sum + s.rps * secondCovers(s.t, timeline.length, lengthS), 0);
}

/**
 * Why a window's figures cannot stand: it counted more 2xx responses than its own per-second
 * timeline adds up to (beyond the timeline's rounding to 0.1 req/s), as an engine that credited a
 * lost worker with a whole window would. Undefined when they agree, or there is no timeline (wrk).
 */
export function beyondTimeline(m: EngineMeasurement): string | undefined {
  if (m.timeline.length === 0) return undefined;
  const total = timelineTotal(m.timeline, m.lengthS);
  if (m.ok <= total + 0.05 * m.timeline.length + 1) return undefined;
  return `the window counted ${m.ok} 2xx responses over ${m.lengthS.toFixed(2)} s, more than its per-second timeline adds up to (${Math.round(total)}): a figure above the timeline is not reported`;
}
