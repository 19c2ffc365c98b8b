import { describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import { buildPlan } from '../harness/plan/build-plan.js';
import { parseScenario } from '../harness/scenario/load.js';
import { failedAfter, faultOutcome } from '../harness/run/worker-crash.js';
import type { TimelineSecond } from '../harness/results/types.js';
import { faultReason } from '../reports/model-gap.js';

/** A second of the timeline with these rates (per second) of 2xx, errors and non-2xx. */
const second = (t: number, rps: number, errors: number, non2xx = 0): TimelineSecond => ({ t, rps, p50Ms: 50, p99Ms: 60, errors, non2xx });

describe('a master kill’s failed requests', () => {
  // 4 s window; kill at 2.4 s: the second it fell in (2) and the ones after count, not 0 and 1.
  const timeline = [second(0, 300, 5), second(1, 300, 0), second(2, 120, 80, 10), second(3, 0, 150, 50)];

  it('add up errors and non-2xx from the second the kill fell in to the window’s end', () => {
    expect(failedAfter(timeline, 2.4, 4)).toBe(80 + 10 + 150 + 50);
    expect(failedAfter(timeline, 0, 4)).toBe(5 + 80 + 10 + 150 + 50);
  });

  it('weigh the last second by the part of it the window covered', () => {
    // The window ran 3.5 s: its last bucket's rates stand for half a second.
    expect(failedAfter(timeline, 2.4, 3.5)).toBe(80 + 10 + (150 + 50) / 2);
  });

  it('are filled in for a master kill and left out for a worker kill, whose recovery is the figure', () => {
    const events = [{ t: 2.4, what: 'SIGKILL to the master (pid 7)' }];
    const master = faultOutcome({ outcome: { killed: 'master', killedPid: 7, atS: 2.4, recoveryS: null, firstAnswerS: null }, events }, timeline, 4);
    expect(master).toEqual({ killed: 'master', killedPid: 7, atS: 2.4, recoveryS: null, firstAnswerS: null, failed: 290 });
    const worker = faultOutcome({ outcome: { killed: 'worker', killedPid: 8, atS: 2.4, recoveryS: 0.3 }, events }, timeline, 4);
    expect(worker).not.toHaveProperty('failed');
  });
});

describe('what a report says a master kill did', () => {
  it('says the deployment was down for the rest of the window when nothing brought it back', () => {
    expect(faultReason({ killed: 'master', killedPid: 4100, atS: 3, recoveryS: null, firstAnswerS: null, failed: 412 })).toBe(
      'master (pid 4100) killed at 3 s: down for the rest of the window, 412 requests failed',
    );
  });

  it('says when it answered again, under which manager, and the manager’s own words', () => {
    expect(
      faultReason({ killed: 'master', killedPid: 4100, atS: 3, recoveryS: 0.84, firstAnswerS: 0.84, failed: 37, managerSaid: 'RUNNING pid 4242, uptime 0:00:01' }, 'supervisord'),
    ).toBe('master (pid 4100) killed at 3 s: back after 0.84 s under supervisord (supervisord: RUNNING pid 4242, uptime 0:00:01), 37 requests failed');
  });

  it('says the workers a dead master left kept answering, when something answered with no manager to restart it', () => {
    expect(faultReason({ killed: 'master', killedPid: 4100, atS: 3, recoveryS: 0.02, firstAnswerS: 0.02, failed: 0 })).toBe(
      'master (pid 4100) killed at 3 s: the workers it left kept answering (the first 0.02 s after the kill), with no master to replace them, 0 requests failed',
    );
  });

  it('keeps the worker kill’s sentence for a worker', () => {
    expect(faultReason({ killed: 'worker', killedPid: 9, atS: 3, recoveryS: 0.2 })).toMatch(/killed process 9 \(SIGKILL\) 3 s into the window, and the deployment was whole again 0\.2 s later$/);
  });
});

describe('fault: { kill: master } in a scenario', () => {
  const scenario = (deployment: string) =>
    parseScenario(`path: /io?ms=50\nduration: 2\nconcurrency: [4]\nfault:\n  kill: master\ndeployments:\n${deployment}`, '/x/my.yaml');

  it('is planned for the servers bench starts', () => {
    const plan = buildPlan(scenario('  - kind: gunicorn-sync\n    workers: 2\n  - node-blocking\n'), {});
    expect(plan.deployments.map((d) => d.spec.fault)).toEqual([
      { kill: 'master', at: 0.5 },
      { kill: 'master', at: 0.5 },
    ]);
  });

  it('is refused (exit 2) for an external server, naming the deployment and why', () => {
    const planning = () => buildPlan(scenario('  - kind: external\n    url: http://127.0.0.1:8000\n'), {});
    expect(planning).toThrow(UsageError);
    expect(planning).toThrow(/^external 127\.0\.0\.1:8000: fault: \{ kill: master \}: an external server is one someone else started: bench knows none of its pids/);
  });
});
