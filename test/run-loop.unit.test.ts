import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import { buildPlan, type Plan } from '../harness/plan/build-plan.js';
import { liveTempDirs } from '../harness/process/registry.js';
import type { RunResults } from '../harness/results/types.js';
import { Progress } from '../harness/run/progress.js';
import { runPlan } from '../harness/run/run-plan.js';
import { parseScenario } from '../harness/scenario/load.js';
import { fakeEngine, type FakePoint } from './support/fake-engine.js';
import { fakeKind, type FakeBehaviour, type RunLog } from './support/fake-kind.js';

/** A Progress that keeps its lines instead of writing them. */
class KeptProgress extends Progress {
  readonly lines: string[] = [];
  override say(text: string): void {
    this.lines.push(text);
  }
  override live(): void {}
  override clearLive(): void {}
}

let outDir: string;
beforeEach(() => {
  outDir = mkdtempSync(join(tmpdir(), 'bench-run-loop-'));
});
afterEach(() => {
  rmSync(outDir, { recursive: true, force: true });
});

interface FakeRun {
  labels?: string[];
  concurrency?: number[];
  paths?: string[];
  repeat?: number;
  behaviours?: Record<string, FakeBehaviour>;
  points?: Record<number, FakePoint>;
  abort?: AbortController;
}

/** A plan at the given levels, paths and repeats, its deployments left for the fake kind's. */
function planOf({ concurrency = [1, 4], paths = ['/io'], repeat = 1 }: FakeRun): Plan {
  const scenario = parseScenario(
    `path: [${paths.map((p) => JSON.stringify(p)).join(', ')}]\nduration: 1\nwarmup: 0.5\nconcurrency: [${concurrency.join(', ')}]\ndeployments:\n  - { kind: node-async }\n`,
    'fake.yaml',
  );
  return { ...buildPlan(scenario, { out: outDir, repeat }), deployments: [] };
}

async function runFake(options: FakeRun = {}) {
  const log: RunLog = [];
  const fake = fakeKind(log, options.behaviours);
  const plan = { ...planOf(options), deployments: (options.labels ?? ['A', 'B']).map((label) => fake.planned(label)) };
  const progress = new KeptProgress(true);
  const abort = options.abort ?? new AbortController();
  const run = await runPlan(plan, { progress, signal: abort.signal, deployments: fake.driver, engine: fakeEngine(log, fake, options.points) });
  return { run, log, progress, fake, plan };
}

const saved = (): RunResults => JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as RunResults;

