/**
 * Where a chart's change markers put their numbered badges: pure arithmetic, apart from the
 * canvas, so a fast test can check that no two badges overlap and none leaves the chart.
 */

export interface MarkerSpot {
  /** The marker's number, as the legend under the charts lists it. */
  n: number;
  /** The x pixel of its line. */
  px: number;
  /** Its badge's width in pixels. */
  width: number;
}

export interface MarkerBox {
  n: number;
  left: number;
  right: number;
  row: number;
}

/** Space kept between two badges in a row, and between a badge and its line. */
const GAP_PX = 3;

/**
 * Each badge sits right of its line (left of it past the chart's right edge, never past the left),
 * in the first row where it overlaps no other badge; the newest markers are placed first. A marker
 * with no room in any row keeps its line and the legend's entry, and gets no badge.
 */
export function layoutMarkers(spots: readonly MarkerSpot[], area: { left: number; right: number }, rows: number): MarkerBox[] {
  const taken: MarkerBox[][] = Array.from({ length: rows }, () => []);
  const placed: MarkerBox[] = [];
  for (const spot of [...spots].sort((a, b) => b.n - a.n)) {
    const left = spot.px + GAP_PX + spot.width > area.right ? Math.max(area.left, spot.px - GAP_PX - spot.width) : spot.px + GAP_PX;
    const box = { n: spot.n, left, right: left + spot.width, row: -1 };
    const row = taken.findIndex((boxes) => boxes.every((other) => box.right + GAP_PX <= other.left || box.left >= other.right + GAP_PX));
    if (row === -1 || box.right > area.right) continue;
    box.row = row;
    taken[row]!.push(box);
    placed.push(box);
  }
  return placed;
}
