// The crosscheck's table and verdict: one line per case, wrk beside bench, and which goals held.
import { formatMs, formatPredicted, formatRps, NONE } from '../../reports/format.js';
import { alignedTable, type Column as TextColumn } from '../../reports/aligned-table.js';
import type { Placement, ResultRow } from '../results.js';
import type { Case } from './crosscheck-cases.js';

/** One case measured by both generators, each aggregated the way `bench run` aggregates repeats. */
export interface Checked {
  case: Case;
  wrk: ResultRow;
  bench: ResultRow;
  /** Median over the rounds of bench/wrk (each round's pair ran back to back, so drift cancels); null when wrk got no response. */
  ratio: number | null;
  /** Each round's bench/wrk, in round order. */
  roundRatios: number[];
}

/** Below this many responses a window, one response more or less moves the ratio by over 3%. */
const FEW_RESPONSES = 30;

const met = (c: Checked) => c.ratio !== null && c.ratio >= c.case.goal;
const ratioText = (c: Checked) => (c.ratio === null ? NONE : c.ratio.toFixed(3));
/** The lowest and highest round's bench/wrk: how far this machine moved the ratio from one round to the next. */
const spread = (c: Checked) => (c.roundRatios.length === 0 ? NONE : `${Math.min(...c.roundRatios).toFixed(2)}–${Math.max(...c.roundRatios).toFixed(2)}`);

/** "19.6 · 19.2": wrk's figure, then bench's. */
function pair(format: (x: number) => string, pick: (row: ResultRow) => number | null | undefined): (c: Checked) => string {
  const one = (row: ResultRow) => {
    const x = pick(row);
    return x === null || x === undefined ? NONE : format(x);
  };
  return (c) => `${one(c.wrk)} · ${one(c.bench)}`;
}

const whole = (x: number) => String(Math.round(x));
const cpuMs = (x: number) => x.toFixed(3);

const COLUMNS: TextColumn<Checked>[] = [
  { header: 'case', numeric: false, cell: (c) => c.case.name },
  { header: 'Little', numeric: true, cell: (c) => formatPredicted(c.bench.predictedThroughputRps) },
  { header: 'wrk req/s', numeric: true, cell: (c) => formatRps(c.wrk.throughputRps) },
  { header: 'bench req/s', numeric: true, cell: (c) => formatRps(c.bench.throughputRps) },
  { header: 'bench/wrk', numeric: true, cell: ratioText },
  { header: 'rounds', numeric: true, cell: (c) => `${c.roundRatios.length}: ${spread(c)}` },
  { header: 'goal', numeric: false, cell: (c) => `≥ ${c.case.goal} ${met(c) ? 'met' : 'MISSED'}` },
  { header: 'p50 ms wrk · bench', numeric: true, cell: pair(formatMs, (row) => row.latencyMs?.p50) },
  { header: 'p99 ms wrk · bench', numeric: true, cell: pair(formatMs, (row) => row.latencyMs?.p99) },
  { header: 'gen CPU ms/req', numeric: true, cell: pair(cpuMs, (row) => row.generator.cpuMsPerRequest) },
  { header: 'gen CPU %', numeric: true, cell: pair(whole, (row) => row.generator.cpuPercent) },
  { header: 'server CPU %', numeric: true, cell: pair(whole, (row) => row.resources.cpuPercent) },
  { header: 'errors', numeric: true, cell: pair(whole, (row) => row.errors + row.non2xx) },
];

/** What a reader must know before trusting a line: a generator at its limit, failed requests, too few responses. */
function notes(c: Checked): string[] {
  const responses = Math.min(c.wrk.requests, c.bench.requests);
  return [
    ...(['wrk', 'bench'] as const).flatMap((who) => {
      const row = c[who];
      return [
        ...(row.generator.limit ? [`${who}'s generator was the limit (${row.generator.limit})`] : []),
        ...(row.errors + row.non2xx > 0 ? [`${who} saw ${row.errors} errors and ${row.non2xx} non-2xx in its worst round`] : []),
      ];
    }),
    ...(responses < FEW_RESPONSES ? [`only ${responses} responses a window: the ratio is coarse (a longer --duration helps)`] : []),
    ...(!met(c) && c.roundRatios.some((r) => r >= c.case.goal)
      ? [`missed by the median, yet its rounds ranged ${spread(c)}: a miss inside the rounds' spread may be the machine's noise (more --rounds narrow it)`]
      : []),
  ].map((note) => `note: ${c.case.name}: ${note}`);
}

export function crosscheckTable(checked: Checked[], placement: Placement['mode']): string[] {
  if (checked.length === 0) return ['Nothing measured.'];
  return [
    `bench/wrk is the median of the rounds' ratios (rounds: how many, the lowest and highest ratio); req/s are medians over the rounds, percentiles`,
    `of all rounds' latencies together, generator CPU % the worst round's; placement ${placement}. wrk's CPU counts its whole`,
    `process, start-up and end-of-run report included; bench's counts its window only.`,
    ...alignedTable(COLUMNS, checked),
    ...checked.flatMap(notes),
  ];
}

/** The last line: which goals were met and which missed. */
export function verdict(checked: Checked[]): string {
  const missed = checked.filter((c) => !met(c));
  if (checked.length === 0) return 'goals: nothing was measured';
  if (missed.length === 0) return `goals: all ${checked.length} met`;
  const list = missed.map((c) => `${c.case.name} (${ratioText(c)}, goal ≥ ${c.case.goal})`).join('; ');
  return `goals: ${checked.length - missed.length} of ${checked.length} met; missed: ${list}`;
}
