import { defaultThreads, takesThreads, takesWorkers, type DeploymentSpec, type ServerKind } from '../deployments/kind.js';
import type { WorkerAnswers } from '../load/engine.js';
import type { PointMeasurement } from '../load/measure.js';
import { heldBySlowClients, isCpuBound } from './predict.js';
import type { ProcessCpu } from '../process/sampler.js';
import type { CoresEvidence, GapReason, ModelGap, Placement, ResultRow, SpreadEvidence } from '../results/types.js';

/** A row within this band of its prediction agrees with Little's law; outside it, bench says why. */
export const GAP_BAND: [number, number] = [0.85, 1.1];

/** Busier than this share of their capacity, cores or a process's one core were the limit. */
const BUSY = 0.9;

/** A server using this much of a core (percent) wanted CPU that busy cores could deny it. */
const WANTED = 25;

/** Shares that cap a pool at this much of its prediction or less explain a shortfall. */
const CAPS = 0.9;

/** A busiest worker serving this much of what it can (or more) was full: on a busy machine it gets less than all. */
const FULL = 0.6;

/** Without a service time to size workers by: a worker with this many times its even share (1/W) or more took more than its part. */
const UNEVEN = 1.25;

/** What bench measured during a row, beyond the row itself, that the reasons rest on. */
export interface GapEvidence {
  kind: ServerKind;
  spec: DeploymentSpec;
  placement: Placement;
  /** The demo app's answers per worker pid over the repeats (builtin engine). */
  answers?: WorkerAnswers[];
  /** Each process of the deployment (the web server in front left out): its CPU over the repeats. */
  processCpu?: ProcessCpu[];
  /** How busy each of the machine's CPUs was (percent, by index), averaged over the repeats. */
  machineCpu?: number[];
  /** What limited the generator itself (its CPU, its event loop), apart from the connection cap. */
  generatorLimits: string[];
}

/**
 * The repeats' evidence as one: answers and CPU summed per pid (a pool keeps its pids across
 * repeats; shares are what matter), each CPU's busy time averaged.
 */
export function repeatsEvidence(samples: PointMeasurement[]): Pick<GapEvidence, 'answers' | 'processCpu' | 'machineCpu'> {
  const answers = new Map<number, WorkerAnswers>();
  for (const a of samples.flatMap((s) => s.workers ?? [])) {
    const seen = answers.get(a.pid) ?? { pid: a.pid, responses: 0, connections: 0 };
    answers.set(a.pid, { pid: a.pid, responses: seen.responses + a.responses, connections: seen.connections + a.connections });
  }
  const front = new Set(samples.flatMap((s) => s.frontResources?.processCpu ?? []).map((p) => p.pid));
  const processCpu = new Map<number, ProcessCpu>();
  for (const p of samples.flatMap((s) => s.resources.processCpu ?? [])) {
    if (front.has(p.pid)) continue;
    const seen = processCpu.get(p.pid);
    processCpu.set(p.pid, { ...p, cpuPercent: round((seen?.cpuPercent ?? 0) + p.cpuPercent / samples.length, 1) });
  }
  const machines = samples.map((s) => s.machineCpu).filter((m): m is number[] => m !== undefined);
  const machineCpu = machines[0]?.map((_, cpu) => round(sum(machines.map((m) => m[cpu] ?? 0)) / machines.length, 1));
  return {
    ...(answers.size > 0 && { answers: [...answers.values()] }),
    ...(processCpu.size > 0 && { processCpu: [...processCpu.values()] }),
    ...(machineCpu && { machineCpu }),
  };
}

/**
 * Why `row` fell short of its prediction or ran past it, as bench measured it: one reason per
 * cause found, each with its evidence; a single 'none' when it found none. Undefined for a row
 * within GAP_BAND or without a prediction to compare with.
 */
export function modelGap(row: ResultRow, evidence: GapEvidence): ModelGap | undefined {
  const ratio = row.throughputRatio;
  if (ratio === null || (ratio >= GAP_BAND[0] && ratio <= GAP_BAND[1])) return undefined;
  const short = ratio < GAP_BAND[0];
  const found = short
    ? [
        unevenSpread(row, evidence),
        coresLimit(row, evidence),
        generatorLimit(row, evidence),
        connectionCap(row),
        slowClients(row, evidence),
        databasePool(row, evidence),
      ]
    : [estimate(row)];
  const reasons = found.filter((reason): reason is GapReason => reason !== undefined);
  return { ratio, band: GAP_BAND, reasons: reasons.length > 0 ? reasons : [noCause(short)] };
}

