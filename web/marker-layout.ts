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
 * Each badge sits right of its line, or else left of it, in the first row where it overlaps no
 * other badge and stays inside the chart; the newest markers are placed first. A marker with no
 * room in any row keeps its line and the legend's entry, and gets no badge.
 */
export function layoutMarkers(spots: readonly MarkerSpot[], area: { left: number; right: number }, rows: number): MarkerBox[] {
  const taken: MarkerBox[][] = Array.from({ length: rows }, () => []);
  const placed: MarkerBox[] = [];
  for (const spot of [...spots].sort((a, b) => b.n - a.n)) {
    const sides = [spot.px + GAP_PX, spot.px - GAP_PX - spot.width].filter((left) => left >= area.left && left + spot.width <= area.right);
    for (const [row, boxes] of taken.entries()) {
      const left = sides.find((l) => boxes.every((other) => l + spot.width + GAP_PX <= other.left || l >= other.right + GAP_PX));
      if (left === undefined) continue;
      const box = { n: spot.n, left, right: left + spot.width, row };
      boxes.push(box);
      placed.push(box);
      break;
    }
  }
  return placed;
}
