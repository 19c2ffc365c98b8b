import type { ResultRow, RunResults } from '../harness/results/types.js';
import { tableCells, type Column, type TableCells } from './tables/aligned-table.js';
import { anyCoarse, COARSE_FOOTNOTE, formatRps, latencyCell, loadCell, type Percentile } from '../harness/formatting/numbers.js';
import { isOpenLoop } from './series.js';

/**
 * A `requests:` mix apart: one line per request of the mix at each point, so that one kind of
 * request's latency is not hidden in the others' (the /io requests queued behind static files in
 * `static-files`). Each line is its point's row with the request's own samples and latencies, so
 * the latency cells and their coarse marks are the summary table's own.
 */
const PERCENTILES: readonly Percentile[] = ['p50', 'p99'];

function requestLines(run: RunResults): { row: ResultRow; line: ResultRow; request: string; rps: number }[] {
  return run.results.flatMap((row) =>
    (row.byRequest ?? []).map((r) => ({
      row,
      // The request's own latencies, from one merged histogram: no spread across repeats.
      line: { ...row, samples: r.samples, latencyMs: r.latencyMs, repeats: 1 },
      request: `${r.request} ×${r.weight}`,
      rps: r.throughputRps,
    })),
  );
}

type Line = ReturnType<typeof requestLines>[number];

function columns(run: RunResults): Column<Line>[] {
  return [
    { header: 'deployment', numeric: false, cell: (l) => l.row.deployment },
    { header: isOpenLoop(run) ? 'offered' : 'c', numeric: true, cell: (l) => loadCell(l.row) },
    { header: 'request', numeric: false, cell: (l) => l.request },
    { header: 'req/s', numeric: true, cell: (l) => formatRps(l.rps) },
    { header: 'samples', numeric: true, cell: (l) => String(l.line.samples) },
    ...PERCENTILES.map((p) => ({ header: `${p} ms`, numeric: true, cell: (l: Line) => latencyCell(l.line, p) })),
  ];
}

/** The per-request table of a run with a mix, as plain strings each format escapes; undefined without one. */
export function requestMixTable(run: RunResults): (TableCells & { footnotes: string[] }) | undefined {
  const lines = requestLines(run);
  if (lines.length === 0) return undefined;
  return {
    ...tableCells(columns(run), lines),
    footnotes: anyCoarse(lines.map((l) => l.line), PERCENTILES) ? [COARSE_FOOTNOTE] : [],
  };
}

export const REQUEST_MIX_TITLE = 'Each request of the mix';