/**
 * A pool whose workers did not share the requests evenly: the busiest worker fills while others
 * idle. Shares come from the demo app's x-worker-pid, or else from each worker's CPU time. Where
 * the service time and the busiest worker's slots are known, the shares cap the pool at what the
 * busiest worker can serve over its share, and the reason applies only when that cap is at most
 * CAPS of the prediction with the busiest worker (near) full; without them, unevenness alone is
 * the evidence.
 */
export function unevenSpread(row: ResultRow, { kind, spec, answers, processCpu }: GapEvidence): GapReason | undefined {
  if (!takesWorkers(kind) || spec.workers < 2) return undefined;
  const shares = workerShares(spec.workers, answers, processCpu);
  if (!shares) return undefined;
  const busiest = shares.workers[0]!;
  const slots = slotsPerWorker(kind, spec, row.path);
  const d = row.model.serviceMs;
  const busiestCapacityRps = slots !== null && d !== null ? round((slots * 1000) / d) : undefined;
  const spreadCapRps = busiestCapacityRps !== undefined ? round(busiestCapacityRps / busiest.share) : undefined;
  if (busiestCapacityRps !== undefined && spreadCapRps !== undefined) {
    // The shares explain the row when they cap the pool well below the prediction and the
    // busiest worker was (near) full; a busiest worker with room left was not what held it back.
    const predicted = row.predictedThroughputRps ?? Infinity;
    if (spreadCapRps > CAPS * predicted || busiest.share * row.throughputRps < FULL * busiestCapacityRps) return undefined;
  } else {
    const even = 1 / spec.workers;
    if (busiest.share < UNEVEN * even && shares.workers.length >= spec.workers && shares.workers.every((w) => w.share > 0)) return undefined;
  }
  const evidence: SpreadEvidence = {
    source: shares.source,
    workers: shares.workers,
    ...(shares.keptAlive !== undefined && { keptAlive: shares.keptAlive }),
    ...(busiestCapacityRps !== undefined && { busiestCapacityRps, spreadCapRps: spreadCapRps! }),
  };
  const list = shares.workers.map((w) => percent(w.share)).join(', ');
  const unnamed = spec.app ? "a user's app does not say which worker answered" : 'this load engine does not read which worker answered';
  const of = shares.source === 'responses' ? 'of the requests' : `of their CPU time, since ${unnamed}`;
  const connections = shares.workers.map((w) => w.connections ?? 0);
  const why = shares.keptAlive
    ? `; keep-alive connections stay with the worker that accepted them (${connections.join(', ')} of ${sum(connections)} connections)`
    : '';
  const cap =
    busiestCapacityRps !== undefined
      ? `; the busiest worker's ${slots === 1 ? 'one slot serves' : `${slots} threads serve`} at most ${fmt(busiestCapacityRps)} req/s, which caps the pool at ${fmt(spreadCapRps!)} req/s under these shares`
      : '';
  return { kind: 'uneven-spread', text: `uneven spread over ${spec.workers} workers (skewed: ${list} ${of})${why}${cap}`, evidence };
}

/**
 * Each worker's share, the busiest first: of the demo app's answers when it named its workers,
 * padded with the pool's other processes at 0; else of the workers' CPU time (a pool's leader,
 * its master, left out). Undefined when neither says anything.
 */
function workerShares(
  workers: number,
  answers: WorkerAnswers[] | undefined,
  processCpu: ProcessCpu[] | undefined,
): Pick<SpreadEvidence, 'source' | 'workers' | 'keptAlive'> | undefined {
  const pool = (processCpu ?? []).filter((p) => !p.leader);
  const answered = sum((answers ?? []).map((a) => a.responses));
  if (answers && answered > 0) {
    const seen = new Set(answers.map((a) => a.pid));
    const silent = pool.filter((p) => !seen.has(p.pid)).slice(0, Math.max(0, workers - answers.length));
    const connections = sum(answers.map((a) => a.connections));
    return {
      source: 'responses',
      workers: [
        ...answers.map((a) => ({ pid: a.pid, share: round(a.responses / answered, 3), connections: a.connections })),
        ...silent.map((p) => ({ pid: p.pid, share: 0, connections: 0 })),
      ].sort((a, b) => b.share - a.share),
      // A client that reconnected for most requests did not keep its connections alive.
      keptAlive: connections * 2 < answered,
    };
  }
  const cpu = sum(pool.map((p) => p.cpuPercent));
  if (pool.length < 2 || cpu <= 0) return undefined;
  return { source: 'cpu', workers: pool.map((p) => ({ pid: p.pid, share: round(p.cpuPercent / cpu, 3) })).sort((a, b) => b.share - a.share) };
}

