import type { Level } from '../results/aggregate.js';
import type { Plan } from '../plan/build-plan.js';

/** The levels each deployment is measured at: concurrencies, offered rates, or slow-client counts beside one concurrency. */
export function loadLevels(plan: Plan): Level[] {
  const slow = plan.slowClients;
  if (plan.xAxis === 'slow-clients' && slow) {
    return slow.counts.map((count) => ({ concurrency: plan.concurrency[0]!, slowClients: { count, sendBytesPerSecond: slow.sendBytesPerSecond } }));
  }
  const beside = slow && { slowClients: { count: slow.counts[0]!, sendBytesPerSecond: slow.sendBytesPerSecond } };
  return plan.rates.length > 0
    ? plan.rates.map((offeredRps) => ({ offeredRps, maxConnections: plan.maxConnections, ...beside }))
    : plan.concurrency.map((concurrency) => ({ concurrency, ...beside }));
}

/** "c=8", "40 req/s offered", "c=4, 2 slow clients": a level as the progress lines and failures name it. */
export function describeLevel(level: Level): string {
  return (
    ('offeredRps' in level ? `${level.offeredRps} req/s offered` : `c=${level.concurrency}`) +
    (level.slowClients ? `, ${level.slowClients.count} slow client${level.slowClients.count === 1 ? '' : 's'}` : '')
  );
}
