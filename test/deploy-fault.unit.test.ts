import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import { firstVersionFile } from '../harness/deployments/app-version.js';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { AnswerRecorder } from '../harness/load/builtin/answer-log.js';
import { ResponseParser } from '../harness/load/builtin/http.js';
import type { AnswerLog } from '../harness/load/engine.js';
import type { ManagedProgram } from '../harness/managers/managed-program.js';
import { buildPlan } from '../harness/plan/build-plan.js';
import { deployOutcome, injectDeploy, MIN_DURING_S, type DeployRun } from '../harness/run/deploy-fault.js';
import { parseScenario } from '../harness/scenario/load.js';
import { pythonServersDir } from '../harness/files/bench-paths.js';
import type { DeployOutcome } from '../harness/results/types.js';
import { gapNotes } from '../reports/model-gap.js';
import { formatTable } from '../reports/tables/table.js';
import { row, run as runOf } from './support/results.js';

const OPENED = 1_000_000;

/** An answer log from [seconds into the window, status, latency ms, version or undefined] entries. */
function logOf(answers: [number, number, number, string | undefined][], waitingSentS: number[] = []): AnswerLog {
  const versions: string[] = [];
  return {
    waitingSentMs: waitingSentS.map((t) => t * 1000),
    openedAtEpochMs: OPENED,
    atMs: answers.map(([t]) => t * 1000),
    status: answers.map(([, status]) => status),
    latencyMs: answers.map(([, , ms]) => ms),
    version: answers.map(([, , , v]) => (v === undefined ? -1 : versions.includes(v) ? versions.indexOf(v) : versions.push(v) - 1)),
    versions,
  };
}

/** A deploy that began `atS` into the window and that the manager said was done at `doneS`. */
function run(atS: number, doneS: number, steps: [number, string][] = []): DeployRun {
  return {
    action: 'restart',
    version: '2',
    startedAtEpochMs: OPENED + atS * 1000,
    doneAtEpochMs: OPENED + doneS * 1000,
    steps: steps.map(([t, what]) => ({ atEpochMs: OPENED + t * 1000, what })),
    managerSaid: 'app RUNNING pid 42, uptime 0:00:01',
  };
}

describe("a deploy's outcome, from every answer of the window", () => {
  // Answers every 0.5 s from v1 until the deploy at 3 s; two refused while it restarts; a 2 s hole;
  // then v2 from 5.5 s on, one slow answer among them.
  const log = logOf([
    [0.5, 200, 10, '1'],
    [1, 200, 10, '1'],
    [1.5, 200, 30, '1'],
    [2, 200, 10, '1'],
    [2.5, 200, 10, '1'],
    [3, 200, 10, '1'],
    [3.5, 0, 1, undefined],
    [4, 0, 1, undefined],
    [5.5, 200, 400, '2'],
    [6, 200, 12, '2'],
    [7.5, 200, 12, '2'],
  ]);
  const { outcome, events } = deployOutcome(run(2.9, 5.2, [[3.1, 'supervisorctl restart app: app: stopped, app: started']]), log, 8);

  it('counts the requests that failed from the deploy on, and the longest time with no successful answer', () => {
    expect(outcome.failed).toBe(2);
    // From the last v1 answer at 3 s to the first v2 one at 5.5 s.
    expect(outcome.longestGapS).toBe(2.5);
    expect(outcome.atS).toBe(2.9);
    expect(outcome.tookS).toBe(2.3);
  });

  it('compares p99 before the deploy with p99 of the requests in flight until the manager said it was done', () => {
    expect(outcome.p99BeforeMs).toBeCloseTo(30, 1);
    // The 400 ms answer at 5.5 s was sent at 5.1 s, before the manager said it was done at 5.2 s: it counts.
    expect(outcome.p99DuringMs).toBeCloseTo(400, 0);
    // After a deploy done at 4.5 s it does not: only the 10 ms answer at 3 s was in flight during it.
    expect(deployOutcome(run(2.9, 4.5), log, 8).outcome.p99DuringMs).toBeCloseTo(10, 1);
  });

  it('measures p99 during a deploy that returned at once (a signal) over at least the minimum span', () => {
    const signalled = deployOutcome(run(2.9, 2.9), log, 8).outcome;
    expect(MIN_DURING_S).toBe(1);
    expect(signalled.tookS).toBe(0);
    // 3 s answered in 10 ms; 3.5 and 4 failed: nothing slower counted.
    expect(signalled.p99DuringMs).toBeCloseTo(10, 1);
  });

  it('counts the answers each version gave, with the first and last second of each', () => {
    expect(outcome.versions).toEqual([
      { version: '1', responses: 6, firstS: 0.5, lastS: 3 },
      { version: '2', responses: 3, firstS: 5.5, lastS: 7.5 },
    ]);
  });

  it('marks the deploy, the manager\'s steps and the version switch on the timeline, in order', () => {
    expect(events.map((e) => [e.t, e.what])).toEqual([
      [2.9, 'deploy: restart, version 2 written'],
      [3, 'last answer from version 1'],
      [3.1, 'supervisorctl restart app: app: stopped, app: started'],
      [5.2, 'the manager said the restart was done after 2.3 s'],
      [5.5, 'first answer from version 2'],
    ]);
    expect(outcome.managerSaid).toBe('app RUNNING pid 42, uptime 0:00:01');
  });

  it('counts the gap to the end of the window when nothing answered after the deploy', () => {
    const dead = deployOutcome(run(2, 2.5), logOf([[1, 200, 5, undefined], [2.5, 0, 1, undefined]], [1.5, 2.2, 3]), 8).outcome;
    // What still waited at the window's end counts from the deploy on: the request sent at 1.5 s was before it.
    expect(dead).toMatchObject({ failed: 1, longestGapS: 6, p99DuringMs: null, versions: [], waiting: { count: 2, longestS: 5.8 } });
    expect(dead.p99BeforeMs).toBeCloseTo(5, 1);
  });

  it('finds no gap longer than the spacing of answers when the deploy lost nothing', () => {
    const steady = logOf(Array.from({ length: 80 }, (_, i) => [(i + 1) / 10, 200, 50, i < 40 ? '1' : '2'] as [number, number, number, string]));
    const graceful = deployOutcome(run(3, 3.05), steady, 8).outcome;
    expect(graceful.failed).toBe(0);
    expect(graceful.longestGapS).toBeCloseTo(0.1, 5);
    expect(graceful.versions.map((v) => [v.version, v.responses])).toEqual([['1', 40], ['2', 40]]);
  });
});

