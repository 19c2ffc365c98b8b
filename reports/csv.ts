import { writeWhole } from '../harness/files/disk.js';
import { join } from 'node:path';
import type { ResultRow } from '../harness/results/types.js';
import { latencies, sampledResources } from '../harness/formatting/numbers.js';
import { startedOutsideBench } from './deployments.js';
import type { ReportWriter } from './writer.js';

const FILE = 'results.csv';

type Cell = string | number | boolean | null | undefined;

/** Flat columns for spreadsheets and dataframes: one row per measured point, raw (unrounded) values. */
const COLUMNS: [header: string, value: (row: ResultRow) => Cell][] = [
  ['deployment', (row) => row.deployment],
  ['server', (row) => row.server],
  // Empty for a server started outside bench: its pool is its owner's, unknown to bench.
  ['workers', (row) => (startedOutsideBench(row) ? null : row.workers)],
  ['threads', (row) => row.threads],
  ['preload', (row) => row.preload],
  ['proxy', (row) => row.proxy],
  // Who answered /static/ behind a web server, when the scenario said (static: web-server | app).
  ['static', (row) => row.static],
  ['path', (row) => row.path],
  ['loop', (row) => row.loop],
  ['concurrency', (row) => row.concurrency],
  ['offeredRps', (row) => row.offeredRps],
  ['slowClients', (row) => row.slowClients?.count],
  ['slowClientsSendBytesPerSecond', (row) => row.slowClients?.sendBytesPerSecond],
  ['slowClientsCompleted', (row) => row.slowClients?.completed],
  ['durationS', (row) => row.durationS],
  ['requests', (row) => row.requests],
  ['throughputRps', (row) => row.throughputRps],
  ['predictedThroughputRps', (row) => row.predictedThroughputRps],
  ['throughputRatio', (row) => row.throughputRatio],
  // Percentiles of the 2xx responses, empty where none succeeded; samples says how many they rest on.
  ['samples', (row) => row.samples],
  ['latencyP50Ms', (row) => latencies(row)?.p50],
  ['latencyP90Ms', (row) => latencies(row)?.p90],
  ['latencyP99Ms', (row) => latencies(row)?.p99],
  ['latencyP999Ms', (row) => latencies(row)?.p999],
  ['latencyMaxMs', (row) => latencies(row)?.max],
  ['latencyMeanMs', (row) => latencies(row)?.mean],
  ['errorLatencyP50Ms', (row) => row.errorLatencyMs?.p50],
  ['errorLatencyP99Ms', (row) => row.errorLatencyMs?.p99],
  ['errors', (row) => row.errors],
  ['timeouts', (row) => row.timeouts],
  ['non2xx', (row) => row.non2xx],
  ['saturated', (row) => row.saturated],
  ['unsent', (row) => row.unsent],
  ['late', (row) => row.late],
  ['peakConnections', (row) => row.peakConnections],
  ['maxConnections', (row) => row.maxConnections],
  ['repeats', (row) => row.repeats],
  ['throughputMinRps', (row) => row.spread?.throughputRps.min],
  ['throughputMaxRps', (row) => row.spread?.throughputRps.max],
  ['generatorEngine', (row) => row.generator.engine],
  ['generatorPlacement', (row) => row.generator.placement],
  ['generatorCpuPercent', (row) => row.generator.cpuPercent],
  ['generatorCpuMsPerRequest', (row) => row.generator.cpuMsPerRequest],
  ['eventLoopDelayP99Ms', (row) => row.generator.eventLoopDelayMs?.p99],
  ['generatorSaturated', (row) => row.generator.saturated],
  ['generatorLimit', (row) => row.generator.limit],
  // Empty where bench sampled no process (a server started outside bench); processes then says 0.
  ['cpuPercent', (row) => sampledResources(row.resources)?.cpuPercent],
  ['peakRssMb', (row) => sampledResources(row.resources)?.peakRssMb],
  ['peakPssMb', (row) => sampledResources(row.resources)?.peakPssMb],
  ['processes', (row) => row.resources.processes],
  // /count (scenario shared-state): the separate counters the answers came from, and whether each rose.
  ['countSequences', (row) => row.counts?.sequences],
  ['countsRising', (row) => row.counts?.rising],
  // The web server in front alone (its share of the figures above), where there is one.
  ['frontCpuPercent', (row) => sampledResources(row.frontResources)?.cpuPercent],
  ['frontPeakRssMb', (row) => sampledResources(row.frontResources)?.peakRssMb],
  ['frontPeakPssMb', (row) => sampledResources(row.frontResources)?.peakPssMb],
  ['frontProcesses', (row) => row.frontResources?.processes],
];

/** RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes. Missing values stay empty. */
function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(cells: Cell[]): string {
  return cells.map(csvField).join(',') + '\r\n';
}

function toCsv(rows: ResultRow[]): string {
  return csvLine(COLUMNS.map(([header]) => header)) + rows.map((row) => csvLine(COLUMNS.map(([, value]) => value(row)))).join('');
}

export const csvResults: ReportWriter = {
  name: 'CSV results',
  files: [FILE],
  async write(run, outDir) {
    const path = join(outDir, FILE);
    await writeWhole(path, toCsv(run.results));
    return [path];
  },
};
