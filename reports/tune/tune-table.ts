import type { TunedConfiguration, TuneSummary } from '../../harness/results/types.js';
import { describeMeasuredOn, moreCoresAdvice } from '../../harness/tune/measured-on.js';
import { memoryOf } from '../../harness/tune/recommend.js';
import { describeSlo } from '../../harness/tune/slo.js';
import { alignedTable, type Column } from '../tables/aligned-table.js';
import { formatMb, formatMs, formatRps, NONE } from '../../harness/formatting/numbers.js';

const STOPPED: Record<TunedConfiguration['stoppedBy'], string> = {
  slo: 'missed SLO',
  flat: 'flattened',
  cap: 'client cap',
  failed: 'FAILED',
  interrupted: 'interrupted',
};

function columns(tune: TuneSummary): Column<TunedConfiguration>[] {
  const pss = tune.ranked.every((c) => c.peakPssMb !== null);
  const name = describeSlo(tune.slo).split('<')[0]!;
  return [
    { header: '', numeric: false, cell: (c) => (c.deployment === tune.recommended ? '→' : '') },
    { header: 'configuration', numeric: false, cell: (c) => c.deployment },
    { header: 'W×T', numeric: true, cell: (c) => String(c.size) },
    { header: `req/s in SLO`, numeric: true, cell: (c) => (c.throughputAtSloRps === null ? NONE : formatRps(c.throughputAtSloRps)) },
    { header: 'at c', numeric: true, cell: (c) => (c.atLoad === null ? NONE : String(c.atLoad)) },
    { header: `${name} ms`, numeric: true, cell: (c) => (c.latencyMs === null ? NONE : formatMs(c.latencyMs)) },
    { header: pss ? 'PSS MB' : 'MB', numeric: true, cell: (c) => formatMb(memoryOf(c).mb) + (pss || c.peakPssMb !== null ? '' : ' RSS') },
    ...(tune.budgetMb !== null ? [{ header: 'budget', numeric: false, cell: (c: TunedConfiguration) => (c.withinBudget ? 'ok' : 'over') }] : []),
    { header: 'stopped', numeric: false, cell: (c) => STOPPED[c.stoppedBy] },
    { header: 'knee', numeric: false, cell: (c) => (c.knee ? 'knee' : '') },
  ];
}

/**
 * The ranked configurations (best first, the recommended one marked), then the verdict, the
 * cores it was measured with (and, when cores bounded it, what more of them change), and the
 * sweep's notes.
 */
export function formatTuneTable(tune: TuneSummary): string {
  const body = tune.ranked.length > 0 ? alignedTable(columns(tune), tune.ranked) : ['Nothing measured.'];
  const advice = moreCoresAdvice(tune);
  return [
    ...body,
    '',
    tune.recommended ? `recommended: ${tune.reason}` : `no recommendation: ${tune.reason}`,
    ...(tune.measuredOn ? [`measured with ${describeMeasuredOn(tune.measuredOn)}`] : []),
    ...(advice ? [advice] : []),
    ...tune.notes.map((note) => `note: ${note}`),
  ].join('\n');
}