/** Requests one worker holds at once: its threads waiting, or one computing (one core, one GIL); null for an event loop. */
function slotsPerWorker(kind: ServerKind, spec: DeploymentSpec, path: string): number | null {
  if (isCpuBound(path)) return 1;
  if (kind.model === 'async' || kind.model === 'unknown') return null;
  return takesThreads(kind) ? (spec.threads ?? defaultThreads(kind) ?? 1) : 1;
}

/**
 * The cores had nothing left: the server's CPUs were busy (whoever used them: the server, the
 * generator when it shared them, other processes), or each of the app's processes was at its one
 * core's limit.
 */
export function coresLimit(row: ResultRow, { kind, placement, processCpu, machineCpu }: GapEvidence): GapReason | undefined {
  if (row.resources.processes === 0) return undefined;
  const cores = placement.serverCores;
  const serverPercent = row.resources.cpuPercent;
  const generatorPercent = placement.mode === 'shared' ? row.generator.cpuPercent : undefined;
  const machine = serverCpuBusy(placement, machineCpu);
  const ours = serverPercent + (generatorPercent ?? 0);
  const busyPercent = machine ?? ours;
  const otherPercent = machine === undefined ? undefined : round(Math.max(0, machine - ours), 1);
  // Cores kept busy by others matter only to a server that wanted them: one that needs a few
  // percent of a core gets it, however busy the rest of the machine is.
  if (busyPercent >= BUSY * cores * 100 && (ours >= busyPercent / 2 || serverPercent >= WANTED)) {
    const evidence: CoresEvidence = {
      cores,
      ...(machine !== undefined && { busyPercent: machine }),
      serverPercent,
      ...(generatorPercent !== undefined && { generatorPercent }),
      ...(otherPercent !== undefined && { otherPercent }),
    };
    const parts = [
      `the server ${percentOfCore(serverPercent)}`,
      ...(generatorPercent !== undefined ? [`the generator ${percentOfCore(generatorPercent)}`] : []),
      ...(otherPercent !== undefined && otherPercent >= 5 ? [`other processes ${percentOfCore(otherPercent)}`] : []),
    ];
    const which = `${placement.mode === 'shared' ? 'the' : "the server's"} ${cores === 1 ? 'core was' : `${cores} cores were`}`;
    return { kind: 'cores', text: `the cores were the limit: ${which} ${Math.round(busyPercent / cores)}% busy (${parts.join(', ')})`, evidence };
  }
  // A process runs on one core at a time (one event loop, one GIL): a pool's leader only hands out work.
  const app = (processCpu ?? []).filter((p) => !(p.leader && takesWorkers(kind)));
  if (app.length === 0 || app.length >= cores || app.some((p) => p.cpuPercent < BUSY * 100)) return undefined;
  return {
    kind: 'cores',
    text: `the cores were the limit: each of the app's ${plural(app.length, 'process', 'processes')} used a whole core (${app.map((p) => percentOfCore(p.cpuPercent)).join(', ')}), and a process runs on one core at a time`,
    evidence: { cores, serverPercent, ...(generatorPercent !== undefined && { generatorPercent }), appProcesses: app.length },
  };
}

/** The busy time of the CPUs the server ran on, in percent of one core: all of them when shared. */
function serverCpuBusy(placement: Placement, machineCpu: number[] | undefined): number | undefined {
  if (!machineCpu || machineCpu.length === 0) return undefined;
  if (placement.mode === 'shared') return round(sum(machineCpu), 1);
  if (!placement.serverCpus) return undefined;
  return round(sum(placement.serverCpus.split(',').map((cpu) => machineCpu[Number(cpu)] ?? 0)), 1);
}

