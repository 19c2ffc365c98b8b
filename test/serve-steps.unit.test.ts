import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Level } from '../harness/results/aggregate.js';
import type { LiveTick } from '../harness/serve/protocol.js';
import { plannedDeployment } from '../harness/serve/choices.js';
import { loadWords, StepMeter, stepNote, type StepFigures } from '../harness/serve/steps.js';
import { sample, times } from './support/samples.js';

const NO_ERRORS = { refused: 0, reset: 0, timeout: 0, non2xx: 0, other: 0 };

/** A tick as the session sends it, at session time t. */
function tick(t: number, fields: Partial<LiveTick> = {}): LiveTick {
  return {
    t,
    rps: 80,
    p50Ms: 100,
    p99Ms: 110,
    errorsPerS: 0,
    errorsByKind: NO_ERRORS,
    meanLatencyMs: 100,
    inFlight: 8,
    littleL: 8,
    busy: 4,
    held: 0,
    workers: [],
    waiting: 4,
    predictedRps: 80,
    modelWorking: 'min(8 clients, 4 workers) / 0.050 s = 80 req/s',
    cpu: null,
    slowClients: 0,
    ...fields,
  };
}

/** node-prefork ×4 at /io?ms=50: K = 4, d = 50 ms. */
function figures(fields: Partial<StepFigures>): StepFigures {
  return {
    t: 0,
    lengthS: 5,
    deployment: 'node-prefork ×4',
    path: '/io?ms=50',
    load: '8 clients',
    concurrency: 8,
    slowClients: 0,
    throughputRps: 79,
    p50Ms: 101,
    p99Ms: 120,
    errorsPerS: NO_ERRORS,
    inFlight: 8,
    littleL: 8,
    busy: 4,
    held: 0,
    capacity: 4,
    predictedRps: 80,
    modelWorking: null,
    serviceMs: 50,
    ...fields,
  };
}

