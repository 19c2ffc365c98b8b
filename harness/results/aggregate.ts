import type { DeploymentSpec, ServerKind } from '../deployments/kind.js';
import { appProcesses, predict, predictCapacity, type Prediction } from '../model/predict.js';
import { modelGap, repeatsEvidence } from '../model/gap.js';
import { withSharedThreadBound, withSharedThreadCost } from '../model/shared-thread.js';
import { cooperativeDriver, poolSize } from '../database/connections.js';
import { LatencyHistogram } from '../load/histogram.js';
import type { PointMeasurement } from '../load/measure.js';
import { NOTHING_SAMPLED, type ResourceUse } from '../process/sampler.js';
import type { SlowClientLoad } from '../load/engine.js';
import type { DeployOutcome, EffectiveSettings, FaultOutcome, GeneratorUse, ManagerName, ModelPrediction, NetworkUse, Placement, PointEvent, RequestFigures, ResultRow, Spread } from './types.js';
import { countSequences } from '../shared-state/count-sequences.js';
import { median, toThousandths } from '../stats/median.js';

/** A load level: closed-loop clients, or an open-loop rate with a cap on connections; with slow clients beside either. */
export type Level = ({ concurrency: number } | { offeredRps: number; maxConnections: number }) & { slowClients?: SlowClientLoad };

/** One measurement of a point, with whatever happened during it. */
export interface Sample extends PointMeasurement {
  events?: PointEvent[];
  fault?: FaultOutcome;
  deploy?: DeployOutcome;
  /** How the deployment was started (see ResultRow.serverArgs and nginxConfig). */
  serverArgs?: string[];
  nginxConfig?: string;
  apacheConfig?: string;
  /** The process manager that ran the server, and its config as bench wrote it. */
  manager?: ManagerName;
  managerConfig?: { name: string; text: string };
  serverEnv?: Record<string, string>;
  effectiveSettings?: EffectiveSettings;
}

/** Every sample of one point (deployment × path × level), repeats included, in round order. */
export interface PointSamples {
  /** What a row needs of the planned deployment; aggregating comes after planning and needs no more of it. */
  planned: { label: string; kind: ServerKind; spec: DeploymentSpec };
  path: string;
  level: Level;
  /** Where the generator ran relative to the server (the same for every point of a run). */
  placement: Placement;
  samples: Sample[];
  /** A user's app, CGI: what one request cost at one client, which the model then rests on. */
  measuredService?: MeasuredService;
  /** A server on another machine: the wire's round trips, which the model adds to each request. */
  network?: NetworkUse;
}

/** A request at one client (a user's app, CGI): mean latency (ms), and the deployment's CPU per request (ms). */
export interface MeasuredService {
  ms: number;
  cpuMs: number;
}

/** An open-loop point that achieved less than this share of its offered load fell behind. */
const KEPT_UP = 0.95;
/** A generator whose process used more of its core than this was the limit, not the server. */
export const GENERATOR_SATURATED_PERCENT = 90;
/** An event loop this late (p99) sends late: the generator could not keep its schedule. */
const LOOP_DELAY_LIMIT_MS = 20;

/**
 * The result row of a point. Percentiles come from the repeats' histograms merged into one (so
 * `max` is the true maximum and `samples` counts every latency behind them); throughput is the
 * median over the repeats, with the min–max spread and each repeat's figures; errors are the
 * worst repeat's, so that an error in one repeat never disappears. The timeline and a fault's
 * outcome come from one named repeat: the first.
 */
/** Repeats' resources as one: the median CPU, the worst memory and process count. */
function mergedResources(repeats: ResourceUse[]): ResourceUse {
  const pss = repeats.map((r) => r.peakPssMb).filter((x): x is number => x !== null);
  return {
    cpuPercent: median(repeats.map((r) => r.cpuPercent)),
    peakRssMb: Math.max(...repeats.map((r) => r.peakRssMb)),
    peakPssMb: pss.length > 0 ? Math.max(...pss) : null,
    processes: Math.max(...repeats.map((r) => r.processes)),
  };
}

