import { describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import { buildPlan } from '../harness/plan/build-plan.js';
import { parseScenario } from '../harness/scenario/load.js';
import { masterOutcome, type FaultReport } from '../harness/run/worker-crash.js';
import type { AnswerLog } from '../harness/load/engine.js';
import type { ResultRow } from '../harness/results/types.js';
import { faultsTable } from '../reports/faults.js';
import { row, run } from './support/results.js';
import { faultReason } from '../reports/model-gap.js';

/** A window's answers: [completed at ms, latency ms, status] each, the window opened at epoch 1000 ms. */
const log = (answers: [number, number, number][], waitingSentMs: number[] = []): AnswerLog => ({
  openedAtEpochMs: 1000,
  atMs: answers.map((a) => a[0]),
  latencyMs: answers.map((a) => a[1]),
  status: answers.map((a) => a[2]),
  version: answers.map(() => -1),
  versions: [],
  waitingSentMs,
});

describe('a master kill’s outcome, from every answer of the window', () => {
  // Killed 2 s into a 4 s window (epoch 3000 ms).
  const killed: FaultReport = {
    outcome: { killed: 'master', killedPid: 7, atS: 2, recoveryS: null },
    events: [{ t: 2, what: 'SIGKILL to the master (pid 7)' }],
    killedAtEpochMs: 3000,
  };

  it('counts every answer completed after the kill that was not 2xx as failed, and none before it', () => {
    const { outcome } = masterOutcome(killed, log([[1500, 50, 0], [1990, 50, 200], [2010, 60, 0], [2300, 1, 0], [2400, 1, 502], [3000, 1, 0]]), 4);
    expect(outcome.failed).toBe(4);
    expect(outcome.firstAnswerS).toBeNull();
    expect(outcome.recoveryS).toBeNull();
  });

  it('takes the first 2xx to a request sent after the kill as the first answer, not one a dying worker finished', () => {
    const report = masterOutcome(killed, log([[2005, 50, 200], [2100, 1, 0], [3250, 40, 200], [3300, 30, 200]]), 4);
    expect(report.outcome).toMatchObject({ firstAnswerS: 1.25, recoveryS: 1.25, failed: 1 });
    expect(report.events).toEqual([
      { t: 2, what: 'SIGKILL to the master (pid 7)' },
      { t: 3.25, what: 'first answer 1.25 s after the kill' },
    ]);
  });

  it('counts the requests sent after the kill that still waited when the window closed, which a hung server fails none of', () => {
    // 16 clients stuck from 2.05 s on, 2 more sent before the kill and still waiting: those are not the kill's.
    const stuck = Array.from({ length: 16 }, (_, i) => 2050 + i * 10);
    const { outcome } = masterOutcome(killed, log([[1990, 50, 200]], [1500, 1900, ...stuck]), 4);
    expect(outcome).toMatchObject({ failed: 0, firstAnswerS: null, waiting: { count: 16, longestS: 1.95 } });
    expect(faultReason(outcome)).toBe(
      'master (pid 7) killed at 2 s: down for the rest of the window, 0 requests failed, and 16 sent after it still waited for an answer when the window closed (the oldest 1.95 s)',
    );
    expect(masterOutcome(killed, log([[3000, 5, 200]], [1500]), 4).outcome.waiting).toBeUndefined();
    // A closed loop's requests in flight at the close, waiting no longer than answers took (400 ms), are not hung.
    expect(masterOutcome(killed, log([[3000, 400, 200]], [3700, 3900]), 4).outcome.waiting).toBeUndefined();
    expect(masterOutcome(killed, log([[3000, 400, 200]], [3500, 3900]), 4).outcome.waiting).toEqual({ count: 1, longestS: 0.5 });
  });

  it('marks the window’s end when nothing answered after the kill', () => {
    expect(masterOutcome(killed, log([[2100, 1, 0]]), 4).events.at(-1)).toEqual({ t: 4, what: 'no answer after the kill before the window closed' });
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

  it('is refused (exit 2) with a generator that keeps no answer of its own', () => {
    expect(() => buildPlan(scenario('  - node-blocking\n'), { generator: 'wrk' })).toThrow(/^node-blocking: fault: \{ kill: master \} times the first answer after the kill .*\(--generator wrk\): use the builtin generator$/);
  });

  it('is refused (exit 2) for an external server, naming the deployment and why', () => {
    const planning = () => buildPlan(scenario('  - kind: external\n    url: http://127.0.0.1:8000\n'), {});
    expect(planning).toThrow(UsageError);
    expect(planning).toThrow(/^external 127\.0\.0\.1:8000: fault: \{ kill: master \}: an external server is one someone else started: bench knows none of its pids/);
  });
});

describe('the table of processes killed under load', () => {
  const table = (rows: (Partial<ResultRow> & { deployment: string })[]) => faultsTable(run(rows.map((r) => row({ concurrency: 16, throughputRps: 10, ...r }))));

  it('says, for each kill, what was killed, when it answered again, what failed, who restarted it and what the manager said', () => {
    const t = table([
      { deployment: 'gunicorn-sync ×4', fault: { killed: 'worker', killedPid: 5, atS: 3.01, recoveryS: 0.03 } },
      { deployment: 'node-prefork ×2', fault: { killed: 'master', killedPid: 6, atS: 3, recoveryS: null, firstAnswerS: null, failed: 412, waiting: { count: 16, longestS: 2.95 } } },
      { deployment: 'node-blocking (supervisord)', manager: 'supervisord', fault: { killed: 'master', killedPid: 7, atS: 3.3, recoveryS: 1.4, firstAnswerS: 1.4, failed: 37, managerSaid: 'node-blocking RUNNING pid 8, uptime 0:00:02' } },
    ])!;
    expect(t.headers).toEqual(['deployment', 'c', 'killed', 'at s', 'back after s', 'failed', 'unanswered at close', 'restarted by', 'manager said']);
    expect(t.rows).toEqual([
      ['gunicorn-sync ×4', '16', 'worker', '3.01', '0.03', '–', '–', 'its master', '–'],
      ['node-prefork ×2', '16', 'master', '3.00', '–', '412', '16 (oldest 2.95 s)', 'nothing', '–'],
      ['node-blocking (supervisord)', '16', 'master', '3.30', '1.40', '37', '–', 'supervisord', 'node-blocking RUNNING pid 8, uptime 0:00:02'],
    ]);
  });

  it('is left out of a run without a kill', () => {
    expect(table([{ deployment: 'node-async' }])).toBeUndefined();
  });
});
