import type { GeneratorEngine, LatencyMs, Placement, ResultRow, Spread } from '../results/types.js';

/** For cells that have no value (no prediction for /hello, no latency where nothing succeeded). */
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

/** Whole megabytes: a process tree's memory moves by more than that from one run to the next. */
export function formatMb(mb: number | null): string {
  return mb === null ? NONE : String(Math.round(mb));
}

/** A process tree's CPU and memory over a point's window (the deployment's, or its web server's alone). */
type ResourceUse = ResultRow['resources'];

/**
 * A point's resources, or null where bench sampled no process: a server started outside bench
 * (external) or a machine without /proc. Its CPU and memory cells then show NONE, never a 0 that
 * reads as a measurement.
 */
export const sampledResources = (resources: ResourceUse | undefined): ResourceUse | null =>
  resources && resources.processes > 0 ? resources : null;

export const formatCpu = (resources: ResourceUse | undefined): string => {
  const sampled = sampledResources(resources);
  return sampled ? String(Math.round(sampled.cpuPercent)) : NONE;
};

/** False where a tree was sampled but its PSS could not be read: a column of PSS would then leave it out. */
export const pssOrUnsampled = (resources: ResourceUse | undefined): boolean => {
  const sampled = sampledResources(resources);
  return sampled === null || sampled.peakPssMb !== null;
};

/** Summed PSS or RSS of a sampled tree; NONE where not sampled (or PSS could not be read). */
export const formatMemory = (resources: ResourceUse | undefined, measure: 'pss' | 'rss'): string => {
  const sampled = sampledResources(resources);
  return sampled ? formatMb(measure === 'pss' ? sampled.peakPssMb : sampled.peakRssMb) : NONE;
};

/** "95.1 (94.0–96.2)": the median, then the range across repetitions, when the point was repeated. */
function withSpread(value: number, spread: Spread | undefined, repeats: number, format: (x: number) => string, mark = ''): string {
  const median = format(value) + mark;
  return repeats > 1 && spread ? `${median} (${format(spread.min)}–${format(spread.max)})` : median;
}

export const rpsCell = (row: ResultRow) => withSpread(row.throughputRps, row.spread?.throughputRps, row.repeats, formatRps);

/** The percentiles the tables print, by their key in LatencyMs. */
export type Percentile = 'p50' | 'p99' | 'p999';

export const PERCENTILE_NAMES: Record<Percentile, string> = { p50: 'p50', p99: 'p99', p999: 'p99.9' };

/**
 * Below these counts a percentile is little more than the slowest response or two: a p99 needs
 * 100 samples before one response in a hundred can sit above it, a p99.9 needs 1,000.
 */
const MIN_SAMPLES: Partial<Record<Percentile, number>> = { p99: 100, p999: 1000 };

/** Follows a percentile that rests on too few samples to be read as precise. */
export const COARSE_MARK = '†';

const counted = (percentile: Percentile) => (MIN_SAMPLES[percentile] ?? 0).toLocaleString('en-US');

/** The footnote every table that shows COARSE_MARK puts under itself. */
export const COARSE_FOOTNOTE =
  `${COARSE_MARK} rests on fewer than ${counted('p99')} samples (p99) or ${counted('p999')} (p99.9): ` +
  'read as roughly the slowest responses seen';

/** The point's latencies, or null when no request succeeded: then there is nothing to print or draw. */
export function latencies(row: ResultRow): LatencyMs | null {
  return row.samples > 0 ? row.latencyMs : null;
}

function isCoarse(row: ResultRow, percentile: Percentile): boolean {
  return latencies(row) !== null && row.samples < (MIN_SAMPLES[percentile] ?? 0);
}

/** Whether any of these percentiles of any row gets COARSE_MARK, so its table needs COARSE_FOOTNOTE. */
export function anyCoarse(rows: ResultRow[], percentiles: readonly Percentile[]): boolean {
  return rows.some((row) => percentiles.some((percentile) => isCoarse(row, percentile)));
}

