import { describe, expect, it } from 'vitest';
import { compareRuns } from '../harness/compare/compare-runs.js';
import { describeDeployment, describeLevel, formatChange } from '../reports/compare/compare-labels.js';
import { comparisonWarnings } from '../reports/compare/compare-notes.js';
import { comparisonTextTable } from '../reports/compare/compare-table.js';
import type { ResultRow } from '../harness/results/types.js';
import { repeated, row, run } from './support/results.js';

const prefork4 = [
  row({ deployment: 'node-prefork ×4', concurrency: 1, throughputRps: 20, p99: 52 }),
  row({ deployment: 'node-prefork ×4', concurrency: 8, throughputRps: 80, p99: 101 }),
];

describe('compareRuns', () => {
  it('finds no regression when a run is compared with itself', () => {
    const comparison = compareRuns(run(prefork4), run(prefork4), { thresholdPct: 10 });
    expect(comparison.regressed).toBe(false);
    expect(comparison.regressions).toEqual([]);
    expect(comparison.points).toHaveLength(2);
    expect(comparison.points.map((point) => point.throughput.changePct)).toEqual([0, 0]);
  });

  it('flags the throughput drop of a pool reconfigured with fewer workers, pairing the relabelled deployment', () => {
    const prefork2 = [
      row({ deployment: 'node-prefork ×2', workers: 2, concurrency: 1, throughputRps: 20, p99: 52 }),
      row({ deployment: 'node-prefork ×2', workers: 2, concurrency: 8, throughputRps: 40, p99: 201 }),
    ];
    const comparison = compareRuns(run(prefork4), run(prefork2), { thresholdPct: 10 });
    expect(comparison.onlyInBase).toEqual([]);
    expect(comparison.onlyInNew).toEqual([]);
    expect(comparison.regressed).toBe(true);
    expect(comparison.regressions).toHaveLength(1);
    const [drop] = comparison.regressions;
    expect(drop).toMatchObject({ baseDeployment: 'node-prefork ×4', newDeployment: 'node-prefork ×2', loop: 'closed', level: 8 });
    expect(drop?.throughput).toMatchObject({ changePct: -50, regressed: true });
    expect(drop && describeDeployment(drop)).toBe('node-prefork ×4 → ×2');
  });

  it('says which deployments were started with another command line or nginx.conf, ignoring ports and temp folders', () => {
    const started = (port: number, keepAlive: string, keepalive: number) =>
      row({
        deployment: 'gunicorn-gthread+nginx ×2',
        concurrency: 8,
        throughputRps: 150,
        serverArgs: ['/usr/bin/python3', '-m', 'gunicorn', '--bind', `127.0.0.1:${port}`, '--keep-alive', keepAlive, 'app:app'],
        nginxConfig: `pid /tmp/bench-${port}x/nginx-${port + 1}/nginx.pid;\nupstream bench_app { server 127.0.0.1:${port}; keepalive ${keepalive}; }`,
      });
    const warnings = (base: ResultRow, next: ResultRow) => comparisonWarnings(compareRuns(run([base]), run([next]), { thresholdPct: 10 }));
    expect(warnings(started(41000, '2', 8), started(42000, '2', 8))).toEqual([]);
    expect(warnings(started(41000, '2', 8), started(42000, '0', 8))).toEqual([
      "started differently in BASE and NEW: gunicorn-gthread+nginx ×2 (command line); each run's report shows how every deployment was started",
    ]);
    expect(warnings(started(41000, '2', 8), started(42000, '0', 32))[0]).toContain('gunicorn-gthread+nginx ×2 (command line, nginx.conf)');
    const node = (port: number) => row({ deployment: 'node-async', concurrency: 8, serverArgs: ['/usr/bin/node', 'server.js', '--host', '127.0.0.1', '--port', String(port), '--mode', 'async'] });
    expect(warnings(node(36745), node(43417))).toEqual([]);
  });

  it('flags a p99 rise even when throughput holds', () => {
    const slower = [prefork4[0]!, row({ deployment: 'node-prefork ×4', concurrency: 8, throughputRps: 79, p99: 150 })];
    const comparison = compareRuns(run(prefork4), run(slower), { thresholdPct: 10 });
    expect(comparison.regressions).toHaveLength(1);
    expect(comparison.regressions[0]?.throughput.regressed).toBe(false);
    expect(comparison.regressions[0]?.p99).toMatchObject({ regressed: true, pastThreshold: true });
    expect(comparison.regressions[0]?.p99.changePct).toBeCloseTo(48.5, 1);
  });

  it('lets a change within the threshold pass', () => {
    const slightlyWorse = [
      row({ deployment: 'node-prefork ×4', concurrency: 1, throughputRps: 18.5, p99: 56 }),
      row({ deployment: 'node-prefork ×4', concurrency: 8, throughputRps: 73, p99: 110 }),
    ];
    expect(compareRuns(run(prefork4), run(slightlyWorse), { thresholdPct: 10 }).regressed).toBe(false);
    expect(compareRuns(run(prefork4), run(slightlyWorse), { thresholdPct: 5 }).regressed).toBe(true);
  });

  it('flags a change past the threshold whose five repeats a one-sided Mann-Whitney test calls significant', () => {
    const base = [repeated({ deployment: 'node-async', concurrency: 8 }, [100, 98, 103, 101, 99].map((throughputRps, i) => ({ throughputRps, p99Ms: 60 + i })))];
    const worse = [repeated({ deployment: 'node-async', concurrency: 8 }, [80, 84, 79, 82, 85].map((throughputRps, i) => ({ throughputRps, p99Ms: 80 + i })))];
    const [point] = compareRuns(run(base), run(worse), { thresholdPct: 10 }).regressions;
    // Every NEW repeat below every BASE one: p = 1/C(10, 5) = 1/252.
    expect(point?.throughput).toMatchObject({ pastThreshold: true, regressed: true });
    expect(point?.throughput.evidence).toMatchObject({ kind: 'repeats', holds: true });
    expect(point?.throughput.evidence.test?.pValue).toBeCloseTo(1 / 252, 12);
    expect(point?.p99).toMatchObject({ pastThreshold: true, regressed: true });
    expect(point?.p99?.evidence.test).toMatchObject({ on: 'repeats', baseRepeats: 5, newRepeats: 5 });
  });

  it('lets a change past the threshold pass when the repeats overlap too much to be significant', () => {
    // The medians differ by 15%, but the samples interleave: one-sided p = 0.21.
    const base = [repeated({ deployment: 'node-async', concurrency: 8 }, [100, 70, 130, 90, 110].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const noisy = [repeated({ deployment: 'node-async', concurrency: 8 }, [85, 60, 120, 75, 95].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const [point] = compareRuns(run(base), run(noisy), { thresholdPct: 10 }).points;
    expect(point?.throughput).toMatchObject({ pastThreshold: true, regressed: false });
    expect(point?.throughput.evidence.test?.pValue).toBeGreaterThan(0.05);
    expect(point?.regressed).toBe(false);
  });

  it('calls a halved throughput over three repeats each a regression because the repeats lie apart, though no rank test can reach p < 0.05', () => {
    const base = [repeated({ deployment: 'node-async', concurrency: 8 }, [100, 101, 102].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const halved = [repeated({ deployment: 'node-async', concurrency: 8 }, [50, 51, 52].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const [point] = compareRuns(run(base), run(halved), { thresholdPct: 10 }).points;
    expect(point?.throughput).toMatchObject({ pastThreshold: true, regressed: true });
    expect(point?.throughput.evidence).toMatchObject({
      kind: 'spreads',
      holds: true,
      test: { pValue: 0.05, smallestPValue: 0.05 },
      spreads: { base: { min: 100, max: 102 }, next: { min: 50, max: 52 } },
    });
  });

  it('calls a 4× drop over two repeats each a regression, on repeats that lie apart', () => {
    // Measured: node-prefork ×4 → ×1 on /io?ms=30 at 8 clients, --repeat 2: 129.5 → 32.7 req/s.
    const base = [repeated({ deployment: 'node-prefork ×4', concurrency: 8 }, [129.1, 129.9].map((throughputRps) => ({ throughputRps, p99Ms: 33 })))];
    const next = [repeated({ deployment: 'node-prefork ×1', workers: 1, concurrency: 8 }, [32.5, 32.9].map((throughputRps) => ({ throughputRps, p99Ms: 260 })))];
    const comparison = compareRuns(run(base), run(next), { thresholdPct: 10 });
    expect(comparison.regressed).toBe(true);
    expect(comparison.failed).toBe(true);
    expect(comparison.points[0]?.throughput.evidence.kind).toBe('spreads');
    expect(comparison.points[0]?.p99?.regressed).toBe(true);
  });

  it('lets a p99 rise past the threshold pass when two repeats each lie apart by less than the threshold', () => {
    // Measured: two runs of node-prefork ×4 on /io?ms=25 at 12 clients, --repeat 2, 1.5 s windows:
    // p99 92.7 and 105 ms, then 107 and 120 ms. Two repeats each lie apart by chance one time in six.
    const base = [repeated({ deployment: 'node-prefork ×4', concurrency: 12 }, [92.7, 105].map((p99Ms) => ({ throughputRps: 145, p99Ms })))];
    const next = [repeated({ deployment: 'node-prefork ×4', concurrency: 12 }, [107, 120].map((p99Ms) => ({ throughputRps: 145, p99Ms })))];
    const comparison = compareRuns(run(base), run(next), { thresholdPct: 10 });
    expect(comparison.points[0]?.p99).toMatchObject({ pastThreshold: true, regressed: false, evidence: { kind: 'spreads', holds: false } });
    expect(comparison.failed).toBe(false);
  });

  it('calls a drop a regression on two repeats each when NEW’s best is worse than BASE’s worst by more than the threshold', () => {
    const base = [repeated({ deployment: 'node-async', concurrency: 8 }, [100, 102].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const next = [repeated({ deployment: 'node-async', concurrency: 8 }, [85, 88].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const [point] = compareRuns(run(base), run(next), { thresholdPct: 10 }).points;
    expect(point?.throughput).toMatchObject({ pastThreshold: true, regressed: true, evidence: { kind: 'spreads', holds: true } });
  });

  it('lets a drop past the threshold pass when two repeats each overlap', () => {
    const base = [repeated({ deployment: 'node-async', concurrency: 8 }, [100, 90].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const next = [repeated({ deployment: 'node-async', concurrency: 8 }, [80, 95].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const [point] = compareRuns(run(base), run(next), { thresholdPct: 10 }).points;
    expect(point?.throughput).toMatchObject({ pastThreshold: true, regressed: false, evidence: { kind: 'spreads', holds: false } });
  });

  it('tests single windows on their per-second figures, and calls a drop whose seconds interleave chance', () => {
    const seconds = (rps: number[]) => rps.map((r, t) => ({ t, rps: r, p50Ms: 50, p99Ms: 60, errors: 0, non2xx: 0 }));
    const single = (rps: number[]) => [row({ deployment: 'node-async', concurrency: 8, durationS: 5, throughputRps: rps[2]!, timeline: seconds(rps) })];
    const steady = compareRuns(run(single([100, 101, 99, 102, 100])), run(single([80, 81, 79, 82, 80])), { thresholdPct: 10 }).points[0]!;
    expect(steady.throughput).toMatchObject({ regressed: true, evidence: { kind: 'seconds', holds: true, test: { on: 'seconds', baseRepeats: 5, newRepeats: 5 } } });
    const jumpy = compareRuns(run(single([100, 60, 140, 70, 130])), run(single([85, 140, 50, 120, 60])), { thresholdPct: 10 }).points[0]!;
    expect(jumpy.throughput).toMatchObject({ pastThreshold: true, regressed: false, evidence: { kind: 'seconds', holds: false } });
  });

  it('counts only whole seconds of a window as samples, and falls back on the threshold below four', () => {
    const seconds = (rps: number[]) => rps.map((r, t) => ({ t, rps: r, p50Ms: 50, p99Ms: 60, errors: 0, non2xx: 0 }));
    // A 3.5 s window: three whole seconds and a half one, too few for the test.
    const short = (rps: number[]) => [row({ deployment: 'node-async', concurrency: 8, durationS: 3.5, throughputRps: rps[1]!, timeline: seconds(rps) })];
    const [point] = compareRuns(run(short([100, 100, 100, 100])), run(short([80, 80, 80, 80])), { thresholdPct: 10 }).points;
    expect(point?.throughput).toMatchObject({ regressed: true, evidence: { kind: 'threshold', holds: true, test: null } });
  });

  it('does not call a real 5% drop a regression at a 10% threshold, however clear the evidence', () => {
    const base = [repeated({ deployment: 'node-async', concurrency: 8 }, [100, 100.5, 99.5, 100.2, 99.8].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const next = [repeated({ deployment: 'node-async', concurrency: 8 }, [95, 95.5, 94.5, 95.2, 94.8].map((throughputRps) => ({ throughputRps, p99Ms: 60 })))];
    const [point] = compareRuns(run(base), run(next), { thresholdPct: 10 }).points;
    expect(point?.throughput.evidence).toMatchObject({ kind: 'repeats', holds: true });
    expect(point?.throughput).toMatchObject({ pastThreshold: false, regressed: false });
  });

  it('fails a comparison whose NEW was interrupted or misses points, unless partial runs are accepted', () => {
    const five = [1, 2, 4, 8, 16].map((concurrency) => row({ deployment: 'node-async', concurrency, throughputRps: 20 * concurrency }));
    const interrupted = run(five.slice(0, 1), { complete: false });
    const failing = compareRuns(run(five), interrupted, { thresholdPct: 10 });
    expect(failing).toMatchObject({ regressed: false, failed: true, partialAccepted: false });
    expect(failing.newIncomplete).toBe("it was interrupted (complete: false) and it measured 1 of BASE's 5 points");
    expect(compareRuns(run(five), interrupted, { thresholdPct: 10, allowPartial: true })).toMatchObject({ regressed: false, failed: false });
    expect(compareRuns(run(five), run(five), { thresholdPct: 10 })).toMatchObject({ newIncomplete: null, failed: false });
  });

  it('ranks a repeat that had no successful request as the slowest p99', () => {
    const base = [repeated({ deployment: 'node-async', concurrency: 8 }, [60, 61, 62, 63, 64].map((p99Ms) => ({ throughputRps: 100, p99Ms })))];
    const failing = [repeated({ deployment: 'node-async', concurrency: 8 }, [90, null, 91, null, 92].map((p99Ms) => ({ throughputRps: 100, p99Ms })))];
    const [point] = compareRuns(run(base), run(failing), { thresholdPct: 10 }).points;
    expect(point?.p99).toMatchObject({ regressed: true });
    expect(point?.p99?.evidence.test?.pValue).toBeCloseTo(1 / 252, 12);
  });

  it('compares throughput alone where a run had no successful request, leaving p99 not comparable', () => {
    const comparison = compareRuns(
      run([row({ deployment: 'node-async', concurrency: 64, throughputRps: 100, p99: 80 })]),
      run([row({ deployment: 'node-async', concurrency: 64, throughputRps: 0, p99: null })]),
      { thresholdPct: 10 },
    );
    const [point] = comparison.points;
    expect(point?.p99).toBeNull();
    expect(point?.throughput).toMatchObject({ changePct: -100, regressed: true });
    expect(comparison.regressed).toBe(true);
  });

  it('reports points measured by only one run without counting them as regressions', () => {
    const base = [...prefork4, row({ deployment: 'node-blocking', workers: 1, concurrency: 1, throughputRps: 20 })];
    const next = [
      ...prefork4,
      row({ deployment: 'node-prefork ×4', concurrency: 64, throughputRps: 80, p99: 800 }),
      row({ deployment: 'node-async', workers: 1, loop: 'open', concurrency: 64, offeredRps: 200, throughputRps: 1 }),
    ];
    const comparison = compareRuns(run(base), run(next), { thresholdPct: 10 });
    expect(comparison.regressed).toBe(false);
    expect(comparison.points).toHaveLength(2);
    expect(comparison.onlyInBase).toEqual([{ deployment: 'node-blocking', path: '/io?ms=50', loop: 'closed', level: 1 }]);
    expect(comparison.onlyInNew).toEqual([
      { deployment: 'node-prefork ×4', path: '/io?ms=50', loop: 'closed', level: 64 },
      { deployment: 'node-async', path: '/io?ms=50', loop: 'open', level: 200 },
    ]);
  });

  it('does not pair deployments across kinds or when several of a kind are left over', () => {
    const base = [row({ deployment: 'gunicorn-sync ×2', concurrency: 8, throughputRps: 40 }), row({ deployment: 'gunicorn-sync ×4', concurrency: 8, throughputRps: 80 })];
    const next = [row({ deployment: 'gunicorn-sync ×8', concurrency: 8, throughputRps: 10 }), row({ deployment: 'node-async', concurrency: 8, throughputRps: 10 })];
    const comparison = compareRuns(run(base), run(next), { thresholdPct: 10 });
    expect(comparison.points).toEqual([]);
    expect(comparison.onlyInBase).toHaveLength(2);
    expect(comparison.onlyInNew).toHaveLength(2);
  });

  it('matches open-loop points by offered rate, not by connection count', () => {
    const openRow = (offeredRps: number, concurrency: number) =>
      row({ deployment: 'node-async', loop: 'open', offeredRps, concurrency, throughputRps: offeredRps });
    const comparison = compareRuns(run([openRow(100, 16)]), run([openRow(100, 32), openRow(200, 16)]), { thresholdPct: 10 });
    expect(comparison.points.map((point) => [point.loop, point.level])).toEqual([['open', 100]]);
    expect(comparison.onlyInNew.map((point) => point.level)).toEqual([200]);
  });

  it('matches slow-client points by their count of slow clients, and names it', () => {
    const slow = (count: number, throughputRps: number) =>
      row({ deployment: 'gunicorn-sync ×4', concurrency: 8, throughputRps, slowClients: { count, sendBytesPerSecond: 100, completed: count } });
    const comparison = compareRuns(run([slow(0, 78), slow(4, 2)]), run([slow(0, 78), slow(4, 40)]), { thresholdPct: 10 });
    expect(comparison.points.map((point) => [describeLevel(point), point.throughput.changePct])).toEqual([
      ['c=8, 0 slow', 0],
      ['c=8, 4 slow', 1900],
    ]);
  });

  it('gives no percentage, and no regression, when the base measured zero', () => {
    const comparison = compareRuns(
      run([row({ deployment: 'node-async', concurrency: 1, throughputRps: 0, p99: 0 })]),
      run([row({ deployment: 'node-async', concurrency: 1, throughputRps: 5, p99: 900 })]),
      { thresholdPct: 10 },
    );
    expect(comparison.points[0]?.throughput.changePct).toBeNull();
    expect(comparison.regressed).toBe(false);
  });
});

describe('what differs between the runs', () => {
  const points = [row({ deployment: 'node-async', concurrency: 8, throughputRps: 100 })];

  it('lists every setting that changes the figures, with both values', () => {
    const base = run(points, { settings: { paths: ['/io?ms=50', '/cpu?ms=5'] } });
    const next = run(points, {
      settings: {
        paths: ['/cpu?ms=5', '/io?ms=20'],
        durationS: 1,
        warmupS: 0,
        quick: true,
        rates: [100],
        generator: 'wrk',
        placement: { mode: 'separate', serverCpus: '0', generatorCpus: '1', serverCores: 1 },
        slowClients: { counts: [4], sendBytesPerSecond: 100 },
      },
    });
    expect(compareRuns(base, next, { thresholdPct: 10 }).settingDifferences).toEqual([
      { name: 'paths', base: '/cpu?ms=5, /io?ms=50', next: '/cpu?ms=5, /io?ms=20' },
      { name: 'durationS', base: '3', next: '1' },
      { name: 'warmupS', base: '0.5', next: '0' },
      { name: 'quick', base: 'off', next: 'on' },
      { name: 'loop', base: 'closed', next: 'open' },
      { name: 'generator', base: 'builtin', next: 'wrk' },
      { name: 'placement', base: 'shared', next: 'separate' },
      { name: 'slowClientsSendBytesPerSecond', base: 'no slow clients', next: '100' },
    ]);
  });

  it('ignores what does not change a point: the order of paths, the levels, the repeats, the timeout', () => {
    const base = run(points, { settings: { paths: ['/a', '/b'], concurrency: [1, 8], repeat: 1, timeoutS: 30 } });
    const next = run(points, { settings: { paths: ['/b', '/a'], concurrency: [8, 64], repeat: 5, timeoutS: 10 } });
    expect(compareRuns(base, next, { thresholdPct: 10 }).settingDifferences).toEqual([]);
  });

  it('tells apart machines by CPU model and count', () => {
    const base = run(points);
    const next = run(points, { environment: { cpus: 8, cpuModel: 'Other CPU' } });
    expect(compareRuns(base, next, { thresholdPct: 10 }).machineDifferences).toEqual([
      { name: 'cpuModel', base: 'Test CPU @ 2.0GHz', next: 'Other CPU' },
      { name: 'cpus', base: '2', next: '8' },
    ]);
    expect(compareRuns(base, run(points), { thresholdPct: 10 }).machineDifferences).toEqual([]);
  });

  it('tells apart a run whose servers were on another machine (--server-host), and that machine', () => {
    const local = run(points);
    const far = run(points);
    far.settings.serverHost = 'bench@192.168.1.10';
    far.serverMachine = { ...far.environment, cpus: 16, cpuModel: 'Server CPU' };
    const compared = compareRuns(local, far, { thresholdPct: 10 });
    expect(compared.settingDifferences).toContainEqual({ name: 'serverHost', base: 'this machine', next: 'bench@192.168.1.10' });
    expect(compared.machineDifferences).toEqual([
      { name: 'serverCpuModel', base: 'Test CPU @ 2.0GHz', next: 'Server CPU' },
      { name: 'serverCpus', base: '2', next: '16' },
    ]);
  });
});

describe('formatChange', () => {
  it('signs changes with a plus or a minus sign and rounds to a tenth', () => {
    expect([formatChange(12.345), formatChange(-48.96), formatChange(0.01), formatChange(null)]).toEqual(['+12.3%', '−49.0%', '0.0%', 'n/a']);
  });
});

describe('the comparison table', () => {
  const twoRepeats = (deployment: string, workers: number, rps: number[], p99s: number[]) =>
    run([repeated({ deployment, workers, concurrency: 6 }, rps.map((throughputRps, i) => ({ throughputRps, p99Ms: p99s[i]! })))]);

  it('says an improvement whose repeats lie apart is better, not that the repeats overlap', () => {
    // Measured: node-prefork ×1 → ×4 on /io?ms=25 at 6 clients, --repeat 2.
    const comparison = compareRuns(twoRepeats('node-prefork ×1', 1, [36.6, 36.7], [169, 179]), twoRepeats('node-prefork ×4', 4, [131.9, 143.2], [58.4, 86]), { thresholdPct: 10 });
    const [, , row] = comparisonTextTable(comparison);
    expect(row).toMatch(/\+\d+\.\d%\s+better\s.*−\d+\.\d%\s+better\s*$/);
  });

  it('says repeats lie too close when they lie apart the bad way by less than the threshold', () => {
    const comparison = compareRuns(twoRepeats('node-async', 1, [100, 102], [60, 60]), twoRepeats('node-async', 1, [91, 95], [60, 60]), { thresholdPct: 5 });
    const [, , row] = comparisonTextTable(comparison);
    expect(row).toMatch(/−\d\.\d%\s+close\s.*~ repeats too close$/);
  });
});
