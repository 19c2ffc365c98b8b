import { formatRps, isCpuBound, sampledResources } from '../formatting/numbers.js';
import { findKind } from '../deployments/kinds.js';
import type { MeasuredOn, Placement, ResultRow, RunResults, TunedConfiguration, TuneSummary } from '../results/types.js';
import { takesWorkers } from '../deployments/kind.js';

/** A configuration whose processes used this share of the cores they could use was bounded by them. */
const BUSY = 0.9;

/** The server's cores, the placement and the generator of a run: what its figures hold for. */
export function measuredOn(run: Pick<RunResults, 'settings' | 'environment' | 'serverMachine'>): MeasuredOn {
  const { placement, generator, serverHost } = run.settings;
  return { placement: { ...placement }, generator, machineCpus: (run.serverMachine ?? run.environment).cpus, ...(serverHost && { serverHost }) };
}

/**
 * "the server on 1 core (cpu 0) of this machine's 2, placement separate, generator builtin on cpu 1:
 * the figures hold for a server with 1 core". Under the default placement the server gets all
 * cores but one, so a recommendation sized here is sized for that many, which a reader of the
 * verdict cannot know unless it says so.
 */
export function describeMeasuredOn(m: MeasuredOn): string {
  const { placement: p, generator } = m;
  const holds = `the figures hold for a server with ${cores(p.serverCores)}`;
  if (m.serverHost) return `the server on ${cores(p.serverCores)} of ${m.serverHost}, generator ${generator} on this machine: ${holds}`;
  const server =
    p.serverCpus !== null
      ? `${cores(p.serverCores)} (${cpuList(p.serverCpus)}) of this machine's ${m.machineCpus}`
      : p.serverCores === m.machineCpus
        ? p.serverCores === 1
          ? "this machine's only core"
          : `all ${cores(p.serverCores)} of this machine`
        : `${cores(p.serverCores)} of this machine's ${m.machineCpus}`;
  if (p.mode === 'shared') return `the server on ${server}, placement shared, generator ${generator} on the same cores: ${holds}, less what the generator took`;
  return `the server on ${server}, placement separate, generator ${generator} on ${p.generatorCpus === null ? 'other cores' : cpuList(p.generatorCpus)}: ${holds}`;
}

/**
 * Whether cores bounded a configuration at the level it was judged by: the model says so, or its
 * app processes kept the cores they could use busy (under shared placement, the server and the
 * generator together all of them).
 */
export function cpuBoundBy(row: ResultRow, appProcesses: number, placement: Placement): TunedConfiguration['cpuBound'] {
  if (isCpuBound(row)) return 'model';
  const resources = sampledResources(row.resources);
  const usable = Math.min(appProcesses, placement.serverCores);
  if (!resources || usable === 0) return undefined;
  const busy =
    resources.cpuPercent >= BUSY * 100 * usable ||
    (placement.mode === 'shared' && resources.cpuPercent + row.generator.cpuPercent >= BUSY * 100 * placement.serverCores);
  return busy ? 'busy' : undefined;
}

/**
 * What changes on a server with more cores, for the recommended configuration when cores bounded
 * it (else the best-ranked one they bounded; or the one named): the model bounds CPU-bound work by
 * min(app processes, cores), so N cores serve up to N times the throughput per core, given at
 * least N worker processes. Null when no such configuration met the SLO.
 */
export function moreCoresAdvice(tune: TuneSummary, deployment?: string): string | null {
  const bounded = (c: TunedConfiguration) => c.cpuBound !== undefined && c.throughputAtSloRps !== null;
  const c =
    deployment !== undefined
      ? tune.ranked.find((x) => x.deployment === deployment && bounded(x))
      : (tune.ranked.find((x) => x.deployment === tune.recommended && bounded(x)) ?? tune.ranked.find(bounded));
  if (!c || !tune.measuredOn) return null;
  const serverCores = tune.measuredOn.placement.serverCores;
  const processes = c.appProcesses ?? c.workers;
  const used = Math.max(1, Math.min(processes, serverCores));
  const rps = c.throughputAtSloRps!;
  const onCores = `${used === serverCores ? `the server's ${cores(used)}` : cores(used)}${c.cpuPercent !== undefined ? ` (${Math.round(c.cpuPercent)}% CPU)` : ''}`;
  const why = c.cpuBound === 'busy' ? `: ${used === 1 ? 'the core was' : 'the cores were'} busy` : `, and the model bounds it by its processes or the cores, whichever are fewer`;
  const kind = findKind(c.server);
  const single = processes === 1 && !(kind && takesWorkers(kind));
  const more = single
    ? `${c.server} runs the app in one process, on one core at most: a server with more cores serves no more with it`
    : `on a server with N cores expect up to N × ${formatRps(rps / used)} req/s with at least N workers (each worker process runs on one core at most); rerun bench tune there`;
  return `CPU-bound: ${c.deployment} served ${formatRps(rps)} req/s on ${onCores}${why}; ${more}`;
}

/**
 * For an exported README: the cores, placement and generator the row was measured with and, from
 * a tune run, what more cores change for it.
 */
export function measuredWithParagraph(run: RunResults, deployment: string): string[] {
  const advice = run.tune ? moreCoresAdvice(run.tune, deployment) : null;
  return [`Measured with ${describeMeasuredOn(run.tune?.measuredOn ?? measuredOn(run))}.` + (advice ? ` ${advice}.` : ''), ''];
}

function cores(n: number): string {
  return n === 1 ? '1 core' : `${n} cores`;
}

/** taskset's "0" or "0,1" as "cpu 0", "cpus 0,1". */
function cpuList(list: string): string {
  return /^\d+$/.test(list) ? `cpu ${list}` : `cpus ${list}`;
}
