import type { ResultRow, RunResults } from '../harness/results/types.js';
import {
  describeGenerator,
  describeLoads,
  failedCount,
  formatMs,
  formatRps,
  GENERATOR_CHANGED,
  GENERATOR_LIMITED,
  generatorLimit,
  isCpuBound,
  isOpenSaturated,
  latencies,
  NONE,
  sampledResources,
  SERVER_SATURATED,
} from '../harness/formatting/numbers.js';
import { startedOutsideBench } from './deployments.js';
import { countsUnkept } from './charts/count-chart.js';
import { distinctPaths } from './series.js';
import { describeGeneratorChanges } from '../harness/load/generator-changes.js';

/**
 * What a reader must know before trusting the figures, as plain sentences (every report format
 * escapes and lays them out its own way): points that measured the load generator rather than
 * the server, open-loop points the server could not keep up with, points where no request
 * succeeded, the core-count ceiling, and deployments that were never measured.
 */
export function runWarnings(run: RunResults): string[] {
  const showPath = distinctPaths(run).length > 1;
  const name = (row: ResultRow) => (showPath ? `${row.deployment} ${row.path}` : row.deployment);
  const generatorLimited = groupBy(run.results.filter((row) => row.generator.saturated), name);
  const saturated = groupBy(run.results.filter(isOpenSaturated), name);
  const noSuccess = groupBy(run.results.filter((row) => latencies(row) === null), name);
  return [
    ...(run.complete ? [] : ['The run did not finish (interrupted, or still in progress): some points may be missing.']),
    ...[...generatorLimited].map(([label, rows]) => generatorWarning(label, rows)),
    ...run.results.filter((row) => row.generatorChanges).map((row) => generatorChangedWarning(name(row), row)),
    ...[...saturated].map(([label, rows]) => saturatedWarning(label, rows)),
    ...[...noSuccess].map(([label, rows]) => noSuccessWarning(label, rows)),
    ...coreBound(run),
    ...whoseResources(run),
    ...measuredModel(run),
    ...networkLeftOut(run),
    ...countsUnkept(run),
    ...run.failures.map((failure) => `${failure.deployment} failed: ${failure.reason}`),
    ...run.skipped.map((skipped) => `${skipped.deployment} skipped: ${skipped.reason}`),
  ];
}

/**
 * Whose CPU and memory a point shows where that is not plain: a server started outside bench
 * shows the process group listening on its port, where bench could see one (listeningGroup), or
 * nobody's (then NONE); a machine without /proc shows nobody's for any deployment.
 */
function whoseResources(run: RunResults): string[] {
  const deployments = (rows: ResultRow[]) => distinct(rows.map((row) => row.deployment), ', ');
  const unseen = run.results.filter((row) => sampledResources(row.resources) === null);
  const unseenOutside = deployments(unseen.filter(startedOutsideBench));
  const unseenOwn = deployments(unseen.filter((row) => !startedOutsideBench(row)));
  const watched = deployments(run.results.filter((row) => startedOutsideBench(row) && sampledResources(row.resources) !== null));
  return [
    ...(unseenOutside === ''
      ? []
      : [
          `${unseenOutside}: CPU and memory not measured (shown as ${NONE}): bench samples the processes it starts, and a server started ` +
            'by hand only where the processes listening on its loopback port lead a process group of their own (start it with setsid, or as a terminal job of its own).',
        ]),
    ...(unseenOwn === '' ? [] : [`${unseenOwn}: CPU and memory not measured (shown as ${NONE}): this machine has no /proc to read them from.`]),
    ...(watched === '' ? [] : [`${watched}: CPU and memory are those of the process group listening on its port, which bench watched but did not start.`]),
    ...unpinned(run),
  ];
}

/**
 * Separate placement pins what bench starts; a server started by hand runs where its owner let it,
 * the generator's core included, unless it is on another machine (a row with a network to it).
 */
function unpinned(run: RunResults): string[] {
  const { mode, serverCpus, generatorCpus } = run.settings.placement;
  const externals = distinct(run.results.filter((row) => startedOutsideBench(row) && !row.network).map((row) => row.deployment), ', ');
  if (mode !== 'separate' || !generatorCpus || externals === '') return [];
  return [
    `${externals}: started outside bench, so not pinned to the server's CPUs (${serverCpus ?? 'the others'}): it may have shared the generator's (${generatorCpus}); ` +
      `start it under taskset -c ${serverCpus ?? '…'} to keep them apart.`,
  ];
}

