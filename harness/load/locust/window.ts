import type { GeneratorChange } from '../../results/types.js';
import type { EngineLoad, EngineMeasurement } from '../engine.js';
import { LatencyHistogram } from '../histogram.js';
import { secondCovers } from '../timeline-bound.js';

/** A worker's statistics since its report before, as the master wrote it down on arrival. */
export interface Report {
  type: 'report';
  t: number;
  worker: string;
  requests: number;
  failures: number;
  responseTimes: Record<string, number>;
  /** The same for each request of the mix, by its name. */
  byName?: Record<string, { requests: number; failures: number; responseTimes: Record<string, number> }>;
}
export type LogLine =
  | Report
  | { type: 'workers'; t: number; ids: string[] }
  | { type: 'open'; id: number; t: number; workers: string[] }
  | { type: 'close'; id: number; t: number; cpuPercent: number; workers: string[] };

/** Workers report every 0.25 s: one silent for this long inside the window had stopped sending. */
const SILENT_S = 1;

/**
 * A window's figures from the master's record: every report that arrived between its opening and
 * its closing, whichever worker sent it, over the window's wall-clock span. (A report holds the
 * requests since its worker's report before, so the requests cut at one edge are made up at the
 * other.) Counting each worker over its own reporting span instead would credit a worker that
 * was lost with a full window's rate.
 */
export function windowMeasurement(
  lines: LogLine[],
  id: number,
  load: EngineLoad,
  measuredCpu: { percent: number; processes: number } | undefined,
): EngineMeasurement & { generatorChanges?: GeneratorChange[] } {
  const open = lines.find((l): l is Extract<LogLine, { type: 'open' }> => l.type === 'open' && l.id === id);
  const close = lines.find((l): l is Extract<LogLine, { type: 'close' }> => l.type === 'close' && l.id === id);
  if (!open || !close) throw new Error(`the Locust master's record has no window ${id}`);
  const lengthS = close.t - open.t;
  const inside = lines.filter((l): l is Report => l.type === 'report' && l.t > open.t && l.t <= close.t);
  const latencies = new LatencyHistogram();
  // With a mix, each request apart: its successes and latencies, over the same reports as the run's.
  const byRequest = (load.requests ?? []).map((r) => ({ name: `${r.method} ${r.path}`, weight: r.weight, ok: 0, latencies: new LatencyHistogram() }));
  // A window a few ms over its length keeps its last second: the overshoot is counted in it.
  const buckets = Math.max(1, Math.round(lengthS));
  const seconds = Array.from({ length: buckets }, () => ({ ok: 0, failed: 0, latency: new LatencyHistogram(2) }));
  let ok = 0;
  let failures = 0;
  for (const r of inside) {
    ok += r.requests - r.failures;
    failures += r.failures;
    // Seconds hold what arrived in (t, t + 1], as the window holds (open, close].
    const second = seconds[Math.min(Math.max(Math.ceil(r.t - open.t) - 1, 0), buckets - 1)]!;
    second.ok += r.requests - r.failures;
    second.failed += r.failures;
    for (const [ms, n] of Object.entries(r.responseTimes)) {
      latencies.recordMs(Number(ms), n);
      second.latency.recordMs(Number(ms), n);
    }
    for (const request of byRequest) {
      const own = r.byName?.[request.name];
      if (!own) continue;
      request.ok += own.requests - own.failures;
      for (const [ms, n] of Object.entries(own.responseTimes)) request.latencies.recordMs(Number(ms), n);
    }
  }
  const perSecond = (count: number, t: number) => Math.round((count / secondCovers(t, buckets, lengthS)) * 10) / 10;
  const changes = workerChanges(lines, open, close, inside);
  return {
    lengthS,
    ok,
    non2xx: 0,
    errors: failures,
    timeouts: 0,
    refused: 0,
    histogram: latencies.encode(),
    errorHistogram: new LatencyHistogram().encode(),
    timeline: seconds.map((s, t) => ({ t, rps: perSecond(s.ok, t), p50Ms: s.latency.percentileMs(50), p99Ms: s.latency.percentileMs(99), errors: perSecond(s.failed, t), non2xx: 0 })),
    cpuPercent: Math.round((measuredCpu?.percent ?? close.cpuPercent) * 10) / 10,
    generatorProcesses: measuredCpu?.processes ?? Math.max(1, new Set([...open.workers, ...close.workers]).size),
    sent: ok + failures,
    eventLoopDelayMs: null,
    ...(byRequest.length > 0 && { byRequest: byRequest.map((r) => ({ name: r.name, weight: r.weight, ok: r.ok, histogram: r.latencies.encode() })) }),
    ...(changes.length > 0 && { generatorChanges: changes }),
  };
}

/**
 * Workers that were not there for the whole window: lost (gone from the master's list before the
 * window closed, or silent for a second before it did: Locust takes 3 s to call a worker missing)
 * or joined (not connected when it opened). Times are seconds into the window.
 */
function workerChanges(
  lines: LogLine[],
  open: Extract<LogLine, { type: 'open' }>,
  close: Extract<LogLine, { type: 'close' }>,
  inside: Report[],
): GeneratorChange[] {
  const at = (t: number) => Math.round(Math.max(0, t - open.t) * 10) / 10;
  const lists = lines.filter((l): l is Extract<LogLine, { type: 'workers' }> => l.type === 'workers' && l.t > open.t && l.t <= close.t);
  const changes: GeneratorChange[] = [];
  for (const worker of open.workers) {
    const last = inside.filter((r) => r.worker === worker).at(-1)?.t ?? open.t;
    const leftList = lists.find((l) => !l.ids.includes(worker))?.t;
    if (close.t - last > SILENT_S || leftList !== undefined || !close.workers.includes(worker)) {
      changes.push({ t: at(Math.min(last, leftList ?? last)), change: 'worker lost', worker });
    }
  }
  const joined = new Map<string, number>();
  for (const l of [...lists, ...inside.map((r) => ({ t: r.t, ids: [r.worker] }))]) {
    for (const worker of l.ids) if (!open.workers.includes(worker)) joined.set(worker, Math.min(l.t, joined.get(worker) ?? l.t));
  }
  for (const [worker, t] of joined) changes.push({ t: at(t), change: 'worker joined', worker });
  return changes.sort((a, b) => a.t - b.t);
}
