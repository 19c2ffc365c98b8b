import type { LoadLevel, PointComparison } from '../../harness/compare/compare-runs.js';
import type { Difference } from '../../harness/compare/setting-differences.js';

// How bench compare names points and changes, alike in the table, the verdict and the chart.

/** "node-prefork ×4", or "node-prefork ×4 → ×2" for a reconfigured deployment. */
export function describeDeployment(point: PointComparison): string {
  if (point.baseDeployment === point.newDeployment) return point.baseDeployment;
  const [baseKind, ...baseRest] = point.baseDeployment.split(' ');
  const [newKind, ...newRest] = point.newDeployment.split(' ');
  if (baseKind === newKind && baseRest.length > 0 && newRest.length > 0) return `${point.baseDeployment} → ${newRest.join(' ')}`;
  return `${point.baseDeployment} → ${point.newDeployment}`;
}

/** "c=8" for a closed-loop point, "rate 200/s" for an open-loop one; "c=8, 4 slow" beside slow clients. */
export function describeLevel(point: LoadLevel): string {
  const slow = point.slowClients === undefined ? '' : `, ${point.slowClients} slow`;
  return (point.loop === 'open' ? `rate ${point.level}/s` : `c=${point.level}`) + slow;
}

/** Points that only the level in words tells apart: open and closed loops side by side, or slow clients beside the load. */
export function levelsNeedWords(points: LoadLevel[]): boolean {
  return new Set(points.map((point) => point.loop)).size > 1 || points.some((point) => point.slowClients !== undefined);
}

/** "+12.3%", "−48.9%", or "n/a" when BASE measured 0. */
export function formatChange(changePct: number | null): string {
  if (changePct === null) return 'n/a';
  const rounded = changePct.toFixed(1);
  if (Number(rounded) === 0) return '0.0%';
  return changePct > 0 ? `+${rounded}%` : `−${rounded.slice(1)}%`;
}

/** "0.004", or "<0.001" below what three decimals can show. */
export function formatPValue(pValue: number): string {
  return pValue < 0.001 ? '<0.001' : pValue.toFixed(3);
}

/** "durationS: BASE 3, NEW 1; loop: BASE closed, NEW open". */
export function describeDifferences(differences: Difference[]): string {
  return differences.map((d) => `${d.name}: BASE ${d.base}, NEW ${d.next}`).join('; ');
}
