import { UsageError } from '../cli/errors.js';
import type { XAxis } from '../results/types.js';
import type { ScenarioFile } from '../scenario/schema.js';

/** A run's slow clients: one count beside every level, or the counts an xAxis: slow-clients run sweeps. */
export interface PlannedSlowClients {
  counts: number[];
  sendBytesPerSecond: number;
}

/** Where each setting came from, for errors that name it: the scenario's key or the flag that replaced it. */
export interface SlowClientContext {
  xAxis: XAxis;
  concurrency: number[];
  concurrencyWhere: string;
  rates: number[];
  rateWhere: string;
}

/**
 * The scenario's `slowClients:`, checked against the x axis: a sweep of slow clients is a list of
 * counts beside one closed-loop concurrency (the normal clients whose figures the rows report),
 * and a list of counts is only a sweep on that axis.
 */
export function planSlowClients(slowClients: ScenarioFile['slowClients'], ctx: SlowClientContext): PlannedSlowClients | undefined {
  const sweep = ctx.xAxis === 'slow-clients';
  if (!slowClients) {
    if (sweep) throw new UsageError('xAxis: slow-clients needs slowClients:, e.g. slowClients: { count: [0, 2, 4, 8], sendBytesPerSecond: 100 }');
    return undefined;
  }
  const list = Array.isArray(slowClients.count);
  if (sweep && !list) {
    throw new UsageError(`slowClients.count: with xAxis: slow-clients, give the counts to sweep as a list, e.g. [0, 2, 4, 8] (not ${slowClients.count})`);
  }
  if (!sweep && list) {
    throw new UsageError('slowClients.count: a list of counts is a sweep; add xAxis: slow-clients, or give one count to run beside every level');
  }
  if (sweep && ctx.concurrency.length !== 1) {
    throw new UsageError(
      `${ctx.concurrencyWhere}: with xAxis: slow-clients, give one concurrency (the normal clients beside the slow ones), not ${ctx.concurrency.length} levels`,
    );
  }
  if (sweep && ctx.rates.length > 0) {
    throw new UsageError(`${ctx.rateWhere}: with xAxis: slow-clients the normal clients are a closed loop at one concurrency; leave out the rate`);
  }
  const counts = [slowClients.count].flat();
  const twice = counts.find((count, i) => counts.indexOf(count) !== i);
  if (twice !== undefined) throw new UsageError(`slowClients.count: the count ${twice} is listed twice; list it once (use --repeat to measure it again)`);
  return { counts, sendBytesPerSecond: slowClients.sendBytesPerSecond };
}
