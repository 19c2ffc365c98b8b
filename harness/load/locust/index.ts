import { cpus } from 'node:os';
import { hasProcfs } from '../../process/procfs.js';
import { systemUnits } from '../../process/sampler.js';
import { findExecutable } from '../../software/catalog.js';
import type { EngineLoad, EngineMeasurement, LoadEngine } from '../engine.js';
import { progressTicker } from '../progress-ticker.js';
import { clusterFor, type KeptWindow, type LocustSettings, type PointCommand } from './cluster.js';
import { windowMeasurement } from './window.js';

export { withLocustCluster, type LocustSettings } from './cluster.js';

export const defaultLocustWorkers = () => cpus().length;

/**
 * Locust (Debian's python3-locust) as a load engine: a master and N workers on this machine (or
 * more workers joining from other machines), FastHttpUser users sending the scenario's requests.
 * The figures are Locust's own: its workers' periodic statistics reports, which the master writes
 * down as they arrive (bench_locustfile.py), cut to the window at report times. Within a run, every
 * point uses the run's cluster (withLocustCluster); a point alone starts and ends one of its own.
 */
export function locustEngine(settings: LocustSettings): LoadEngine {
  return {
    name: 'locust',
    unavailable: () => (findExecutable('locust') ? undefined : 'Locust is not installed; install it with: sudo apt-get install python3-locust (or bench install-servers)'),
    run: async (load, events, signal) => {
      const { cluster, own } = clusterFor(settings);
      let stopTicking = () => {};
      try {
        const kept = await cluster.point(
          pointCommand(load),
          load.cpus,
          {
            waiting: (left) => events.onProgress?.('waiting for Locust workers', left),
            // Warm-up and window count down from the users' start, not from the wait before it.
            starting: () => (stopTicking = progressTicker(load, events.onProgress)),
            windowOpened: () => events.onWindowOpen?.(),
          },
          signal,
        );
        return measurement(kept, load, settings);
      } finally {
        stopTicking();
        if (own) await cluster.close();
      }
    },
  };
}

/** An interrupted point keeps nothing: an empty window. */
function measurement(kept: KeptWindow | undefined, load: EngineLoad, settings: LocustSettings): EngineMeasurement {
  if (!kept) return windowMeasurement([{ type: 'open', id: 0, t: 0, workers: [] }, { type: 'close', id: 0, t: load.durationS, cpuPercent: 0, workers: [] }], 0, load, undefined);
  // The local workers' CPU from /proc over the window (seen within 100 ms of its edges); Locust's
  // own figure (psutil, sampled every few seconds) only where workers run elsewhere.
  const { open, close } = kept.ticks;
  const measuredCpu =
    hasProcfs && !settings.remoteWorkers
      ? { percent: ((close.ticks - open.ticks) / systemUnits().ticksPerSecond / Math.max((close.at - open.at) / 1000, 1e-3)) * 100, processes: settings.workers }
      : undefined;
  return windowMeasurement(kept.lines, kept.id, load, measuredCpu);
}

/**
 * Closed loop: one user per client, each sending as soon as its answer came. Open loop: users that
 * each keep 1 req/s (constant_throughput), as many as the rate, up to the connection cap: a user
 * still waiting for an answer sends late, so Locust's open loop holds only while answers take less
 * than a second (with the cap reached, each user's share grows and that time shrinks).
 */
function pointCommand(load: EngineLoad): PointCommand {
  const users = 'concurrency' in load ? load.concurrency : Math.max(1, Math.min(load.maxConnections, Math.ceil(load.offeredRps)));
  const perUserRps = 'concurrency' in load ? null : load.offeredRps / users;
  const url = new URL(load.url);
  const requests = load.requests
    ? load.requests.map((r) => ({ ...r, name: `${r.method} ${r.path}` }))
    : [{ method: 'GET', path: url.pathname + url.search, headers: {}, weight: 1, name: url.pathname + url.search }];
  return { users, config: { host: url.origin, requests, perUserRps, warmupS: load.warmupS, durationS: load.durationS, timeoutS: load.timeoutS } };
}
