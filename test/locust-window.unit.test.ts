import { describe, expect, it } from 'vitest';
import type { EngineLoad } from '../harness/load/engine.js';
import { windowMeasurement, type LogLine, type Report } from '../harness/load/locust/window.js';
import { beyondTimeline, timelineTotal } from '../harness/load/timeline-bound.js';

const load: EngineLoad = { concurrency: 8, url: 'http://127.0.0.1:8000/io?ms=40', warmupS: 1, durationS: 10, timeoutS: 5 };
const OPEN = 1_000;

/** A worker reporting every 0.25 s from `from` to `to` (seconds after OPEN), `rps` successes a second, each at 40 ms. */
function reports(worker: string, from: number, to: number, rps: number): Report[] {
  const out: Report[] = [];
  for (let t = from + 0.25; t <= to + 1e-9; t += 0.25) {
    out.push({ type: 'report', t: OPEN + t, worker, requests: rps / 4, failures: 0, responseTimes: { '40': rps / 4 } });
  }
  return out;
}

function window(lines: LogLine[], workersAtClose: string[]): LogLine[] {
  return [
    { type: 'workers', t: OPEN - 2, ids: ['a', 'b'] },
    { type: 'open', id: 1, t: OPEN, workers: ['a', 'b'] },
    ...lines.sort((x, y) => x.t - y.t),
    { type: 'close', id: 1, t: OPEN + 10, cpuPercent: 30, workers: workersAtClose },
  ];
}

describe('a Locust window', () => {
  it('counts two steady workers over the window and marks nothing', () => {
    const m = windowMeasurement(window([...reports('a', -1, 10.2, 40), ...reports('b', -1, 10.2, 40)], ['a', 'b']), 1, load, undefined);
    expect(m.ok / m.lengthS).toBeCloseTo(80, 5);
    expect(m.generatorChanges).toBeUndefined();
    expect(m.timeline.map((s) => s.rps)).toEqual(Array(10).fill(80));
  });

  it('never credits a worker lost mid-window with a whole window: the rate falls as the timeline does, and the point is marked', () => {
    // Worker b is killed 4 s in; Locust still lists it (missing takes 3 s) and lists it no more by 7.5 s.
    const lines = window([...reports('a', -1, 10.2, 40), ...reports('b', -1, 4, 40), { type: 'workers', t: OPEN + 7.5, ids: ['a'] }], ['a']);
    const m = windowMeasurement(lines, 1, load, undefined);
    const rate = m.ok / m.lengthS;
    expect(rate).toBeCloseTo((40 * 10 + 40 * 4) / 10, 5);
    expect(rate * m.lengthS).toBeLessThanOrEqual(timelineTotal(m.timeline, m.lengthS) + 1);
    expect(m.generatorChanges).toEqual([{ t: 4, change: 'worker lost', worker: 'b' }]);
    expect(beyondTimeline(m)).toBeUndefined();
  });

  it('marks a worker that went silent a second before the window closed, though Locust has not yet called it missing', () => {
    const m = windowMeasurement(window([...reports('a', -1, 10.2, 40), ...reports('b', -1, 8.5, 40)], ['a', 'b']), 1, load, undefined);
    expect(m.generatorChanges).toEqual([{ t: 8.5, change: 'worker lost', worker: 'b' }]);
  });

  it('marks a worker that joined mid-window from its first report', () => {
    const lines = window([...reports('a', -1, 10.2, 40), ...reports('b', -1, 10.2, 40), { type: 'workers', t: OPEN + 6.1, ids: ['a', 'b', 'c'] }, ...reports('c', 6.1, 10.2, 20)], ['a', 'b', 'c']);
    const m = windowMeasurement(lines, 1, load, undefined);
    expect(m.generatorChanges).toEqual([{ t: 6.1, change: 'worker joined', worker: 'c' }]);
    expect(m.generatorProcesses).toBe(3);
  });

  it('keeps a window a few ms over its length in its last second, at that second\'s rate', () => {
    const lines: LogLine[] = [
      { type: 'open', id: 7, t: OPEN, workers: ['a'] },
      ...reports('a', -1, 3.25, 40),
      { type: 'close', id: 7, t: OPEN + 3.02, cpuPercent: 10, workers: ['a'] },
    ];
    const m = windowMeasurement(lines, 7, { ...load, durationS: 3 }, undefined);
    expect(m.timeline).toHaveLength(3);
    expect(m.ok).toBe(120);
    expect(timelineTotal(m.timeline, m.lengthS)).toBeCloseTo(120, 0);
  });
});

describe('the timeline bound', () => {
  it('refuses a window that counted more than its per-second timeline adds up to, as a per-worker span would after a lost worker', () => {
    const m = windowMeasurement(window([...reports('a', -1, 10.2, 40), ...reports('b', -1, 4, 40)], ['a']), 1, load, undefined);
    // Each worker's count over its own reporting span: b's 160 requests over 4 s, as if it had run for all 10.
    const inflated = { ...m, ok: Math.round(400 + 40 * 10) };
    expect(beyondTimeline(inflated)).toMatch(/counted 800 2xx responses over 10\.00 s, more than its per-second timeline adds up to \(560\)/);
    expect(beyondTimeline(m)).toBeUndefined();
  });

  it('has nothing to check without a timeline (wrk)', () => {
    expect(beyondTimeline({ ...windowMeasurement(window(reports('a', -1, 10.2, 40), ['a', 'b']), 1, load, undefined), timeline: [] })).toBeUndefined();
  });
});
