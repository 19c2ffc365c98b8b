import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Progress } from '../harness/run/progress.js';
import { parseScenario } from '../harness/scenario/load.js';
import { runTune } from '../harness/tune/sweep.js';
import { buildTunePlan, type TunePlan } from '../harness/tune/tune-plan.js';
import { fakeEngine, type FakePoint } from './support/fake-engine.js';
import { fakeKind, type FakeBehaviour, type RunLog } from './support/fake-kind.js';

let outDir: string;
beforeEach(() => {
  outDir = mkdtempSync(join(tmpdir(), 'bench-tune-loop-'));
});
afterEach(() => {
  rmSync(outDir, { recursive: true, force: true });
});

/** A sweep of node-prefork ×1, ×2, ×4 up to 4 clients, each configuration started by the fake kind instead. */
async function sweep(behaviours: Record<string, FakeBehaviour> = {}, points: (abort: AbortController) => Record<number, FakePoint> = () => ({})) {
  const log: RunLog = [];
  const fake = fakeKind(log, behaviours);
  const scenario = parseScenario('path: /io\nduration: 1\nconcurrency: [1]\ndeployments:\n  - { kind: node-prefork }\n', 'tune.yaml');
  const built = buildTunePlan(scenario, { workers: [1, 2, 4], maxClients: 4, out: outDir });
  const faked = (d: TunePlan['plan']['deployments'][number]) => ({ ...d, kind: fake.kind });
  const tune: TunePlan = {
    ...built,
    plan: { ...built.plan, deployments: built.plan.deployments.map(faked) },
    classes: built.classes.map((c) => ({ ...c, configurations: c.configurations.map(faked) })),
  };
  const abort = new AbortController();
  const engine = fakeEngine(log, fake, points(abort));
  const run = await runTune(tune, { progress: new Progress(true), signal: abort.signal, deployments: fake.driver, engine });
  return { run, log, fake };
}

const started = (log: RunLog) => log.filter((line) => line.startsWith('ready')).map((line) => line.slice(6));
const stopped = (log: RunLog) => log.filter((line) => line.startsWith('stop')).map((line) => line.slice(5));

describe('a tune sweep, driven by a fake kind and a fake engine', () => {
  it('starts each configuration once, smallest pool first, and stops it before the next starts', async () => {
    const { run, log } = await sweep();
    expect(started(log)).toEqual(['node-prefork ×1', 'node-prefork ×2', 'node-prefork ×4']);
    const startsAndStops = log.filter((line) => line.startsWith('ready') || line.startsWith('stop'));
    expect(startsAndStops).toEqual(['ready node-prefork ×1', 'stop node-prefork ×1', 'ready node-prefork ×2', 'stop node-prefork ×2', 'ready node-prefork ×4', 'stop node-prefork ×4']);
    expect(run.complete).toBe(true);
    expect(run.tune?.ranked.length).toBe(3);
  });

  it('records a configuration that fails to start and sweeps the others', async () => {
    const { run, log } = await sweep({ 'node-prefork ×2': { failsToStart: 'no port' } });
    expect(started(log)).toEqual(['node-prefork ×1', 'node-prefork ×4']);
    expect(run.failures.map((f) => f.deployment)).toEqual(['node-prefork ×2']);
    expect(stopped(log)).toEqual(started(log));
  });

  it('on Ctrl-C stops the configuration it measures, starts no other, and keeps its verdict on what it measured', async () => {
    const { run, log, fake } = await sweep({}, (abort) => ({ 2: { interrupts: abort } }));
    expect(started(log)).toEqual(['node-prefork ×1']);
    expect(stopped(log)).toEqual(['node-prefork ×1']);
    expect(fake.running.size).toBe(0);
    expect(run.complete).toBe(false);
    expect(run.results).toHaveLength(1);
    expect(run.tune?.ranked.map((c) => c.stoppedBy)).toEqual(['interrupted']);
  });
});
