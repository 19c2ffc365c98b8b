// The crosscheck's table and verdict: one line per case, wrk beside bench, and which goals held.
import { formatMs, formatPredicted, formatRps, NONE } from '../formatting/numbers.js';
import { alignedTable, type Column as TextColumn } from '../../reports/tables/aligned-table.js';
import { medianInterval } from '../stats/median-interval.js';
import type { Placement, ResultRow } from '../results/types.js';
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

/**
 * The median ratio's 95% confidence interval over the rounds (order statistics: no assumption on
 * how this machine's noise is shaped), or the widest that so few rounds give.
 */
function interval(c: Checked) {
  return c.roundRatios.length === 0 ? undefined : medianInterval(c.roundRatios, 0.95);
}

function intervalText(c: Checked): string {
  const i = interval(c);
  if (!i) return NONE;
  const text = `${i.low.toFixed(2)}–${i.high.toFixed(2)}`;
  return i.coverage < 0.95 ? `${text} (${Math.floor(i.coverage * 100)}%)` : text;
}

/**
 * met: the median reaches the goal. MISSED: even the interval's top is below it. Otherwise the
 * median is below and the interval reaches the goal: these rounds cannot tell a miss from the
 * machine's noise.
 */
type Outcome = 'met' | 'MISSED' | 'unsure';
function outcome(c: Checked): Outcome {
  if (met(c)) return 'met';
  const i = interval(c);
  return i && i.high >= c.case.goal ? 'unsure' : 'MISSED';
}

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
  { header: 'rounds', numeric: true, cell: (c) => String(c.roundRatios.length) },
  { header: '95% interval', numeric: true, cell: intervalText },
  { header: 'goal', numeric: false, cell: (c) => `≥ ${c.case.goal} ${outcome(c)}` },
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
    ...(outcome(c) === 'unsure'
      ? [`the median is below the goal, but its 95% interval (${intervalText(c)}) reaches it: these rounds cannot tell a miss from this machine's noise (more --rounds narrow the interval)`]
      : []),
  ].map((note) => `note: ${c.case.name}: ${note}`);
}

export function crosscheckTable(checked: Checked[], placement: Placement['mode']): string[] {
  if (checked.length === 0) return ['Nothing measured.'];
  return [
    `bench/wrk is the median of the rounds' ratios, with its 95% confidence interval (order statistics; its coverage in brackets when`,
    `too few rounds reach 95%); req/s are medians over the rounds, percentiles of all rounds' latencies together, generator CPU % the`,
    `worst round's; placement ${placement}. wrk's CPU counts its whole process, start-up and end-of-run report included; bench's counts`,
    `its window only.`,
    ...alignedTable(COLUMNS, checked),
    ...checked.flatMap(notes),
  ];
}

/** The last line: which goals were met, which could not be told from noise, and which were missed. */
export function verdict(checked: Checked[]): string {
  if (checked.length === 0) return 'goals: nothing was measured';
  const notMet = checked.filter((c) => !met(c));
  if (notMet.length === 0) return `goals: all ${checked.length} met`;
  const list = notMet.map((c) => `${c.case.name} (${ratioText(c)}, interval ${intervalText(c)}, goal ≥ ${c.case.goal}: ${outcome(c) === 'unsure' ? 'inside the noise' : 'missed'})`);
  return `goals: ${checked.length - notMet.length} of ${checked.length} met; not met: ${list.join('; ')}`;
}
