import type { ErrorsByKind } from '../results/types.js';

/**
 * What live load measured over its last window: the page's numbers and Little's law's three terms
 * (λ, W and L). The load part measures them and `bench serve`'s tick carries them to the page, so
 * they are defined here, below both; the page compiles this file too, so it imports types only.
 */
export interface LiveWindowFigures {
  /** Completed 2xx responses a second. */
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Failed requests (errors, timeouts, non-2xx) a second. */
  errorsPerS: number;
  /** The same, by kind. */
  errorsByKind: ErrorsByKind;
  /** W in Little's law: the mean latency of the responses. */
  meanLatencyMs: number | null;
  /** L measured: requests sent and not yet answered, averaged over the window. */
  inFlight: number;
}