describe('a step of a bench serve session', () => {
  const prefork = plannedDeployment({ kind: 'node-prefork', workers: 4, nginx: false });
  const eight: Level = { concurrency: 8 };

  it('averages only the ticks whose window lies inside its measured one', () => {
    // Opened at 10 s with a 1 s settle: the window runs 11–16 s, and a tick covers the 2 s before it.
    const meter = new StepMeter(prefork, '/io?ms=50', eight, 10, 1, 2);
    meter.add(tick(10.5, { inFlight: 100, busy: 0 })); // the old setting's queue, before the settle
    meter.add(tick(12, { inFlight: 50 })); // its window still reaches back before 11 s
    for (const t of [13, 14, 15, 16]) meter.add(tick(t, { inFlight: t === 13 ? 7 : 8, busy: 4 }));
    meter.add(tick(20, { inFlight: 1 })); // after the window closed: the next setting's
    const step = meter.finish(sample(79.6, times(400, 100)), 5);
    expect(step.inFlight).toBeCloseTo((7 + 8 + 8 + 8) / 4, 1);
    expect(step.busy).toBe(4);
    expect(step).toMatchObject({ t: 10, lengthS: 5, deployment: 'node-prefork ×4', path: '/io?ms=50', load: '8 clients', concurrency: 8, slowClients: 0 });
  });

  it('takes throughput and latency from its own measurement, and λ×W from them', () => {
    const meter = new StepMeter(prefork, '/io?ms=50', eight, 0, 1, 2);
    for (const t of [3, 4, 5]) meter.add(tick(t));
    const step = meter.finish(sample(79.6, times(400, 100)), 5);
    expect(step.throughputRps).toBe(79.6);
    expect(step.p50Ms).toBeCloseTo(100, 0);
    expect(step.littleL).toBeCloseTo(79.6 * 0.1, 1);
    expect(step.capacity).toBe(4);
    expect(step.predictedRps).toBe(80);
    expect(step.modelWorking).toBe('min(8 clients, 4 workers) / 0.050 s = 80 req/s');
    expect(step.note).toMatch(/^at the ceiling: 4 of 4 workers busy, 4 requests waiting, latency 2× the service time$/);
  });

  it('counts failures by kind a second, and the server CPU, from its ticks', () => {
    const meter = new StepMeter(prefork, '/io?ms=50', eight, 0, 1, 2);
    meter.add(tick(3, { errorsByKind: { ...NO_ERRORS, reset: 10 }, cpu: { busyPercent: 40, cores: 2 } }));
    meter.add(tick(4, { errorsByKind: { ...NO_ERRORS, reset: 6, timeout: 1 }, cpu: { busyPercent: 60, cores: 2 } }));
    const step = meter.finish(sample(60, times(300, 130)), 3);
    expect(step.errorsPerS).toEqual({ ...NO_ERRORS, reset: 8, timeout: 0.5 });
    expect(step.cpuPercent).toBe(50);
    // Without the page's reading, the window's own sampling of the server's processes (a share of this machine's cores).
    const unread = new StepMeter(prefork, '/io?ms=50', eight, 0, 1, 2);
    const sampled = sample(60, times(300, 100), { resources: { cpuPercent: 100, peakRssMb: 50, peakPssMb: 20, processes: 5 } });
    expect(unread.finish(sampled, 3).cpuPercent).toBe(Math.round(100 / cpus().length));
    expect(step.note).toBe('8.5 requests a second failed, most of them connections reset: the server could not take them all');
  });

  it('counts the workers the page shows as K, even where the cores bound the model', () => {
    const meter = new StepMeter(prefork, '/cpu?ms=10', eight, 0, 1, 2);
    meter.add(tick(3, { busy: 3.8, predictedRps: 200 }));
    const step = meter.finish(sample(55, times(300, 140)), 3);
    expect(step.capacity).toBe(4);
    expect(step.predictedRps).toBe(200);
    // No tick in its window: the model's own ceiling, on this machine's cores.
    const unticked = new StepMeter(prefork, '/cpu?ms=10', eight, 0, 1, 2).finish(sample(55, times(300, 140)), 3);
    expect(unticked.predictedRps).toBe((Math.min(4, cpus().length) * 1000) / 10);
  });

  it('names its load as the page does', () => {
    expect(loadWords({ concurrency: 1 })).toBe('1 client');
    expect(loadWords({ offeredRps: 200, maxConnections: 1000, slowClients: { count: 4, sendBytesPerSecond: 100 } })).toBe('200 req/s, 4 slow');
  });
});