/** One sentence per deployment listing its affected load levels reads better than one per point. */
function groupBy(rows: ResultRow[], key: (row: ResultRow) => string): Map<string, ResultRow[]> {
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
/** The distinct values, in order, joined: rows of one deployment usually agree, and then say it once. */
const distinct = (values: string[], separator: string) => [...new Set(values)].join(separator);

function generatorWarning(label: string, rows: ResultRow[]): string {
  const generator = distinct(rows.map((row) => describeGenerator(row.generator.engine, row.generator.placement)), '; ');
  return (
    `${label} ${GENERATOR_LIMITED} at ${describeLoads(rows)}: the load generator (${generator}) was the limit, ` +
    `not the server: ${distinct(rows.map(generatorLimit), ', ')}; the server may do better than these figures.`
  );
}

/** A Locust worker lost or joined mid-window: the figures are what the remaining workers sent, not the load the point asked for. */
function generatorChangedWarning(label: string, row: ResultRow): string {
  return (
    `${label} ${GENERATOR_CHANGED} at ${describeLoads([row])}: ${describeGeneratorChanges(row.generatorChanges!)}; ` +
    'the figures count what the workers sent over the whole window, so the load was not the one asked for: run the point again with every worker connected (--strict fails such a point).'
  );
}

function saturatedWarning(label: string, rows: ResultRow[]): string {
  const achieved = rows.map((row) => row.throughputRps);
  const unsent = sum(rows.map((row) => row.unsent ?? 0));
  const failed = sum(rows.map((row) => failedCount(row) + row.non2xx));
  return (
    `${label} ${SERVER_SATURATED} at ${describeLoads(rows)}: the server fell behind the offered load, achieving at most ` +
    `${formatRps(Math.max(...achieved))} req/s; ${plural(unsent, 'request')} unsent and ${failed} failed.` +
    capAlsoReached(rows)
  );
}

/**
 * A server that falls behind keeps its connections busy until the generator's cap is reached.
 * Where Little's law says it could not keep up anyway, the cap is only a symptom; where there is
 * no model (a /hello, a server started by hand), either could have held the load back.
 */
function capAlsoReached(rows: ResultRow[]): string {
  const capped = rows.filter((row) => (row.late ?? 0) > 0);
  if (capped.length === 0) return '';
  const late = sum(capped.map((row) => row.late ?? 0));
  const caps = distinct(capped.map((row) => String(row.maxConnections ?? '?')), ', ');
  return capped.some((row) => row.predictedThroughputRps === null)
    ? ` The connection cap (${caps}) was reached as well (${plural(late, 'send')} late) and with no model for this path bench cannot tell which held the load back: rerun with a higher --max-connections to see.`
    : ` Its connections filled the generator's cap (${caps}; ${plural(late, 'send')} late), as those of a server this far behind its offered load do.`;
}

function noSuccessWarning(label: string, rows: ResultRow[]): string {
  return `${label} at ${describeLoads(rows)}: no request succeeded (0 samples): its latencies are shown as ${NONE}.`;
}

/** A user's app, CGI: the predictions rest on one measurement, and say so. */
/** A round trip the predictions leave out, and why: the model would otherwise charge the load for a wire it may not have crossed. */
function networkLeftOut(run: RunResults): string[] {
  const row = run.results.find((r) => r.network?.notInModel);
  if (!row) return [];
  return [
    `The round trip to the server (${formatMs(row.network!.rttMs)} ms) is left out of the predictions: it was ${row.network!.notInModel}. ` +
      'Predictions assume the workers are as close to the server as loopback; a worker farther away serves less than predicted.',
  ];
}

function measuredModel(run: RunResults): string[] {
  const measured = run.results.filter((row) => row.model.serviceSource === 'measured' && row.model.serviceMs !== null);
  if (measured.length === 0) return [];
  const perDeployment = [...new Map(measured.map((row) => [name(row), row.model.serviceMs!])).entries()];
  return [
    'Predictions for these deployments rest on the service time measured at one client (the mean latency there), not on a time known in advance ' +
      "(your app's, or a CGI program's, which starts a process for every request): " +
      perDeployment.map(([label, ms]) => `${label} ${ms.toFixed(1)} ms`).join(', ') +
      '. A deployment whose one-client latency includes queueing or a cold start predicts too little: such predictions are estimates (marked ≈), ' +
      "not bounds. The cores' bound rests on each level's own CPU per request wherever bench sampled it.",
  ];

  function name(row: ResultRow): string {
    return distinctPaths(run).length > 1 ? `${row.deployment} ${row.path}` : row.deployment;
  }
}

function coreBound(run: RunResults): string[] {
  if (!run.results.some(isCpuBound)) return [];
  const cores = run.settings.placement.serverCores;
  const ofMachine = run.settings.serverHost
    ? `${cores} on ${run.settings.serverHost}, the server machine`
    : cores === run.environment.cpus
      ? `${cores} on this machine`
      : `the server's ${cores} of this machine's ${run.environment.cpus}; the load generator has the rest`;
  return [`CPU-bound points are bounded by the core count (${ofMachine}): past it, more workers or clients only queue.`];
}
