import { UsageError } from '../cli/errors.js';
import { quoted } from '../formatting/quote.js';

/**
 * What bench's demo app accepts in a query (servers/node/app.ts and servers/python/endpoints.py
 * answer 400 past it). A run of such a path would measure 100% non-2xx and call it a result.
 */
export const DEMO_MAX_MS = 60_000;
export const DEMO_ITEMS = 1000;
const TAKES_MS = new Set(['/io', '/io-blocking', '/io-sync', '/cpu', '/db']);

/** A path the run requests, and the flag or key it came from. */
export interface NamedPath {
  path: string;
  where: string;
}

/**
 * Paths the demo app would refuse, or whose requests each take longer than the timeout (every one
 * would time out) or than the window (a client could finish none inside it), are bad input.
 */
export function checkDemoPaths(paths: NamedPath[], timing: { timeoutS: number; timeoutWhere: string; durationS: number; durationWhere: string }): void {
  for (const { path, where } of paths) {
    const url = new URL(path, 'http://demo');
    const fail = (why: string): never => {
      throw new UsageError(`${where}: ${quoted(path)}: ${why}`);
    };
    if (url.pathname === '/db-rows') {
      const n = url.searchParams.get('n') ?? '0';
      if (!/^\d+$/.test(n) || Number(n) > DEMO_ITEMS) fail(`the demo app reads n from 0 to ${DEMO_ITEMS} rows (its table holds ${DEMO_ITEMS}) and answers 400 to n=${quoted(n)}`);
    }
    if (!TAKES_MS.has(url.pathname)) continue;
    const raw = url.searchParams.get('ms') ?? '0';
    const ms = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || ms > DEMO_MAX_MS) fail(`the demo app takes ms from 0 to ${DEMO_MAX_MS} in decimal digits and answers 400 to ms=${quoted(raw)}`);
    if (ms >= timing.timeoutS * 1000) {
      fail(`each request takes ${ms / 1000} s, and ${timing.timeoutWhere} is ${timing.timeoutS} s: every one would time out; lower ms or raise timeout:`);
    }
    if (ms > timing.durationS * 1000) {
      fail(`each request takes ${ms / 1000} s, longer than the ${timing.durationS} s window (${timing.durationWhere}): a client could finish none inside it; make the window at least ${ms / 1000} s`);
    }
  }
}
