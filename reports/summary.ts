import { describeApp } from './deployments.js';
import type { ResultRow, RunResults } from '../harness/results/types.js';
import { coarseFootnote, frontColumns, keyColumns, measuredColumns, optional, poolColumns, RESOURCES_TITLE, type Column } from './tables/columns.js';
import { estimateFootnote } from './model-gap.js';
import {
  describeGenerator,
  formatCpu,
  formatMemory,
  GENERATOR_LIMITED,
  generatorLimit,
  isOpenSaturated,
  latencies,
  sampledResources,
  SERVER_SATURATED,
} from '../harness/formatting/numbers.js';

/** A table of the document reports (HTML, Markdown), as plain strings each format escapes. */
export interface SummaryTable {
  /** A heading of its own, for a table after the first. */
  title?: string;
  headers: string[];
  /** Per column: numbers are right-aligned. */
  numeric: boolean[];
  rows: { cells: string[]; flagged: boolean }[];
}

const FULL = { compact: false };

/** Why a point deserves a second look; the warnings spell it out in full. */
function rowNotes(row: ResultRow): string {
  return [
    isOpenSaturated(row) ? `${SERVER_SATURATED}: the server fell behind, ${row.unsent ?? 0} unsent` : '',
    row.generator.saturated ? `${GENERATOR_LIMITED}: ${generatorLimit(row)}` : '',
    latencies(row) === null ? 'no request succeeded' : '',
  ]
    .filter(Boolean)
    .join('; ');
}

const hasPss = (run: RunResults) => run.results.some((row) => typeof sampledResources(row.resources)?.peakPssMb === 'number');

/** What each point used: the deployment's CPU and memory, the web server's in front, and why a point is flagged. */
function resourceColumns(run: RunResults): Column[] {
  return [
    { header: 'CPU %', numeric: true, cell: (row) => formatCpu(row.resources) },
    { header: 'peak RSS MB', numeric: true, cell: (row) => formatMemory(row.resources, 'rss') },
    ...optional(hasPss(run), { header: 'peak PSS MB', numeric: true, cell: (row) => formatMemory(row.resources, 'pss') }),
    ...frontColumns(run, false),
    ...optional(run.results.some((row) => rowNotes(row) !== ''), { header: 'notes', numeric: false, cell: rowNotes }),
  ];
}

function table(run: RunResults, columns: Column[], title?: string): SummaryTable {
  return {
    ...(title && { title }),
    headers: columns.map((column) => column.header),
    numeric: columns.map((column) => column.numeric),
    rows: run.results.map((row) => ({
      cells: columns.map((column) => column.cell(row)),
      flagged: rowNotes(row) !== '',
    })),
  };
}

/**
 * One row per measured point, in two tables that each fit a 1280 px page: what each point achieved
 * (throughput against Little's law, latencies, failures), then its pool, what it used (CPU,
 * memory, the web server in front) and why it is flagged, each row named again by its deployment,
 * path and load.
 * Repeated points show their median with the min–max across repeats.
 */
export function summaryTables(run: RunResults): SummaryTable[] {
  const keys = keyColumns(run, FULL);
  return [table(run, [...keys, ...measuredColumns(run, FULL)]), table(run, [...keys, ...poolColumns(run), ...resourceColumns(run)], RESOURCES_TITLE)];
}

/** What a reader needs to read the summary table right, one sentence each, for under the table. */
export function summaryNotes(run: RunResults): string[] {
  const repeats = run.settings.repeat;
  const slow = run.results.find((row) => row.slowClients !== undefined)?.slowClients;
  return [
    ...(repeats > 1 ? [`Figures are medians of ${repeats} repeats, with the min–max across repeats in parentheses.`] : []),
    // A bench serve session measures a setting held twice twice, and merges the two as repeats.
    ...(repeats === 1 && run.results.some((row) => row.repeats > 1)
      ? ['A point measured more than once (a setting held again) shows the median, with the min–max of its measurements in parentheses.']
      : []),
    "Latency percentiles cover successful (2xx) responses only; failed requests' latencies are reported apart (errorLatency columns of results.csv).",
    ...(slow
      ? [
          `Every figure is the normal clients' alone; the slow clients (each trickling its request at ${slow.sendBytesPerSecond} bytes/s) ` +
            'count only in "slow answered": their requests answered inside the window.',
        ]
      : []),
    ...(hasPss(run)
      ? [
          "RSS sums every process's resident pages, counting pages that pre-forked workers share once per worker; " +
            'PSS divides shared pages among the processes that share them, so summed PSS is what the pool really costs.',
        ]
      : []),
    ...coarseFootnote(run, FULL),
    ...estimateFootnote(run),
  ];
}

/** "builtin, on cores of its own (server on CPUs 0-1, generator on 2-3)": the engine, and where each side ran. */
function generatorFact(run: RunResults): string {
  const { generator, placement, maxConnections, rates } = run.settings;
  const cpus =
    placement.mode !== 'separate'
      ? ''
      : placement.serverCpus === null
        ? ` (the server on ${run.settings.serverHost ?? 'another machine'})`
        : ` (server on CPUs ${placement.serverCpus}, generator on ${placement.generatorCpus})`;
  const cap = rates.length > 0 ? `; at most ${maxConnections} connections` : '';
  return `${describeGenerator(generator, placement.mode)}${cpus}${cap}`;
}

/** The machine and software, as label/value pairs, so a reader can tell whether two reports compare. */
export function environmentFacts(run: RunResults): [string, string][] {
  const { environment: env, settings } = run;
  const software = Object.entries(env.software).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return [
    ['node', env.node],
    ['os', env.os],
    ['cpus', `${env.cpus} × ${env.cpuModel}`],
    ['memory', `${(env.totalMemoryMb / 1024).toFixed(1)} GB`],
    ['bench', env.benchVersion],
    ['app under test', describeApp(settings.app)],
    ...software,
    ['started', run.startedAt],
    ['finished', run.finishedAt ?? 'not finished'],
    ['per point', `${settings.warmupS} s warm-up, ${settings.durationS} s measured, ${settings.repeat} repeat${settings.repeat === 1 ? '' : 's'}`],
    ['load generator', generatorFact(run)],
    ...serverMachineFacts(run),
  ];
}

/** With --server-host the deployments ran on another machine: it, and the software they used there. */
function serverMachineFacts(run: RunResults): [string, string][] {
  const far = run.serverMachine;
  if (!far) return [];
  const where = run.settings.serverHost ?? 'another machine';
  const software = Object.entries(far.software).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return [
    [
      'server machine',
      `${where} over ssh: ${far.cpus} × ${far.cpuModel}, ${(far.totalMemoryMb / 1024).toFixed(1)} GB, ${far.os}, node ${far.node}, bench ${far.benchVersion}` +
        (software.length > 0 ? `; ${software.map(([name, version]) => `${name} ${version}`).join(', ')}` : ''),
    ],
  ];
}
