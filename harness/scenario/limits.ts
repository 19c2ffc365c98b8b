import { quoted } from '../formatting/quote.js';

/**
 * The one table of what bench accepts for pools, load and windows. The CLI's flag parsers
 * (options.ts) and the scenario schema both read it, so that a value gets the same refusal, with
 * the same reason, whichever side it came from; only the name in front differs (`--workers`,
 * `deployments[0].workers`). Not harness/process/limits.ts, which reads the machine's ulimits.
 */
export interface Limit {
  /** What one unit counts, as messages say it after the number ("worker processes", "s"; "" for a bare number). */
  unit: string;
  min: number;
  max: number;
  whole: boolean;
  /** Why nothing under min is accepted, where that is not plain (a count of zero). */
  belowMin?: string;
  /** Why nothing over max is accepted. */
  aboveMax?: string;
}

export const LIMITS = {
  workers: {
    unit: 'worker processes',
    min: 1,
    max: 256,
    whole: true,
    aboveMax: 'more processes measure how fast the machine forks and swaps, not the pool (gunicorn suggests 2 × cores + 1)',
  },
  threads: { unit: 'threads per worker', min: 1, max: 256, whole: true, aboveMax: 'more threads per worker measure the GIL and the scheduler, not the pool' },
  concurrency: { unit: 'clients', min: 1, max: 10_000, whole: true, aboveMax: 'each client is an open connection in one generator process' },
  rate: { unit: 'req/s', min: 1, max: 1_000_000, whole: true, aboveMax: 'more than one generator on one machine can schedule' },
  duration: {
    unit: 's',
    min: 0.25,
    max: 3600,
    whole: false,
    belowMin:
      "a shorter window is mostly its own edges (connections opening, the last replies draining), and the server's CPU, " +
      'counted in 10 ms ticks and read every 200 ms, gets at most one reading inside it',
    aboveMax: 'one window of more than an hour; use repeat: for longer measurements',
  },
  warmup: { unit: 's', min: 0, max: 3600, whole: false, aboveMax: 'a warm-up of more than an hour per point' },
  timeout: {
    unit: 's',
    min: 1,
    max: 3600,
    whole: true,
    belowMin: 'the builtin generator checks for timeouts every 100 ms and wrk counts them in whole seconds',
  },
  repeat: { unit: 'rounds', min: 1, max: 100, whole: true },
  slowClients: { unit: 'slow clients', min: 0, max: 1000, whole: true, aboveMax: 'each holds a connection of its own beside the load' },
  slowClientBytesPerSecond: {
    unit: 'bytes/s',
    min: 10,
    max: 1000,
    whole: true,
    belowMin: 'a slower request takes longer to arrive than servers wait for one',
    aboveMax: "a slow client's request is padded to about 3 s of bytes, and uWSGI refuses header blocks over 4 KB",
  },
  maxConnections: { unit: 'connections', min: 1, max: 1_000_000, whole: true, aboveMax: 'more file descriptors than one generator process can hold' },
  pool: { unit: 'database connections per process', min: 1, max: 10_000, whole: true },
  upstreamKeepalive: { unit: 'idle upstream connections per nginx worker', min: 1, max: 100_000, whole: true },
  weight: { unit: 'shares of the request mix', min: 1, max: 1000, whole: true },
} as const satisfies Record<string, Limit>;

/**
 * Plain decimal notation only: "16", "0.5", ".5". Not "0x10" or "1e3", which JavaScript's Number()
 * and YAML both read as numbers, nor " 5", "+5" or "Infinity". A minus sign is let through so that
 * "-1" is refused for its range, which says more than "not decimal".
 */
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)$/;

export function isPlainDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

/** "a whole number of worker processes from 1 to 256": the accepted range, as every refusal starts. */
export function describeLimit(limit: Limit): string {
  const of = limit.unit === '' ? '' : ` of ${limit.unit === 's' ? 'seconds' : limit.unit}`;
  const what = `${limit.whole ? 'a whole number' : 'a number'}${of}`;
  return `${what} from ${limit.min} to ${limit.max}`;
}

/** Why `value` is refused, or undefined when the limit accepts it. */
export function refusal(limit: Limit, value: number): string | undefined {
  const range = `expected ${describeLimit(limit)}`;
  if (!Number.isFinite(value)) return `${range}, got ${value}`;
  if (limit.whole && !Number.isInteger(value)) return `${range}, got ${value}`;
  if (value < limit.min) return `${range}, got ${value}${limit.belowMin ? `: ${limit.belowMin}` : ''}`;
  if (value > limit.max) return `${range}, got ${value}${limit.aboveMax ? `: ${limit.aboveMax}` : ''}`;
  return undefined;
}

/** Text from a flag or a file, refused unless it is a plain decimal within the limit. */
export function refusalOfText(limit: Limit, text: string): string | undefined {
  if (!isPlainDecimal(text)) return `expected ${describeLimit(limit)} in plain decimal digits, got ${quoted(text)}`;
  return refusal(limit, Number(text));
}