export function toRow(point: PointSamples): ResultRow {
  const { planned, path, level, samples, placement } = point;
  const first = samples[0]!;
  const measuredModel = withMeasuredService(
    predictCapacity(planned.kind, planned.spec, path, placement.serverCores, level.slowClients?.count),
    point.measuredService,
    { app: Math.min(appProcesses(planned.kind, planned.spec), placement.serverCores), server: placement.serverCores },
    levelCpu(samples),
  );
  const open = 'offeredRps' in level;
  const network = point.network?.notInModel ? undefined : point.network;
  const prediction = predict(measuredModel, open ? { offeredRps: level.offeredRps } : { concurrency: level.concurrency }, network);
  const bounded = open ? measuredModel : withSharedThreadBound(measuredModel, level.concurrency, prediction.predictedThroughputRps);
  const model = withEstimate(bounded, prediction, open ? level.offeredRps : undefined);
  const throughputRps = median(samples.map((s) => s.throughputRps));
  const worst = (pick: (s: Sample) => number) => Math.max(...samples.map(pick));
  const merged = LatencyHistogram.merge(samples.map((s) => s.histogram));
  const failures = LatencyHistogram.merge(samples.map((s) => s.errorHistogram)).summary();
  // An overloaded server fills any connection cap by itself (its queue grows by offered − served
  // every second); the cap is the generator's limit only where the model says the server had room.
  const capBinds = open && prediction.predictedThroughputRps !== null && prediction.predictedThroughputRps >= KEPT_UP * level.offeredRps;
  const { own: generatorLimits, ...generator } = generatorUse(samples, placement, capBinds ? level.maxConnections : undefined);
  // The demo app's connections to the run's database; a user's app sizes its own.
  const pooled = planned.spec.database !== undefined && !planned.spec.app;
  const cooperative = cooperativeDriver(planned.kind, planned.spec);
  const row: ResultRow = {
    deployment: planned.label,
    server: planned.spec.kind,
    workers: planned.spec.workers,
    ...(planned.spec.threads !== undefined && { threads: planned.spec.threads }),
    ...(pooled && { pool: poolSize(planned.kind, planned.spec), ...(cooperative !== undefined && { cooperativeDriver: cooperative }) }),
    ...(planned.kind.pool?.preload && { preload: planned.spec.preload ?? false }),
    proxy: planned.spec.proxy,
    ...(planned.spec.static && { static: planned.spec.static }),
    path,
    loop: open ? 'open' : 'closed',
    concurrency: open ? worst((s) => s.peakConnections ?? 0) : level.concurrency,
    ...(open && { offeredRps: level.offeredRps }),
    durationS: first.durationS,
    requests: median(samples.map((s) => s.requests)),
    throughputRps,
    samples: merged.count,
    latencyMs: merged.summary(),
    ...(failures && { errorLatencyMs: failures }),
    errors: worst((s) => s.errors),
    timeouts: worst((s) => s.timeouts),
    non2xx: worst((s) => s.non2xx),
    ...prediction,
    throughputRatio: prediction.predictedThroughputRps ? toThousandths(throughputRps / prediction.predictedThroughputRps) : null,
    model,
    ...(point.network && { network: point.network }),
    repeats: samples.length,
    generator,
    resources: mergedResources(samples.map((s) => s.resources)),
    ...(first.frontResources && { frontResources: mergedResources(samples.map((s) => s.frontResources ?? NOTHING_SAMPLED)) }),
    timeline: first.timeline,
    timelineRepeat: 1,
    ...(first.counts && { counts: { ...countSequences(first.counts), samples: first.counts } }),
    ...(first.events && { events: first.events }),
    ...generatorChanges(samples),
    ...(first.fault && { fault: first.fault }),
    ...(first.deploy && { deploy: first.deploy }),
    ...(first.serverArgs && { serverArgs: first.serverArgs }),
    ...(first.nginxConfig && { nginxConfig: first.nginxConfig }),
    ...(first.apacheConfig && { apacheConfig: first.apacheConfig }),
    ...(first.manager && { manager: first.manager }),
    ...(first.managerConfig && { managerConfig: first.managerConfig }),
    ...(first.serverEnv && { serverEnv: first.serverEnv }),
    ...(first.effectiveSettings && { effectiveSettings: first.effectiveSettings }),
    ...(level.slowClients && { slowClients: { ...level.slowClients, completed: median(samples.map((s) => s.slowCompleted ?? 0)) } }),
    ...(first.byRequest && { byRequest: byRequest(samples) }),
  };
  if (open) {
    row.unsent = worst((s) => s.unsent ?? 0);
    row.late = worst((s) => s.late ?? 0);
    row.peakConnections = row.concurrency;
    row.maxConnections = level.maxConnections;
    const fellBehind = throughputRps < KEPT_UP * level.offeredRps || row.errors + row.non2xx > 0;
    // Behind because the generator ran out of connections or CPU is the generator's limit, not the server's.
    row.saturated = fellBehind && !generator.saturated;
  }
  const gap = modelGap(row, { kind: planned.kind, spec: planned.spec, placement, generatorLimits, ...repeatsEvidence(samples) });
  if (gap) row.modelGap = gap;
  if (samples.length > 1) {
    const p = (s: Sample, key: 'p50' | 'p99') => s.latencyMs?.[key] ?? null;
    row.spread = {
      throughputRps: spread(samples.map((s) => s.throughputRps)),
      p50Ms: spread(samples.flatMap((s) => p(s, 'p50') ?? [])),
      p99Ms: spread(samples.flatMap((s) => p(s, 'p99') ?? [])),
    };
    row.perRepeat = samples.map((s) => ({ throughputRps: s.throughputRps, p50Ms: p(s, 'p50'), p99Ms: p(s, 'p99') }));
  }
  return row;
}

