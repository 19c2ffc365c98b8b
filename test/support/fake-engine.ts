import type { EngineLoad, EngineMeasurement, LoadEngine } from '../../harness/load/engine.js';
import { LatencyHistogram } from '../../harness/load/histogram.js';
import type { FakeKind, RunLog } from './fake-kind.js';

/** What the fake engine does at one point, counted from 1 over the whole run. */
export interface FakePoint {
  /** The engine fails with this error (a Locust master gone, say). */
  throws?: Error;
  /** Ctrl-C arrives while this point is measured: the engine aborts this controller and the point is lost. */
  interrupts?: AbortController;
  /** Every connection is refused, as when nothing listens any more. */
  refused?: boolean;
  /** Called as the point starts, e.g. to read results.json as it stands. */
  before?(): void;
}

/**
 * A load engine that sends nothing: each point "measures" `latencyMs` for every request, at
 * min(c, workers) / latency requests a second (Little's law for one worker), over a window of
 * exactly durationS, and says in the run log what it was asked for.
 */
export function fakeEngine(log: RunLog, deployments: FakeKind, points: Record<number, FakePoint> = {}, latencyMs = 10): LoadEngine {
  let point = 0;
  return {
    name: 'builtin',
    unavailable: () => undefined,
    async run(load: EngineLoad, events, signal): Promise<EngineMeasurement> {
      point++;
      const label = deployments.labelOf(load.url);
      const level = 'concurrency' in load ? `c=${load.concurrency}` : `${load.offeredRps} req/s`;
      const script = points[point] ?? {};
      script.before?.();
      log.push(`warm-up ${label} ${new URL(load.url).pathname} ${level} for ${load.warmupS} s`);
      if (script.interrupts) {
        script.interrupts.abort();
        throw new Error('interrupted');
      }
      if (script.throws) throw script.throws;
      events.onWindowOpen?.();
      log.push(`measure ${label} ${new URL(load.url).pathname} ${level}`);
      deployments.pointMeasured(label);
      if (signal?.aborted) throw new Error('interrupted');
      const ok = script.refused ? 0 : Math.round(('concurrency' in load ? Math.min(load.concurrency, 1) : 1) * (1000 / latencyMs) * load.durationS);
      const histogram = new LatencyHistogram();
      if (ok > 0) histogram.recordMs(latencyMs, ok);
      const failed = script.refused ? 25 : 0;
      const errorHistogram = new LatencyHistogram();
      if (failed > 0) errorHistogram.recordMs(1, failed);
      return {
        lengthS: load.durationS,
        ok,
        non2xx: 0,
        errors: failed,
        timeouts: 0,
        refused: failed,
        histogram: histogram.encode(),
        errorHistogram: errorHistogram.encode(),
        timeline: [],
        cpuPercent: 0,
        sent: ok + failed,
        eventLoopDelayMs: null,
      };
    },
  };
}
