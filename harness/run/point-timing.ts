import type { Level } from '../results/aggregate.js';
import type { Plan } from '../plan/build-plan.js';

/**
 * How long each point of one deployment warms up before its window opens. Two things make a
 * level's first seconds unlike its steady state. Requests still queued from the level before are
 * served first (a blocking server serves a request even after its client has gone): they drain
 * within that level's mean latency (Little's law: in flight / rate). And in a closed loop a queue
 * of c requests takes about c / rate to form, during which latencies are too low. The warm-up
 * lasts at least that long, never beyond the request timeout; --quick waits only for the drain.
 */
export class PointTiming {
  private drainS = 0;
  private lastRate = 0;

  constructor(private readonly plan: Pick<Plan, 'warmupS' | 'timeoutS' | 'fillQueue'>) {}

  /** The service-time probe left its requests' mean latency to drain. */
  probed(serviceMs: number | undefined): void {
    this.drainS = (serviceMs ?? 0) / 1000;
  }

  /** Time spent since the last point (the liveness check, which queues behind it) drained the queue that long. */
  waited(seconds: number): void {
    this.drainS = Math.max(0, this.drainS - seconds);
  }

  /** The warm-up of the next point, at `level`. */
  warmupS(level: Level): number {
    const fillS = this.plan.fillQueue && 'concurrency' in level && this.lastRate > 0 ? level.concurrency / this.lastRate : 0;
    return Math.max(this.plan.warmupS, Math.min(Math.max(this.drainS, fillS), this.plan.timeoutS));
  }

  /** A point was measured: its queue drains within its mean latency (the timeout when nothing succeeded). */
  measured(meanLatencyMs: number | undefined, throughputRps: number): void {
    this.drainS = (meanLatencyMs ?? this.plan.timeoutS * 1000) / 1000;
    this.lastRate = throughputRps;
  }
}