describe('the run loop, driven by a fake kind and a fake engine', () => {
  it('starts each deployment, measures its levels in order with a liveness check between them, and stops it before the next starts', async () => {
    const { run, log } = await runFake();
    expect(log).toEqual([
      'start A',
      'ready A',
      'warm-up A /io c=1 for 0.5 s',
      'measure A /io c=1',
      'check A',
      'warm-up A /io c=4 for 0.5 s',
      'measure A /io c=4',
      'stop A',
      'start B',
      'ready B',
      'warm-up B /io c=1 for 0.5 s',
      'measure B /io c=1',
      'check B',
      'warm-up B /io c=4 for 0.5 s',
      'measure B /io c=4',
      'stop B',
    ]);
    expect(run.complete).toBe(true);
    expect(run.failures).toEqual([]);
    expect(run.results.map((r) => [r.deployment, r.concurrency])).toEqual([
      ['A', 1],
      ['A', 4],
      ['B', 1],
      ['B', 4],
    ]);
  });

  it('measures every path of a deployment before it stops it', async () => {
    const { log } = await runFake({ labels: ['A'], concurrency: [2], paths: ['/io', '/hello'] });
    expect(log.filter((line) => line.startsWith('measure') || line.startsWith('st'))).toEqual(['start A', 'measure A /io c=2', 'measure A /hello c=2', 'stop A']);
  });

  it('interleaves repeats round by round (A B A B) and merges each point across rounds', async () => {
    const { run, log } = await runFake({ concurrency: [2], repeat: 2 });
    expect(log.filter((line) => line.startsWith('start'))).toEqual(['start A', 'start B', 'start A', 'start B']);
    expect(run.results.map((r) => [r.deployment, r.repeats])).toEqual([
      ['A', 2],
      ['B', 2],
    ]);
  });

  it('warms each closed-loop level up until its queue has formed: c over the rate the level before served', async () => {
    // The fake serves 100 req/s at any c (one worker, 10 ms): c=40 needs 0.4 s to queue, c=300 3 s, under the 30 s timeout.
    const { log } = await runFake({ labels: ['A'], concurrency: [1, 40, 300] });
    expect(log.filter((line) => line.startsWith('warm-up'))).toEqual(['warm-up A /io c=1 for 0.5 s', 'warm-up A /io c=40 for 0.5 s', 'warm-up A /io c=300 for 3 s']);
  });

  it('writes each point to results.json as soon as it is measured, and the run complete only at the end', async () => {
    const rowsBefore: number[] = [];
    const completeBefore: boolean[] = [];
    const look = { before: () => (rowsBefore.push(saved().results.length), completeBefore.push(saved().complete)) };
    await runFake({ points: { 1: look, 2: look, 3: look, 4: look } });
    expect(rowsBefore).toEqual([0, 1, 2, 3]);
    expect(completeBefore).toEqual([false, false, false, false]);
    expect(saved().results).toHaveLength(4);
    expect(saved().complete).toBe(true);
  });

  it('records a deployment that fails to start as a failure, stops nothing of it, and still measures the others', async () => {
    const { run, log, progress } = await runFake({ labels: ['A', 'B', 'C'], concurrency: [2], repeat: 2, behaviours: { B: { failsToStart: 'address already in use' } } });
    expect(run.failures).toEqual([{ deployment: 'B', server: 'fake', reason: 'B did not start: address already in use' }]);
    // Not tried again in the second round.
    expect(log.filter((line) => line.startsWith('start'))).toEqual(['start A', 'start B', 'start C', 'start A', 'start C']);
    expect(log).not.toContain('stop B');
    expect(run.results.map((r) => r.deployment)).toEqual(['A', 'C']);
    expect(progress.lines).toContain('[2/3, round 1/2] B: FAILED to start: B did not start: address already in use');
    expect(run.complete).toBe(true);
  });

  it('skips the remaining points of a deployment found dead between points, stops it, and goes on to the next', async () => {
    const { run, log } = await runFake({ concurrency: [1, 4, 8], behaviours: { A: { deadBeforePoint: 2 } } });
    expect(run.failures).toEqual([{ deployment: 'A', server: 'fake', reason: 'its server exited with code 1', atPoint: '/io c=4' }]);
    expect(log.slice(0, 6)).toEqual(['start A', 'ready A', 'warm-up A /io c=1 for 0.5 s', 'measure A /io c=1', 'check A', 'stop A']);
    expect(run.results.map((r) => [r.deployment, r.concurrency])).toEqual([
      ['A', 1],
      ['B', 1],
      ['B', 4],
      ['B', 8],
    ]);
  });

  it('drops the point of a deployment that died during its window, rather than record a dead server as a data point', async () => {
    const { run } = await runFake({ labels: ['A'], concurrency: [1, 4, 8], behaviours: { A: { exitsDuringPoint: 2 } } });
    expect(run.failures).toEqual([{ deployment: 'A', server: 'fake', reason: 'its server was killed by SIGKILL', atPoint: '/io c=4' }]);
    expect(run.results.map((r) => r.concurrency)).toEqual([1]);
  });

  it('takes a window in which every connection was refused for a death, whatever the process table says', async () => {
    const { run } = await runFake({ labels: ['A'], points: { 2: { refused: true } } });
    expect(run.failures).toEqual([{ deployment: 'A', server: 'fake', reason: 'every connection was refused (25 attempts)', atPoint: '/io c=4' }]);
  });

  it('fails only the deployment whose load generator failed, stopping it, and measures the next', async () => {
    const { run, log } = await runFake({ points: { 1: { throws: new Error('the Locust master exited') } } });
    expect(run.failures).toEqual([{ deployment: 'A', server: 'fake', reason: 'the load generator failed: the Locust master exited', atPoint: '/io c=1' }]);
    expect(log).toContain('stop A');
    expect(run.results.map((r) => r.deployment)).toEqual(['B', 'B']);
  });

  it('stops the run on bad input from the engine, tearing down the deployment and the private folder on the way out', async () => {
    const log: RunLog = [];
    const fake = fakeKind(log);
    const plan = { ...planOf({}), deployments: [fake.planned('A')] };
    const engine = fakeEngine(log, fake, { 2: { throws: new UsageError('--generator wrk: cannot trickle') } });
    const before = new Set(liveTempDirs);
    await expect(runPlan(plan, { progress: new KeptProgress(true), signal: new AbortController().signal, deployments: fake.driver, engine })).rejects.toThrow('cannot trickle');
    expect(log.at(-1)).toBe('stop A');
    expect(fake.running.size).toBe(0);
    const left = [...liveTempDirs].filter((dir) => !before.has(dir));
    expect(left).toEqual([]);
  });

  it('on Ctrl-C mid-point stops measuring, tears down the deployment, starts no other, and keeps the points it finished', async () => {
    const abort = new AbortController();
    const { run, log } = await runFake({ labels: ['A', 'B'], concurrency: [1, 4, 8], abort, points: { 2: { interrupts: abort } } });
    expect(log).toEqual(['start A', 'ready A', 'warm-up A /io c=1 for 0.5 s', 'measure A /io c=1', 'check A', 'warm-up A /io c=4 for 0.5 s', 'stop A']);
    expect(run.complete).toBe(false);
    expect(run.failures).toEqual([]);
    expect(run.results.map((r) => r.concurrency)).toEqual([1]);
    expect(saved().complete).toBe(false);
    expect(saved().results).toHaveLength(1);
    expect(saved().finishedAt).toBeDefined();
  });

  it('tears down every deployment it started, on every path: finished, failed, dead and interrupted', async () => {
    const abort = new AbortController();
    const { fake, log } = await runFake({
      labels: ['A', 'B', 'C', 'D', 'E'],
      concurrency: [1, 4],
      abort,
      behaviours: { B: { failsToStart: 'no' }, C: { deadBeforePoint: 2 } },
      // A: points 1-2; C: point 3; D: 4 (generator fails); E: 5 (interrupted)
      points: { 4: { throws: new Error('gone') }, 5: { interrupts: abort } },
    });
    expect(fake.running.size).toBe(0);
    const started = log.filter((line) => line.startsWith('ready')).map((line) => line.slice(6));
    const stopped = log.filter((line) => line.startsWith('stop')).map((line) => line.slice(5));
    expect(started).toEqual(['A', 'C', 'D', 'E']);
    expect(stopped).toEqual(started);
  });

  it('removes its private folder once the run ends', async () => {
    const before = new Set(liveTempDirs);
    const seen: string[] = [];
    await runFake({ labels: ['A'], concurrency: [1], points: { 1: { before: () => seen.push(...[...liveTempDirs].filter((d) => !before.has(d))) } } });
    expect(seen).toHaveLength(1);
    expect(existsSync(seen[0]!)).toBe(false);
    expect([...liveTempDirs].filter((d) => !before.has(d))).toEqual([]);
  });
});