describe('the load engine keeps what a deploy needs of each answer', () => {
  it('reads the app\'s x-bench-version from the response head, in any case', () => {
    const parser = new ResponseParser();
    parser.reset();
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nX-Bench-Version: 2 \r\nx-worker-pid: 7\r\nContent-Length: 2\r\n\r\nhi'));
    expect(parser.head).toEqual({ status: 200, keepAlive: true, workerPid: 7, version: '2' });
    parser.reset();
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
    expect(parser.head).toEqual({ status: 200, keepAlive: true, workerPid: 0 });
  });

  it('records answers as numbers, each version interned once, from the window\'s opening', () => {
    const recorder = new AnswerRecorder(500);
    recorder.record(600.04, 12.34, 200, '1');
    recorder.record(700, 3, 0, undefined);
    recorder.record(800, 20, 200, '2');
    recorder.record(900, 21, 503, '1');
    recorder.waiting([950.06, 480]);
    const log = recorder.answers();
    expect(log).toMatchObject({ atMs: [100, 200, 300, 400], latencyMs: [12.3, 3, 20, 21], status: [200, 0, 200, 503], version: [0, -1, 1, 0], versions: ['1', '2'] });
    // Still waiting when the window closed: sent 450.1 ms in, and one sent before it opened.
    expect(log.waitingSentMs).toEqual([450.1, -20]);
    expect(log.openedAtEpochMs).toBeCloseTo(performance.timeOrigin + 500, 3);
  });
});

