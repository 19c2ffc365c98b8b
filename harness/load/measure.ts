import { UsageError } from '../cli/errors.js';
import { isLoopback } from '../process/ports.js';
import { MachineCpu } from '../process/machine-cpu.js';
import { NOTHING_SAMPLED, ResourceSampler, type ResourceProvider, type ResourceUse } from '../process/sampler.js';
import type { GeneratorChange, GeneratorEngine, LatencyMs, TimelineSecond } from '../results/types.js';
import type { CountSample } from '../shared-state/count-sequences.js';
import { builtinEngine } from './builtin/index.js';
import type { AnswerLog, EngineLoad, EngineMeasurement, LoadEngine, ProgressListener, RequestWindow, WorkerAnswers } from './engine.js';
import { LatencyHistogram } from './histogram.js';
import { beyondTimeline } from './timeline-bound.js';
import { wrkEngine } from './wrk/index.js';
import { defaultLocustWorkers, locustEngine, type LocustSettings } from './locust/index.js';

export type { ClosedLoad, OpenLoad, Phase, ProgressListener } from './engine.js';

/** The engines `--generator` chooses from. */
export const ENGINES: Record<GeneratorEngine, LoadEngine> = { builtin: builtinEngine, wrk: wrkEngine, locust: locustEngine({ workers: defaultLocustWorkers() }) };

export type PointLoad = EngineLoad & {
  /** Which engine drives the point (default: builtin). */
  generator?: GeneratorEngine;
  /** An engine that drives the point instead of generator's: a test's fake (the run loop's RunContext.engine). */
  engine?: LoadEngine;
  /** With generator locust: its workers and where its master listens. */
  locust?: LocustSettings;
  /** Process groups of the deployment, sampled for CPU and memory during the window. */
  processGroups?: () => number[];
  /** Where processes of those groups that nobody waits for (CGI) write their CPU at exit. */
  exitCpuLog?: string;
  /** The web server in front (nginx, Apache), among processGroups: sampled on its own too. */
  frontGroups?: () => number[];
  /** Samples the deployment elsewhere (another machine's `bench agent`), instead of processGroups in this machine's /proc. */
  resources?: ResourceProvider;
  /** Load goes to loopback only unless this is set (--allow-remote). */
  allowRemote?: boolean;
  /** The one address beyond loopback load may go to without allowRemote: the --server-host machine bench started the deployment on. */
  serverHost?: string;
};

/** One measured window, whichever engine drove it. */
export interface PointMeasurement {
  durationS: number;
  /** Responses (any status) completed inside the window. */
  requests: number;
  /** 2xx responses per second inside the window. */
  throughputRps: number;
  /** Latencies behind the percentiles: the 2xx responses. */
  samples: number;
  latencyMs: LatencyMs | null;
  errorLatencyMs?: LatencyMs;
  errors: number;
  timeouts: number;
  /** Errors that were refused connections (nothing listening). */
  refused: number;
  non2xx: number;
  unsent?: number;
  late?: number;
  peakConnections?: number;
  /** The window's histograms, encoded, so that repeats merge into one. */
  histogram: string;
  errorHistogram: string;
  generator: {
    engine: GeneratorEngine;
    cpuPercent: number;
    cpuMsPerRequest: number | null;
    eventLoopDelayMs: { p99: number; max: number } | null;
    /** Locust: the worker processes whose CPU cpuPercent sums. */
    processes?: number;
  };
  resources: ResourceUse;
  /** The web server in front alone, when there is one (frontGroups). */
  frontResources?: ResourceUse;
  timeline: TimelineSecond[];
  /** With slow clients: their requests answered inside the window (not counted in the figures above). */
  slowCompleted?: number;
  /** With a mix (builtin engine): each of its requests' 2xx responses apart, in the mix's order. */
  byRequest?: (RequestWindow & { throughputRps: number })[];
  /** With countAnswers: the /count answers seen in the window. */
  counts?: CountSample[];
  /** The demo app's processes that answered, from its x-worker-pid header (builtin engine). */
  workers?: WorkerAnswers[];
  /** Workers of the generator (Locust's) lost or joined during the window. */
  generatorChanges?: GeneratorChange[];
  /** With recordAnswers (builtin engine): every answer of the window, for a deploy's outcome; never part of a row. */
  answers?: AnswerLog;
  /** How busy each of this machine's CPUs was over the window (percent, by CPU index), when the deployment ran on it. */
  machineCpu?: number[];
}