/** Each request of a mix over the repeats, as the row's own figures are: median throughput, merged histograms. */
function byRequest(samples: Sample[]): RequestFigures[] {
  return samples[0]!.byRequest!.map((r, i) => {
    const repeats = samples.map((s) => s.byRequest?.[i]).filter((x) => x !== undefined);
    const merged = LatencyHistogram.merge(repeats.map((x) => x.histogram));
    return { request: r.name, weight: r.weight, throughputRps: median(repeats.map((x) => x.throughputRps)), samples: merged.count, latencyMs: merged.summary() };
  });
}

/** CPU per request at a level, in ms: the app's processes alone, and the deployment's with the web server in front. */
interface LevelCpu {
  appMs: number;
  totalMs: number;
}

/**
 * What each request of this level cost in CPU, the median over the repeats that were sampled:
 * a request costs less CPU among many (an event loop batches its reads and writes) than alone.
 */
function levelCpu(samples: Sample[]): LevelCpu | undefined {
  const sampled = samples.filter((s) => s.resources.processes > 0 && s.throughputRps > 0);
  if (sampled.length === 0) return undefined;
  const perRequest = (percent: number, s: Sample) => ((percent / 100) * 1000) / s.throughputRps;
  return {
    appMs: median(sampled.map((s) => perRequest(s.resources.cpuPercent - (s.frontResources?.cpuPercent ?? 0), s))),
    totalMs: median(sampled.map((s) => perRequest(s.resources.cpuPercent, s))),
  };
}

/**
 * A user's app, CGI: the model's d is what one client measured, not what the path says, and the CPU
 * each request took bounds the deployment too: the cores the app's processes can use (the
 * server's, or fewer when fewer processes run app code) do no more than cores / the app's CPU per
 * request, and the server's cores no more than cores / the whole deployment's (the web server in
 * front included), however many requests it holds at once. The CPU is this level's own where it
 * was sampled, so that the bound holds at the level it applies to; else what one client cost.
 */
function withMeasuredService(model: ModelPrediction, measured: MeasuredService | undefined, cores: { app: number; server: number }, level: LevelCpu | undefined): ModelPrediction {
  if (measured === undefined) return model;
  const terms = level
    ? [
        { cores: cores.app, cpuMs: level.appMs },
        { cores: cores.server, cpuMs: level.totalMs },
      ]
    : [{ cores: cores.app, cpuMs: measured.cpuMs }];
  // To the hundredth, as predict() rounds rates: a point this bounds then predicts exactly it.
  const rps = (t: { cores: number; cpuMs: number }) => Math.round((t.cores * 100_000) / t.cpuMs) / 100;
  const tightest = terms.filter((t) => t.cpuMs > 0).sort((a, b) => rps(a) - rps(b))[0];
  const where = level ? 'this level' : 'one client';
  return {
    ...withSharedThreadCost(model, level?.appMs ?? measured.cpuMs, measured.cpuMs),
    serviceMs: toThousandths(measured.ms),
    serviceSource: 'measured',
    ...(tightest && {
      cpuBoundRps: rps(tightest),
      cpuMsPerRequest: toThousandths(tightest.cpuMs),
      cpuMeasuredAt: where,
      bound: `${model.bound}, and ${tightest.cores} core${tightest.cores === 1 ? '' : 's'} at ${toThousandths(tightest.cpuMs)} ms of CPU per request (measured at ${where})`,
    }),
  };
}

