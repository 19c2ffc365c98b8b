import type { ResultRow, Spread } from '../harness/results.js';

/** For cells that have no value (no prediction for /hello, say). */
export const NONE = '–';

export function formatRps(rps: number): string {
  return rps.toFixed(1);
}

/** Tenths of a millisecond matter for fast responses, not once a request takes 100 ms or more. */
export function formatMs(ms: number): string {
  return ms < 100 ? ms.toFixed(1) : Math.round(ms).toString();
}

/** Offered rates and capacities are usually round numbers; keep them that way, and tenths otherwise. */
export function formatRate(rps: number): string {
  return Number.isInteger(rps) ? String(rps) : rps.toFixed(1);
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? NONE : ratio.toFixed(2);
}

export function formatPredicted(rps: number | null): string {
  return rps === null ? NONE : formatRps(rps);
}

/** "95.1 (94.0–96.2)": the median, then the range across repetitions, when the point was repeated. */
function withSpread(value: number, spread: Spread | undefined, repeats: number, format: (x: number) => string): string {
  return repeats > 1 && spread ? `${format(value)} (${format(spread.min)}–${format(spread.max)})` : format(value);
}

export const rpsCell = (row: ResultRow) => withSpread(row.throughputRps, row.spread?.throughputRps, row.repeats, formatRps);
export const p50Cell = (row: ResultRow) => withSpread((row.latencyMs?.p50 ?? 0), row.spread?.p50Ms, row.repeats, formatMs);
export const p99Cell = (row: ResultRow) => withSpread((row.latencyMs?.p99 ?? 0), row.spread?.p99Ms, row.repeats, formatMs);

/** The load level of a point: its concurrency closed loop, its offered rate open loop. */
export function loadCell(row: ResultRow): string {
  return row.loop === 'open' && row.offeredRps !== undefined ? formatRate(row.offeredRps) : String(row.concurrency);
}

/** The load level in words, for sentences: "c=8" or "160 req/s offered". */
export function describeLoad(row: ResultRow): string {
  return row.loop === 'open' && row.offeredRps !== undefined ? `${formatRate(row.offeredRps)} req/s offered` : `c=${row.concurrency}`;
}

/** Several load levels of one deployment in words: "c=16, 64" or "80, 160 req/s offered". */
export function describeLoads(rows: ResultRow[]): string {
  if (rows.every((row) => row.loop === 'open' && row.offeredRps !== undefined)) {
    return `${rows.map((row) => formatRate(row.offeredRps ?? 0)).join(', ')} req/s offered`;
  }
  return `c=${rows.map((row) => row.concurrency).join(', ')}`;
}

/** Requests that got no answer at all (non-2xx answers are counted apart); `errors` includes the timeouts. */
export function failedCount(row: ResultRow): number {
  return row.errors;
}

export function isOpenSaturated(row: ResultRow): boolean {
  return row.loop === 'open' && row.saturated === true;
}