/**
 * Drives `url` for warm-up + window with the chosen engine and keeps what completes inside the
 * window, while the deployment's processes are sampled for CPU and memory.
 */
export async function measurePoint(load: PointLoad, onProgress?: ProgressListener, signal?: AbortSignal): Promise<PointMeasurement> {
  const host = new URL(load.url).hostname;
  if (!load.allowRemote && !isLoopback(host) && host !== load.serverHost) {
    throw new UsageError(`refusing to send load to ${host}: bench sends load to loopback only unless --allow-remote`);
  }
  const engine = load.engine ?? (load.generator === 'locust' && load.locust ? locustEngine(load.locust) : ENGINES[load.generator ?? 'builtin']);
  const why = engine.unavailable({ openLoop: 'offeredRps' in load, mix: load.requests !== undefined, slowClients: load.slowClients !== undefined });
  if (why) throw new UsageError(`--generator ${engine.name}: ${why}`);
  let sampler: ResourceSampler | undefined;
  let frontSampler: ResourceSampler | undefined;
  let machine: MachineCpu | undefined;
  let m: EngineMeasurement;
  try {
    m = await engine.run(
      load,
      {
        onProgress,
        onWindowOpen: () => {
          if (load.resources) load.resources.start();
          else if (load.processGroups) {
            sampler = new ResourceSampler(load.processGroups, undefined, load.exitCpuLog);
            machine = new MachineCpu();
          }
          if (load.frontGroups && !load.resources) frontSampler = new ResourceSampler(load.frontGroups);
        },
      },
      signal,
    );
  } catch (err) {
    sampler?.stop();
    frontSampler?.stop();
    await load.resources?.stop().catch(() => undefined);
    throw err;
  }
  const resources = load.resources ? await load.resources.stop() : (sampler?.stop() ?? NOTHING_SAMPLED);
  const frontResources = frontSampler?.stop();
  const machineCpu = machine?.stop();
  return { ...pointMeasurement(engine.name, m, load.durationS, resources), ...(frontResources && { frontResources }), ...(machineCpu && { machineCpu }) };
}

/** An engine's window as a point's measurement: rates from its counts, percentiles from its histograms. */
export function pointMeasurement(engine: GeneratorEngine, m: EngineMeasurement, durationS: number, resources: ResourceUse): PointMeasurement {
  const beyond = beyondTimeline(m);
  if (beyond) throw new Error(`--generator ${engine}: ${beyond}`);
  const lengthS = m.lengthS > 0 ? m.lengthS : durationS;
  const rate = (ok: number) => Math.round((ok / lengthS) * 100) / 100;
  const failures = LatencyHistogram.decode(m.errorHistogram).summary();
  return {
    durationS,
    requests: m.ok + m.non2xx,
    throughputRps: rate(m.ok),
    samples: m.ok,
    latencyMs: LatencyHistogram.decode(m.histogram).summary(),
    ...(failures && { errorLatencyMs: failures }),
    errors: m.errors,
    timeouts: m.timeouts,
    refused: m.refused,
    non2xx: m.non2xx,
    ...(m.unsent !== undefined && { unsent: m.unsent }),
    ...(m.late !== undefined && { late: m.late }),
    ...(m.peakConnections !== undefined && { peakConnections: m.peakConnections }),
    histogram: m.histogram,
    errorHistogram: m.errorHistogram,
    generator: {
      engine,
      cpuPercent: m.cpuPercent,
      cpuMsPerRequest: m.sent > 0 ? Math.round(((m.cpuPercent / 100) * lengthS * 1000 * 1000) / m.sent) / 1000 : null,
      eventLoopDelayMs: m.eventLoopDelayMs,
      ...(m.generatorProcesses !== undefined && { processes: m.generatorProcesses }),
    },
    resources,
    timeline: m.timeline,
    ...(m.slowCompleted !== undefined && { slowCompleted: m.slowCompleted }),
    ...(m.byRequest && { byRequest: m.byRequest.map((r) => ({ ...r, throughputRps: rate(r.ok) })) }),
    ...(m.counts && { counts: m.counts }),
    ...(m.workers && { workers: m.workers }),
    ...(m.generatorChanges && { generatorChanges: m.generatorChanges }),
    ...(m.answers && { answers: m.answers }),
  };
}