describe('the note on a step', () => {
  it('says a setting at the ceiling keeps every worker busy and the rest waiting', () => {
    expect(stepNote(figures({}))).toBe('at the ceiling: 4 of 4 workers busy, 4 requests waiting, latency 2× the service time');
    expect(stepNote(figures({ concurrency: 2, load: '2 clients', capacity: 1, busy: 1, inFlight: 2, throughputRps: 15.1, predictedRps: 16.7, serviceMs: 60, p50Ms: 129 }))).toBe(
      'at the ceiling: 1 of 1 workers busy, 1 request waiting, latency 2.2× the service time',
    );
  });

  it('says a setting below the ceiling serves every request at once', () => {
    expect(stepNote(figures({ concurrency: 1, load: '1 client', throughputRps: 19.6, predictedRps: 20, p50Ms: 51, inFlight: 1, busy: 1 }))).toBe(
      'below the ceiling: every request served at once',
    );
    expect(stepNote(figures({ capacity: null, concurrency: 64, throughputRps: 1270, predictedRps: 1280, busy: 64, inFlight: 64, littleL: 64 }))).toMatch(/^no ceiling here/);
  });

  it('says when slow clients hold the workers, and whether the others still get through', () => {
    const held = { slowClients: 4, load: '8 clients, 4 slow', held: 4, busy: 0, predictedRps: 80 };
    expect(stepNote(figures({ ...held, throughputRps: 2 }))).toBe('slow clients hold 4 of 4 workers: the normal clients barely get through');
    expect(stepNote(figures({ ...held, held: 2, busy: 2, throughputRps: 60 }))).toBe('slow clients hold 2 of 4 workers: the normal clients share what is left');
    // No worker seen held, but the model leaves none for the others.
    expect(stepNote(figures({ ...held, held: 0, throughputRps: 2.6, predictedRps: 0 }))).toBe('4 slow clients can hold all 4 workers: the normal clients barely get through');
  });

  it('says slow clients hold the workers even when no normal client got an answer', () => {
    const stalled = { slowClients: 4, load: '8 clients, 4 slow', held: 4, busy: 0, predictedRps: 0, throughputRps: 0, p50Ms: null, p99Ms: null };
    expect(stepNote(figures(stalled))).toBe('slow clients hold 4 of 4 workers: no normal client got an answer');
  });

  it('names the slow clients of a step they did not hurt, and the workers they held', () => {
    // gunicorn-sync+nginx ×4: nginx reads the slow requests, so the workers serve the others at the ceiling.
    const behindNginx = { deployment: 'gunicorn-sync+nginx ×4', slowClients: 3, load: '8 clients, 3 slow', held: 0 };
    expect(stepNote(figures(behindNginx))).toBe(
      'at the ceiling: 4 of 4 workers busy, 4 requests waiting, latency 2× the service time; the 3 slow clients held no worker',
    );
    expect(stepNote(figures({ slowClients: 1, load: '8 clients, 1 slow', held: 1, busy: 3, throughputRps: 60, predictedRps: 60 }))).toBe(
      'at the ceiling: 3 of 4 workers busy, 5 requests waiting, latency 2× the service time; the 1 slow client held 1 of 4 workers',
    );
    expect(stepNote(figures({ capacity: null, concurrency: 8, slowClients: 2, throughputRps: 158, predictedRps: 160, busy: 8 }))).toBe(
      'no ceiling here: every request is served at once, so throughput grows with the clients; the 2 slow clients held no worker',
    );
  });

  it('says when the requests of the setting before were still queued, rather than that 4 clients kept 186 waiting', () => {
    const after256 = { deployment: 'node-blocking', load: '4 clients', concurrency: 4, capacity: 1, throughputRps: 29.9, predictedRps: 33.3, serviceMs: 30, p50Ms: 6300, inFlight: 187, busy: 1 };
    expect(stepNote(figures(after256))).toBe('still draining the setting before: 187 requests in flight for 4 clients, latency 210× the service time');
    expect(stepNote(figures({ ...after256, inFlight: 4, p50Ms: 124 }))).toMatch(/^at the ceiling: 1 of 1 workers busy, 3 requests waiting/);
  });

  it('says when λ × W falls far short of L because the step ended before most of its requests did', () => {
    const at256 = { deployment: 'node-blocking', load: '256 clients', concurrency: 256, capacity: 1, throughputRps: 3.2, predictedRps: 33.3, serviceMs: 30, p50Ms: 98, inFlight: 256, littleL: 4, busy: 1 };
    expect(stepNote(figures(at256))).toBe(
      'not settled: λ × W (4) falls far short of L (256), as many requests were still waiting when the step ended and W counts only those answered; short of the model: 3.2 req/s of the 33.3 it predicts',
    );
    expect(stepNote(figures({ littleL: 7.2 }))).toMatch(/^at the ceiling/);
  });

  it('says how far short of the model a step fell, and that the cores were busy when they were', () => {
    expect(stepNote(figures({ path: '/cpu?ms=10', throughputRps: 55, predictedRps: 100, serviceMs: 10, cpuPercent: 97 }))).toBe(
      "short of the model: 55 req/s of the 100 it predicts: the server's cores were 97% busy",
    );
    expect(stepNote(figures({ throughputRps: 40 }))).toBe('short of the model: 40 req/s of the 80 it predicts');
  });

  it('says there is no model where the path has no service time', () => {
    expect(stepNote(figures({ path: '/hello', predictedRps: null, serviceMs: null, throughputRps: 1280 }))).toBe(
      "no model for /hello: the figures show the server's own overhead",
    );
  });

  it('leaves a trickle of failures out, and says when nothing was answered', () => {
    expect(stepNote(figures({ errorsPerS: { ...NO_ERRORS, timeout: 0.2 } }))).toMatch(/^at the ceiling/);
    expect(stepNote(figures({ throughputRps: 0, p50Ms: null, p99Ms: null }))).toBe('no request was answered in this step');
  });
});
