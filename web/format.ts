import type { LiveTick } from '../harness/serve/protocol.js';

/** Figures as the room reads them: few digits, and a dash where there is nothing to show yet. */

export const NONE = '—';

/**
 * Requests a second: one decimal while it is small, whole numbers past 100, thousands past 10,000
 * ("17.7k"), since five digits overflow a tile: a load on a server that died fails 17,670 times a second.
 */
export function perSecond(value: number): string {
  if (value >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  return value < 100 ? value.toFixed(1) : String(Math.round(value));
}

/** Milliseconds: one decimal under 10 ms, whole ones above. */
export function millis(value: number | null): string {
  if (value === null) return NONE;
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

/**
 * A time with its unit: milliseconds up to a second, seconds past it, since "11993 ms" is read
 * digit by digit from the back of a room and "12.0 s" at a glance.
 */
export function duration(ms: number | null): { value: string; unit: 'ms' | 's' } {
  if (ms === null) return { value: NONE, unit: 'ms' };
  if (ms < 1000) return { value: millis(ms), unit: 'ms' };
  return { value: (ms / 1000).toFixed(1), unit: 's' };
}

/** A chart's latency axis label: "250 ms", "1.5 s". */
export function durationLabel(ms: number): string {
  if (ms === 0) return '0';
  const { value, unit } = duration(ms);
  return `${value} ${unit}`;
}

/** A count averaged over the window (requests in flight, waiting): one decimal. */
export function average(value: number): string {
  return value.toFixed(1);
}

/** A count that is usually whole (busy workers), without a trailing ".0". */
export function count(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** "1 worker", "4 workers". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The server's CPU under throughput: its share of its cores. */
export function serverCpu(cpu: LiveTick['cpu']): string {
  return cpu === null ? NONE : `${Math.round(cpu.busyPercent)}% of ${plural(cpu.cores, 'core')}`;
}

/**
 * The whole machine's CPU under the server's: a `/cpu` ceiling missed with the server's cores half
 * used is explained when the machine had none left (the load generator, the browser and other
 * programs share it).
 */
export function machineCpu(cpu: LiveTick['cpu']): string {
  return cpu?.machinePercent === undefined ? NONE : `${Math.round(cpu.machinePercent)}%`;
}
