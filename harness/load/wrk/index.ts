import { spawn } from 'node:child_process';
import { sleep } from '../../process/group.js';
import { reapedChildrenTicks } from '../../process/procfs.js';
import { guardChild } from '../../process/registry.js';
import { systemUnits } from '../../process/sampler.js';
import { wrkReportScript } from '../../files/bench-paths.js';
import { findExecutable } from '../../software/catalog.js';
import type { EngineLoad, EngineMeasurement, LoadEngine } from '../engine.js';
import { LatencyHistogram } from '../histogram.js';
import { progressTicker } from '../progress-ticker.js';

interface WrkReport {
  durationUs: number;
  requests: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  maxUs: number;
  /** [from %, to %, latency in µs at the band's middle], covering 0–100. */
  bands: [number, number, number][];
}

const NOTHING: WrkReport = { durationUs: 0, requests: 0, connect: 0, read: 0, write: 0, status: 0, timeout: 0, maxUs: 0, bands: [] };

/**
 * wrk (Debian's package), a native generator, as an independent check on the builtin one. It is
 * closed-loop only (wrk2's open loop is not packaged), and reports once at the end, so the window
 * is a run of its own: an unrecorded warm-up run, a pause for the warm-up's queue to drain, then
 * the measured run. Its latency distribution comes back as percentile bands from report.lua; it has
 * no per-second timeline, and it takes windows in whole seconds only (1.5 s runs as 2 s; throughput
 * uses the window's real length).
 */
export const wrkEngine: LoadEngine = {
  name: 'wrk',
  unavailable: ({ openLoop, mix, slowClients }) => {
    // What wrk cannot drive comes first: installing it would not help, and the refusal is the same on every machine.
    if (openLoop) return 'wrk drives a closed loop only; use the builtin generator for an open loop (--rate)';
    if (mix) return 'wrk sends one request; use the builtin generator for a requests: mix';
    if (slowClients) return 'wrk cannot trickle requests; use the builtin generator for slow clients (slowClients)';
    if (!findExecutable('wrk')) return 'wrk is not installed; install it with: sudo apt-get install wrk (or bench install-servers)';
    return undefined;
  },
  run: async (load, events, signal) => {
    const stopTicking = progressTicker(load, events.onProgress);
    try {
      if (load.warmupS > 0) {
        const warm = await runWrk(load, load.warmupS, signal);
        // A blocking server still serves the requests its gone clients queued: wait them out.
        const meanS = warm.requests > 0 ? (warm.durationUs / 1e6) * concurrencyOf(load) / warm.requests : 0;
        await sleep(Math.min(meanS, load.timeoutS) * 1000, signal);
      }
      // Interrupted before the window: nothing was measured (the run keeps only finished points).
      if (signal?.aborted) return toMeasurement(NOTHING, 0);
      events.onWindowOpen?.();
      const ticks = reapedChildrenTicks();
      const report = await runWrk(load, load.durationS, signal);
      const cpuS = (reapedChildrenTicks() - ticks) / systemUnits().ticksPerSecond;
      return toMeasurement(report, cpuS);
    } finally {
      stopTicking();
    }
  },
};

const wholeSeconds = (s: number) => Math.max(1, Math.round(s));

const concurrencyOf = (load: EngineLoad) => ('concurrency' in load ? load.concurrency : 1);

function runWrk(load: EngineLoad, seconds: number, signal?: AbortSignal): Promise<WrkReport> {
  const wrk = findExecutable('wrk')!;
  const args = [
    '-t1',
    `-c${concurrencyOf(load)}`,
    // wrk 4.1 takes times as whole numbers with an s, m or h unit: "-d1500ms" is a usage error.
    `-d${wholeSeconds(seconds)}s`,
    `--timeout`, `${wholeSeconds(load.timeoutS)}s`,
    '-s', wrkReportScript,
    load.url,
  ];
  const taskset = load.cpus ? findExecutable('taskset') : undefined;
  const child = taskset ? spawn(taskset, ['-c', load.cpus!, wrk, ...args]) : spawn(wrk, args);
  // Guarded: a window can outlast a killed bench by minutes. It stays in bench's session: a
  // session of its own would be a scheduling group of its own (autogroup), and change its share.
  guardChild(child, 'SIGINT', false);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const stop = () => child.kill('SIGINT');
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop);
  return new Promise<WrkReport>((resolve, reject) => {
    child.on('error', (err) => reject(new Error(`wrk did not start: ${err.message}`)));
    child.on('close', (code) => {
      signal?.removeEventListener('abort', stop);
      const line = out.split('\n').find((l) => l.startsWith('BENCH-WRK '));
      if (!line) return reject(new Error(`wrk exited with code ${code} without a report: ${out.trim().slice(-300)}`));
      resolve(JSON.parse(line.slice('BENCH-WRK '.length)) as WrkReport);
    });
  });
}

function toMeasurement(report: WrkReport, cpuS: number): EngineMeasurement {
  const lengthS = report.durationUs / 1e6;
  const failed = report.connect + report.read + report.write + report.timeout;
  const ok = report.requests - report.status;
  // Each band stands for its share of the responses, in whole counts that add up; the slowest one
  // is wrk's maximum itself. wrk times every status together: the bands are scaled to the 2xx count.
  const latencies = new LatencyHistogram();
  const countBelow = (pct: number) => Math.round((pct / 100) * (ok - 1));
  if (ok > 0) {
    for (const [from, to, us] of report.bands) latencies.recordMs(us / 1000, countBelow(to) - countBelow(from));
    latencies.recordMs(report.maxUs / 1000);
  }
  return {
    lengthS,
    ok,
    non2xx: report.status,
    errors: failed,
    timeouts: report.timeout,
    refused: report.connect,
    histogram: latencies.encode(),
    errorHistogram: new LatencyHistogram().encode(),
    timeline: [],
    cpuPercent: Math.round((cpuS / Math.max(lengthS, 1e-3)) * 1000) / 10,
    sent: report.requests + failed,
    eventLoopDelayMs: null,
  };
}