/** The generator ran out of CPU or its event loop fell behind: it sent less than the server could take. */
export function generatorLimit(row: ResultRow, { generatorLimits }: GapEvidence): GapReason | undefined {
  if (generatorLimits.length === 0) return undefined;
  const limit = generatorLimits.join('; ');
  return {
    kind: 'generator',
    text: `the load generator was the limit (${row.generator.engine}): ${limit}`,
    evidence: { engine: row.generator.engine, cpuPercent: row.generator.cpuPercent, limit },
  };
}

/** Open loop: every connection the generator may open was busy, and sends waited for one. */
export function connectionCap(row: ResultRow): GapReason | undefined {
  if (row.loop !== 'open' || !row.late || row.maxConnections === undefined) return undefined;
  const peakConnections = row.peakConnections ?? row.concurrency;
  return {
    kind: 'connection-cap',
    text: `the connection cap was hit: all ${row.maxConnections} connections allowed were busy and ${plural(row.late, 'send')} went out late (--max-connections raises it)`,
    evidence: { maxConnections: row.maxConnections, late: row.late, peakConnections },
  };
}

/** Slow clients trickled their requests beside the load; where the server reads requests itself, each held a worker or thread. */
export function slowClients(row: ResultRow, { kind, spec }: GapEvidence): GapReason | undefined {
  const slow = row.slowClients;
  if (!slow || slow.count === 0) return undefined;
  const slots = kind.model === 'async' || kind.model === 'unknown' ? null : kind.model === 'single' ? 1 : spec.workers * (spec.threads ?? 1);
  const held = heldBySlowClients(kind, spec) && slots !== null ? Math.min(slow.count, slots) : 0;
  const text =
    held > 0
      ? `slow clients held workers: ${plural(slow.count, 'slow client')} trickling at ${slow.sendBytesPerSecond} bytes/s each held one of the ${slots} slots for the whole trickle (${held} held); ${slow.completed} of their requests got an answer in the window`
      : `${plural(slow.count, 'slow client')} trickled requests at ${slow.sendBytesPerSecond} bytes/s beside the load; the model expects them to hold no worker here, so what they held shows in this shortfall`;
  return { kind: 'slow-clients', text, evidence: { count: slow.count, sendBytesPerSecond: slow.sendBytesPerSecond, slots, held } };
}

/** The demo app's database pools were all in use: requests beyond W·P waited for a connection. */
export function databasePool(row: ResultRow, { kind, spec }: GapEvidence): GapReason | undefined {
  if (row.pool === undefined) return undefined;
  const processes = kind.model === 'single' || (kind.model === 'async' && !takesWorkers(kind)) ? 1 : spec.workers;
  const connections = processes * row.pool;
  const slots = kind.model === 'async' ? Infinity : kind.model === 'single' ? 1 : spec.workers * (spec.threads ?? 1);
  const inFlight = Math.min(row.concurrency, slots);
  if (inFlight < connections) return undefined;
  return {
    kind: 'database-pool',
    text: `the database pool was the bound: ${plural(processes, 'process', 'processes')} × ${plural(row.pool, 'connection')} = ${connections} for ${inFlight} requests in flight; each holds a connection for its query and the rest wait for one`,
    evidence: { workers: processes, pool: row.pool, connections, inFlight },
  };
}

/** A prediction resting on a one-client measurement is an estimate, and a row may beat it: say what it rests on. */
export function estimate(row: ResultRow): GapReason | undefined {
  const restsOn = row.model.estimate;
  if (!restsOn) return undefined;
  return {
    kind: 'estimate',
    text: `the prediction is an estimate, not a bound: it rests on ${restsOn}, and at this level requests cost less than that`,
    evidence: { restsOn, serviceMs: row.model.serviceMs, cpuMsPerRequest: row.model.cpuMsPerRequest ?? null },
  };
}

function noCause(short: boolean): GapReason {
  return {
    kind: 'none',
    text: short
      ? 'bench found no cause among those it measures (spread over workers, cores, load generator, connection cap, slow clients, database pool)'
      : 'bench found no cause: the prediction rests on the service time the path names, which this row beat',
    evidence: {},
  };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const plural = (count: number, noun: string, nouns = `${noun}s`) => `${count} ${count === 1 ? noun : nouns}`;
const percent = (share: number) => `${Math.round(share * 100)}%`;
const percentOfCore = (cpuPercent: number) => `${Math.round(cpuPercent)}% of a core`;
const fmt = (rps: number) => (rps >= 100 ? String(Math.round(rps)) : rps.toFixed(1));

function round(x: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(x * scale) / scale;
}
