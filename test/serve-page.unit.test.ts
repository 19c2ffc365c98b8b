import { describe, expect, it } from 'vitest';
import { layoutMarkers, type MarkerBox } from '../web/marker-layout.js';
import { duration, durationLabel, machineCpu, perSecond, serverCpu } from '../web/format.js';
import { markerLabel } from '../web/charts.js';
import { LITTLE_HINT, littleMeaning, WAITING_HINT, waitingMeaning } from '../web/queue-lines.js';

function overlaps(a: MarkerBox, b: MarkerBox): boolean {
  return a.row === b.row && a.left < b.right && b.left < a.right;
}

describe("the workshop page's layout arithmetic", () => {
  it('places crowded marker badges in rows where none overlaps another or leaves the chart', () => {
    // Changes a second apart on a 60 s axis 300 px wide: 5 px between lines, badges 20-30 px wide.
    const spots = Array.from({ length: 12 }, (_, i) => ({ n: i + 1, px: 40 + i * 5, width: i + 1 >= 10 ? 30 : 20 }));
    spots.push({ n: 13, px: 298, width: 30 });
    const area = { left: 30, right: 300 };
    const boxes = layoutMarkers(spots, area, 3);
    for (const box of boxes) {
      expect(box.left).toBeGreaterThanOrEqual(area.left);
      expect(box.right).toBeLessThanOrEqual(area.right);
      expect(box.row).toBeGreaterThanOrEqual(0);
      expect(box.row).toBeLessThan(3);
      for (const other of boxes) if (other !== box) expect(overlaps(box, other), `${box.n} and ${other.n}`).toBe(false);
    }
    // The newest are placed first: the last change and the one at the right edge (drawn left of its line) keep badges.
    const placed = boxes.map((b) => b.n);
    expect(placed).toContain(13);
    expect(placed).toContain(12);
    expect(boxes.find((b) => b.n === 13)!.right).toBeLessThanOrEqual(298);
  });

  it('puts a badge left of its line when the right side is taken, before it takes another row', () => {
    const boxes = layoutMarkers([{ n: 1, px: 100, width: 20 }, { n: 2, px: 110, width: 20 }], { left: 0, right: 400 }, 2);
    expect(boxes).toEqual([
      { n: 2, left: 113, right: 133, row: 0 },
      { n: 1, left: 77, right: 97, row: 0 },
    ]);
  });

  it('gives every marker a badge in the first row when they are far apart', () => {
    const boxes = layoutMarkers([10, 100, 200].map((px, i) => ({ n: i + 1, px, width: 20 })), { left: 0, right: 400 }, 3);
    expect(boxes.map((b) => b.row)).toEqual([0, 0, 0]);
  });

  it('shows times past a second in seconds, and shorter ones in milliseconds', () => {
    expect(duration(11993)).toEqual({ value: '12.0', unit: 's' });
    expect(duration(1000)).toEqual({ value: '1.0', unit: 's' });
    expect(duration(999.4)).toEqual({ value: '999', unit: 'ms' });
    expect(duration(4.25)).toEqual({ value: '4.3', unit: 'ms' });
    expect(duration(null).unit).toBe('ms');
    expect(durationLabel(2500)).toBe('2.5 s');
    expect(durationLabel(0)).toBe('0');
  });

  it('writes rates past 10,000 a second in thousands, so that they fit their tile', () => {
    expect(perSecond(17670)).toBe('17.7k');
    expect(perSecond(9999.6)).toBe('10000');
    expect(perSecond(1194.2)).toBe('1194');
    expect(perSecond(19.64)).toBe('19.6');
  });

  it("puts the whole machine's CPU beside the server's, where it was measured", () => {
    // node-async on /cpu?ms=10 at 64 clients here, beside other programs: 70 req/s of a ceiling of 100.
    const cpu = { busyPercent: 37.2, cores: 2, machinePercent: 98.4 };
    expect([serverCpu(cpu), machineCpu(cpu)]).toEqual(['37% of 2 cores', '98%']);
    expect([serverCpu({ busyPercent: 50, cores: 1 }), machineCpu({ busyPercent: 50, cores: 1 })]).toEqual(['50% of 1 core', '—']);
    expect([serverCpu(null), machineCpu(null)]).toEqual(['—', '—']);
  });

  it('names a marker by the deployment and the load that run from then on', () => {
    expect(markerLabel({ t: 3, text: '8 clients', deployment: 'gunicorn-sync ×4', load: '/io?ms=50, 8 clients' })).toBe('gunicorn-sync ×4 · /io?ms=50, 8 clients');
    expect(markerLabel({ t: 9, text: 'stop load', deployment: 'gunicorn-sync ×4', load: null })).toBe('gunicorn-sync ×4 · no load');
    expect(markerLabel({ t: 1, text: 'start node-blocking' })).toBe('start node-blocking');
  });

  it("says Little's law needs a steady queue when λ × W and the measured L are apart, and nothing more when they agree", () => {
    // Measured here: node-blocking 2 s after 256 clients dropped to 8 (L 252.5, 18.6 req/s × 6.1 s).
    expect(littleMeaning({ inFlight: 252.5, littleL: 114.3 }, 2)).toBe('≠ L for now: it needs a steady queue and W well under 2 s');
    // gunicorn-sync ×4 with 4 slow clients: workers freed in bursts (L 8.0, 7.2 req/s × 1.7 s).
    expect(littleMeaning({ inFlight: 8, littleL: 12 }, 2)).not.toBe(LITTLE_HINT);
    expect(littleMeaning({ inFlight: 8, littleL: 7.9 }, 2)).toBe(LITTLE_HINT);
    expect(littleMeaning({ inFlight: 0.7, littleL: 0.8 }, 2)).toBe(LITTLE_HINT);
    expect(littleMeaning({ inFlight: 0, littleL: null }, 2)).toBe(LITTLE_HINT);
  });

  it('names the serving count that waiting subtracts from L when slow clients hold workers', () => {
    // 4 of 4 held: busy reads "4 of 4", waiting is all 8 of L, so "L − busy" would read 4.
    expect(waitingMeaning({ busy: 0, held: 4 })).toBe('queued for a worker: L − 0 serving');
    expect(waitingMeaning({ busy: 2, held: 2 })).toBe('queued for a worker: L − 2 serving');
    expect(waitingMeaning({ busy: 4, held: 0 })).toBe(WAITING_HINT);
  });
});
