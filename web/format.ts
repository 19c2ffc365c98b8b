/** Figures as the room reads them: few digits, and a dash where there is nothing to show yet. */

export const NONE = '—';

/** Requests a second: one decimal while it is small, whole numbers past 100. */
export function perSecond(value: number): string {
  return value < 100 ? value.toFixed(1) : String(Math.round(value));
}

/** Milliseconds: one decimal under 10 ms, whole ones above. */
export function millis(value: number | null): string {
  if (value === null) return NONE;
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

/** A count averaged over the window (requests in flight, waiting): one decimal. */
export function average(value: number): string {
  return value.toFixed(1);
}

/** A count that is usually whole (busy workers), without a trailing ".0". */
export function count(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