/**
 * A latency in ms, marked when it rests on too few samples, NONE when nothing succeeded. With
 * `spread`, repeated points add the min–max across repeats (kept for p50 and p99 only).
 */
export function latencyCell(row: ResultRow, percentile: Percentile, { spread = false } = {}): string {
  const values = latencies(row);
  if (values === null) return NONE;
  const range = spread && percentile !== 'p999' ? row.spread?.[`${percentile}Ms`] : undefined;
  return withSpread(values[percentile], range, row.repeats, formatMs, isCoarse(row, percentile) ? COARSE_MARK : '');
}

/** The load level of a point: its concurrency closed loop, its offered rate open loop. */
export function loadCell(row: ResultRow): string {
  return row.loop === 'open' && row.offeredRps !== undefined ? formatRate(row.offeredRps) : String(row.concurrency);
}

/** The load level in words, for sentences: "c=8", "160 req/s offered", or "c=8 with 4 slow clients". */
export function describeLoad(row: ResultRow): string {
  const load = row.loop === 'open' && row.offeredRps !== undefined ? `${formatRate(row.offeredRps)} req/s offered` : `c=${row.concurrency}`;
  return row.slowClients ? `${load} with ${slowClients(row.slowClients.count)}` : load;
}

/** Several load levels of one deployment in words: "c=16, 64", "80, 160 req/s offered", or "c=8 with 2, 4 slow clients" on a slow-clients sweep. */
export function describeLoads(rows: ResultRow[]): string {
  if (rows.every((row) => row.loop === 'open' && row.offeredRps !== undefined)) {
    return `${rows.map((row) => formatRate(row.offeredRps ?? 0)).join(', ')} req/s offered`;
  }
  const counts = rows.flatMap((row) => (row.slowClients ? [row.slowClients.count] : []));
  if (counts.length === rows.length && new Set(rows.map((row) => row.concurrency)).size === 1) {
    return `c=${rows[0]!.concurrency} with ${counts.join(', ')} slow client${counts.length === 1 && counts[0] === 1 ? '' : 's'}`;
  }
  return `c=${rows.map((row) => row.concurrency).join(', ')}`;
}

const slowClients = (count: number) => `${count} slow client${count === 1 ? '' : 's'}`;

/** "builtin, sharing the server's cores": which load engine ran, and whether it competed with the server for CPU. */
export function describeGenerator(engine: GeneratorEngine, placement: Placement['mode']): string {
  return `${engine}, ${placement === 'shared' ? "sharing the server's cores" : 'on cores of its own'}`;
}

/** Requests that got no answer at all (non-2xx answers are counted apart); `errors` includes the timeouts. */
export function failedCount(row: ResultRow): number {
  return row.errors;
}

/** The model bounds a point by the cores: a /cpu path, or a user's app whose CPU per request caps the prediction. */
export function isCpuBound(row: ResultRow): boolean {
  return row.model.bound.includes('CPU-bound') || (row.model.cpuBoundRps !== undefined && row.predictedThroughputRps === row.model.cpuBoundRps);
}

/** Open loop: the server fell behind the offered load while the generator still had room. */
export function isOpenSaturated(row: ResultRow): boolean {
  return row.loop === 'open' && row.saturated === true;
}

/** The words the status column, the notes and the warnings share, so a reader can follow a point across them. */
export const SERVER_SATURATED = 'SATURATED';
export const GENERATOR_LIMITED = 'GENERATOR-LIMITED';
export const GENERATOR_CHANGED = 'WORKERS-CHANGED';

/** Why the load generator was the limit, in words: what the run recorded, else its CPU. */
export function generatorLimit(row: ResultRow): string {
  return row.generator.limit ?? `CPU at ${Math.round(row.generator.cpuPercent)}%`;
}

/** A wait a person reads: milliseconds below a second, seconds from there ("12.0 s", not "11993 ms"). */
export function formatWait(ms: number | null): string {
  if (ms === null) return NONE;
  return ms < 1000 ? `${formatMs(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