describe('a deploy fault carried out through a manager', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bench-deploy-fault-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes the next version before the manager deploys, and records its steps and its account', async () => {
    const versionFile = firstVersionFile(tmp, 1234);
    expect(readFileSync(versionFile, 'utf8')).toBe('1\n');
    const seen: string[] = [];
    const managed: ManagedProgram = {
      manager: 'supervisord',
      config: { name: 'supervisord.conf', text: '' },
      status: async () => ({ state: 'RUNNING', pid: 99, said: 'app RUNNING pid 99' }),
      deploy: async (action) => {
        seen.push(`${action} sees version ${readFileSync(versionFile, 'utf8').trim()}`);
        return [{ at: performance.now(), what: 'supervisorctl signal HUP app' }];
      },
    };
    const deployment = { managed, versionFile } as unknown as RunningDeployment;
    const first = await injectDeploy(deployment, 'reload', performance.now(), 0);
    expect(seen).toEqual(['reload sees version 2']);
    expect(first).toMatchObject({ action: 'reload', version: '2', managerSaid: 'app RUNNING pid 99', steps: [{ what: 'supervisorctl signal HUP app' }] });
    expect(first!.doneAtEpochMs).toBeGreaterThanOrEqual(first!.startedAtEpochMs);
    // The next point's deploy moves on to version 3.
    expect((await injectDeploy(deployment, 'reload', performance.now(), 0))!.version).toBe('3');
  });

  it('the demo Python app announces the version in its file as it was when the process started', () => {
    const versionFile = firstVersionFile(tmp, 5678);
    const headers = (env: Record<string, string>) =>
      execFileSync('python3', ['-c', 'import json, endpoints; print(json.dumps(endpoints.answer_headers()))'], {
        cwd: pythonServersDir,
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      });
    expect(JSON.parse(headers({ BENCH_VERSION_FILE: versionFile }))['x-bench-version']).toBe('1');
    expect(JSON.parse(headers({}))).not.toHaveProperty('x-bench-version');
  });
});

describe('a deploy fault is refused before anything starts where it cannot run', () => {
  const scenario = (deployment: string, extra = '') =>
    parseScenario(`path: /io?ms=50\nduration: 2\nconcurrency: [4]\n${extra}deployments:\n  - ${deployment}\n`, '/x/deploy.yaml');
  const refusal = (deployment: string, overrides = {}, extra = '') => {
    try {
      buildPlan(scenario(deployment, extra), overrides);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error('expected the plan to be refused');
  };

  it('names the deployment without a manager and says to add one', () => {
    expect(refusal('{ kind: gunicorn-sync, workers: 2, fault: { deploy: restart } }')).toMatch(
      /gunicorn-sync.*fault: \{ deploy: restart \} needs a process manager.*add manager: supervisord/,
    );
  });

  it('refuses wrk and Locust, which cannot read the version each answer carries', () => {
    const managed = '{ kind: gunicorn-sync, workers: 2, manager: supervisord, fault: { deploy: reload } }';
    expect(refusal(managed, { generator: 'wrk' })).toMatch(/--generator wrk cannot read: use the builtin generator/);
    expect(refusal(managed, {}, 'generator: locust\n')).toMatch(/generator: locust cannot read: use the builtin generator/);
    expect(buildPlan(scenario(managed), {}).deployments[0]!.spec.fault).toEqual({ deploy: 'reload', at: 0.3 });
  });
});

describe('a report shows each deploy under load', () => {
  const deploy: DeployOutcome = {
    action: 'restart',
    atS: 2.41,
    tookS: 1.62,
    failed: 37,
    longestGapS: 1.58,
    p99BeforeMs: 51.2,
    p99DuringMs: 1612,
    versions: [
      { version: '1', responses: 1204, firstS: 0, lastS: 2.43 },
      { version: '2', responses: 873, firstS: 4.01, lastS: 8 },
    ],
  };
  const none = { kind: 'none' as const, text: 'bench found no cause among those it measures', evidence: {} };
  const results = runOf([
    row({ deployment: 'gunicorn-sync ×4 restart', concurrency: 16, throughputRps: 259.6, deploy, modelGap: { ratio: 0.81, band: [0.85, 1.1], reasons: [none] } }),
    row({ deployment: 'gunicorn-sync ×4 steady', concurrency: 16, throughputRps: 318 }),
  ]);

  it('in a table of its own: failed requests, the gap, p99 before and during, the answers each version gave', () => {
    const text = formatTable(results);
    const lines = text.slice(text.indexOf('Deploys under load:')).split('\n');
    expect(lines[1]).toMatch(/deployment +c +deploy +at s +took s +failed +unanswered at close +longest gap s +p99 before → during ms +answers per version/);
    expect(lines[3]).toMatch(/gunicorn-sync ×4 restart +16 +restart +2\.41 +1\.62 +37 +– +1\.58 +51\.2 → 1612 +v1 1204 → v2 873/);
    // Only the row with a deploy has a line.
    expect(text).not.toMatch(/steady +16 +restart/);
  });

  it("says that a deploy point's throughput is not a steady-state figure, instead of finding no cause", () => {
    expect(gapNotes(results)).toEqual([
      expect.stringMatching(/restart at c=16: .*the scenario deployed \(restart\) 2\.41 s into the window, and 37 requests failed, the longest gap without an answer 1\.58 s: a deploy point's throughput is not a steady-state figure\.$/),
    ]);
  });
});