/**
 * A prediction from one client's measurement is an estimate, not a bound, unless what bounds it
 * was measured at this level (its CPU per request) or it is the offered rate of an open loop the
 * deployment keeps up with: say what it rests on.
 */
function withEstimate(model: ModelPrediction, prediction: Prediction, offeredRps: number | undefined): ModelPrediction {
  const predicted = prediction.predictedThroughputRps;
  if (model.serviceSource !== 'measured' || predicted === null || predicted === offeredRps) return model;
  const cpuBinds = model.cpuBoundRps !== undefined && predicted === model.cpuBoundRps;
  if (cpuBinds && model.cpuMeasuredAt === 'this level') return model;
  const estimate = cpuBinds
    ? `the ${model.cpuMsPerRequest} ms of CPU per request measured at one client`
    : `the ${model.serviceMs} ms mean latency measured at one client`;
  return { ...model, estimate };
}

/**
 * The generator's own figures over the repeats, and whether (and why) it was the limit: the
 * connection cap, or its own CPU or event loop (`own`, which the model gap names apart).
 */
function generatorUse(samples: Sample[], placement: Placement, maxConnections: number | undefined): GeneratorUse & { own: string[] } {
  const cpuPercent = Math.max(...samples.map((s) => s.generator.cpuPercent));
  // Locust's workers are limited together: each at its core's limit.
  const processes = Math.max(...samples.map((s) => s.generator.processes ?? 1));
  const perRequest = samples.map((s) => s.generator.cpuMsPerRequest).filter((x): x is number => x !== null);
  const delays = samples.map((s) => s.generator.eventLoopDelayMs).filter((x) => x !== null);
  const eventLoopDelayMs = delays.length > 0 ? { p99: Math.max(...delays.map((d) => d.p99)), max: Math.max(...delays.map((d) => d.max)) } : null;
  const late = Math.max(...samples.map((s) => s.late ?? 0));
  // Reconnecting to a port nobody listens on keeps a generator busy without measuring anything:
  // its CPU then says the server is gone, not that the generator was the limit.
  const refusedStorm = samples.some((s) => s.refused > (s.requests + s.errors) / 2);
  const own = [
    ...(!refusedStorm && cpuPercent >= GENERATOR_SATURATED_PERCENT * processes
      ? [processes > 1 ? `CPU at ${Math.round(cpuPercent / processes)}% of each of its ${processes} processes' cores` : `CPU at ${Math.round(cpuPercent)}% of its core`]
      : []),
    ...(!refusedStorm && eventLoopDelayMs && eventLoopDelayMs.p99 > LOOP_DELAY_LIMIT_MS ? [`event loop ${eventLoopDelayMs.p99} ms late (p99)`] : []),
  ];
  const limits = [...(maxConnections !== undefined && late > 0 ? [`connection cap (${maxConnections}) reached: ${late} sends went out late`] : []), ...own];
  return {
    engine: samples[0]!.generator.engine,
    placement: placement.mode,
    cpuPercent,
    cpuMsPerRequest: perRequest.length > 0 ? median(perRequest) : null,
    eventLoopDelayMs,
    ...(processes > 1 && { processes }),
    saturated: limits.length > 0,
    ...(limits.length > 0 && { limit: limits.join('; ') }),
    own,
  };
}

function spread(values: number[]): Spread {
  if (values.length === 0) return { min: 0, max: 0 };
  return { min: Math.min(...values), max: Math.max(...values) };
}


/** Every repeat's lost or joined generator workers, each with its repeat. */
function generatorChanges(samples: Sample[]): Pick<ResultRow, 'generatorChanges'> {
  const changes = samples.flatMap((s, i) => (s.generatorChanges ?? []).map((c) => ({ ...c, repeat: i + 1 })));
  return changes.length > 0 ? { generatorChanges: changes } : {};
}
