import { describe, expect, it } from 'vitest';
import { findKind } from '../harness/deployments/kinds.js';
import type { PlannedDeployment } from '../harness/plan/build-plan.js';
import type { MeasuredOn, Placement, TunedConfiguration, TuneSummary } from '../harness/results/types.js';
import { cpuBoundBy, describeMeasuredOn, measuredWithParagraph, moreCoresAdvice } from '../harness/tune/measured-on.js';
import { tuneSummary } from '../harness/tune/summary.js';
import { formatTuneTable } from '../reports/tune/tune-table.js';
import { row, run } from './support/results.js';

const SEPARATE_1_OF_2: Placement = { mode: 'separate', serverCpus: '0', generatorCpus: '1', serverCores: 1 };
const SEPARATE_3_OF_4: Placement = { mode: 'separate', serverCpus: '0,1,2', generatorCpus: '3', serverCores: 3 };
const SHARED_2: Placement = { mode: 'shared', serverCpus: null, generatorCpus: null, serverCores: 2 };
const on = (placement: Placement, generator: MeasuredOn['generator'] = 'builtin', machineCpus = 2): MeasuredOn => ({ placement, generator, machineCpus });

function configuration(deployment: string, fields: Partial<TunedConfiguration>): TunedConfiguration {
  const [server, size] = deployment.split(' ×');
  const workers = Number(size ?? 1);
  return {
    deployment,
    server: server!,
    workers,
    proxy: 'none',
    size: workers,
    throughputAtSloRps: 100,
    atLoad: 4,
    latencyMs: 40,
    peakPssMb: 40,
    peakRssMb: 90,
    withinBudget: true,
    stoppedBy: 'flat',
    knee: true,
    cpuPercent: 20,
    appProcesses: workers,
    ...fields,
  };
}

function summary(ranked: TunedConfiguration[], measuredOn: MeasuredOn, recommended = ranked[0]!.deployment): TuneSummary {
  return { slo: { percentile: 'p99', maxMs: 200 }, budgetMb: null, tolerance: 0.05, bestRps: 100, recommended, reason: `${recommended}: the best`, notes: [], ranked, measuredOn };
}

describe("what a tune verdict says about the machine it measured on", () => {
  it("names the server's one core and the generator's under the default placement on two cores", () => {
    expect(describeMeasuredOn(on(SEPARATE_1_OF_2))).toBe(
      "the server on 1 core (cpu 0) of this machine's 2, placement separate, generator builtin on cpu 1: the figures hold for a server with 1 core",
    );
  });

  it("names every core the server had when it had more than one", () => {
    expect(describeMeasuredOn(on(SEPARATE_3_OF_4, 'wrk', 4))).toBe(
      "the server on 3 cores (cpus 0,1,2) of this machine's 4, placement separate, generator wrk on cpu 3: the figures hold for a server with 3 cores",
    );
  });

  it('says that a shared placement gave the generator part of the same cores', () => {
    expect(describeMeasuredOn(on(SHARED_2, 'wrk'))).toBe(
      'the server on all 2 cores of this machine, placement shared, generator wrk on the same cores: the figures hold for a server with 2 cores, less what the generator took',
    );
    // A container or taskset may let bench use fewer CPUs than the machine has.
    expect(describeMeasuredOn(on(SHARED_2, 'builtin', 8))).toMatch(/^the server on 2 cores of this machine's 8, placement shared/);
    expect(describeMeasuredOn(on({ ...SHARED_2, serverCores: 1 }, 'builtin', 1))).toMatch(/^the server on this machine's only core, placement shared, .*: the figures hold for a server with 1 core, less/);
  });

  it('names the other machine with --server-host', () => {
    const remote: MeasuredOn = { placement: { mode: 'separate', serverCpus: null, generatorCpus: null, serverCores: 4 }, generator: 'builtin', machineCpus: 4, serverHost: 'bench@db1' };
    expect(describeMeasuredOn(remote)).toBe('the server on 4 cores of bench@db1, generator builtin on this machine: the figures hold for a server with 4 cores');
  });
});

describe('a CPU-bound configuration', () => {
  const io = (cpuPercent: number, generatorCpu = 10) =>
    row({ deployment: 'gunicorn-sync ×1', concurrency: 4, throughputRps: 90, resources: { cpuPercent, peakRssMb: 50, peakPssMb: 30, processes: 2 }, generator: { ...row({ deployment: 'x', concurrency: 1, throughputRps: 1 }).generator, cpuPercent: generatorCpu } });

  it("is the model's when the path computes, whatever the CPU it used", () => {
    const cpu = row({ deployment: 'node-prefork ×2', concurrency: 4, throughputRps: 90, path: '/cpu?ms=10', model: { capacity: 1, bound: '1 process, one core each (CPU-bound)', serviceMs: 10 } });
    expect(cpuBoundBy(cpu, 2, SEPARATE_1_OF_2)).toBe('model');
  });

  it('is busy when its processes used at least 90% of the cores they could use, and not otherwise', () => {
    expect(cpuBoundBy(io(95), 1, SEPARATE_1_OF_2)).toBe('busy');
    expect(cpuBoundBy(io(80), 1, SEPARATE_1_OF_2)).toBeUndefined();
    // One process uses one core at most, however many the server has.
    expect(cpuBoundBy(io(95), 1, SEPARATE_3_OF_4)).toBe('busy');
    expect(cpuBoundBy(io(150), 4, SEPARATE_3_OF_4)).toBeUndefined();
    expect(cpuBoundBy(io(280), 4, SEPARATE_3_OF_4)).toBe('busy');
  });

  it('counts the generator on shared cores, and nothing for a server bench could not sample', () => {
    expect(cpuBoundBy(io(130, 30), 4, SHARED_2)).toBeUndefined();
    expect(cpuBoundBy(io(130, 60), 4, SHARED_2)).toBe('busy');
    const unsampled = { ...io(0), resources: { cpuPercent: 0, peakRssMb: 0, peakPssMb: null, processes: 0 } };
    expect(cpuBoundBy(unsampled, 1, SEPARATE_1_OF_2)).toBeUndefined();
  });
});

describe('what more cores change', () => {
  it('scales a CPU-bound recommendation on one core by the cores, given as many workers', () => {
    const tune = summary([configuration('gunicorn-sync ×1', { throughputAtSloRps: 95, cpuPercent: 97, cpuBound: 'busy' })], on(SEPARATE_1_OF_2));
    expect(moreCoresAdvice(tune)).toBe(
      "CPU-bound: gunicorn-sync ×1 served 95.0 req/s on the server's 1 core (97% CPU): the core was busy; " +
        'on a server with N cores expect up to N × 95.0 req/s with at least N workers (each worker process runs on one core at most); rerun bench tune there',
    );
  });

  it('divides by the cores the processes could use: min(processes, cores)', () => {
    const twoOfThree = summary([configuration('gunicorn-sync ×2', { throughputAtSloRps: 190, cpuPercent: 196, cpuBound: 'busy' })], on(SEPARATE_3_OF_4, 'builtin', 4));
    expect(moreCoresAdvice(twoOfThree)).toMatch(/served 190\.0 req\/s on 2 cores \(196% CPU\): the cores were busy; on a server with N cores expect up to N × 95\.0 req\/s/);
    const eightOnTwo = summary([configuration('node-prefork ×8', { throughputAtSloRps: 180, cpuPercent: 150, cpuBound: 'model' })], on(SHARED_2));
    expect(moreCoresAdvice(eightOnTwo)).toMatch(
      /^CPU-bound: node-prefork ×8 served 180\.0 req\/s on the server's 2 cores \(150% CPU\), and the model bounds it by its processes or the cores, whichever are fewer; .* N × 90\.0 req\/s/,
    );
  });

  it('says that one process gains nothing from more cores', () => {
    const tune = summary([configuration('node-async', { workers: 1, appProcesses: 1, cpuPercent: 99, cpuBound: 'busy' })], on(SEPARATE_3_OF_4, 'builtin', 4));
    expect(moreCoresAdvice(tune)).toMatch(/node-async runs the app in one process, on one core at most: a server with more cores serves no more with it$/);
  });

  it('says nothing when no configuration was CPU-bound, and speaks of a ranked one when the recommendation was not', () => {
    const waiting = configuration('gunicorn-gthread ×2', { threads: 4, size: 8 });
    expect(moreCoresAdvice(summary([waiting], on(SEPARATE_1_OF_2)))).toBeNull();
    const computing = configuration('gunicorn-sync ×2', { throughputAtSloRps: 98, cpuPercent: 99, cpuBound: 'busy' });
    expect(moreCoresAdvice(summary([computing, waiting], on(SEPARATE_1_OF_2), waiting.deployment))).toMatch(/^CPU-bound: gunicorn-sync ×2 served 98\.0/);
    expect(moreCoresAdvice(summary([computing, waiting], on(SEPARATE_1_OF_2)), waiting.deployment)).toBeNull();
    // Files written before tune recorded its machine get no advice rather than a guess.
    expect(moreCoresAdvice({ ...summary([computing], on(SEPARATE_1_OF_2)), measuredOn: undefined })).toBeNull();
  });
});

describe('the verdict as printed and exported', () => {
  const planned = (workers: number): PlannedDeployment => ({
    kind: findKind('gunicorn-sync')!,
    spec: { kind: 'gunicorn-sync', workers, proxy: 'none' },
    label: `gunicorn-sync ×${workers}`,
  });
  // /cpu?ms=10 on one core: Little's law with K = min(W, 1 core) gives 100 req/s at any pool size.
  const rows = [1, 2].map((workers) =>
    row({
      deployment: `gunicorn-sync ×${workers}`,
      server: 'gunicorn-sync',
      workers,
      concurrency: 2,
      throughputRps: 96,
      p99: 30,
      path: '/cpu?ms=10',
      model: { capacity: 1, bound: '1 process, one core each (CPU-bound)', serviceMs: 10 },
      resources: { cpuPercent: 98, peakRssMb: 50, peakPssMb: 20 * workers, processes: workers + 1 },
    }),
  );
  const tried = [1, 2].map((workers) => ({ planned: planned(workers), stoppedBy: 'flat' as const }));
  const criteria = { slo: { percentile: 'p99' as const, maxMs: 100 }, budgetMb: null, tolerance: 0.05 };

  it('records the machine in the summary and prints it, with what more cores change, under the recommendation', () => {
    const tune = tuneSummary(tried, rows, criteria, [], on(SEPARATE_1_OF_2));
    expect(tune.measuredOn).toEqual(on(SEPARATE_1_OF_2));
    expect(tune.ranked.map((c) => [c.deployment, c.appProcesses, c.cpuPercent, c.cpuBound])).toEqual([
      ['gunicorn-sync ×1', 1, 98, 'model'],
      ['gunicorn-sync ×2', 2, 98, 'model'],
    ]);
    const lines = formatTuneTable(tune).split('\n');
    const at = lines.findIndex((line) => line.startsWith('recommended: gunicorn-sync ×1'));
    expect(lines[at + 1]).toBe(`measured with ${describeMeasuredOn(on(SEPARATE_1_OF_2))}`);
    expect(lines[at + 2]).toMatch(/^CPU-bound: gunicorn-sync ×1 served 96\.0 req\/s on the server's 1 core \(98% CPU\).* N × 96\.0 req\/s with at least N workers/);
  });

  it("states the cores in an exported README, and what more cores change for the exported row of a tune run", () => {
    const tuned = { ...run(rows, { settings: { placement: SEPARATE_1_OF_2 } }), tune: tuneSummary(tried, rows, criteria, [], on(SEPARATE_1_OF_2)) };
    const [paragraph] = measuredWithParagraph(tuned, 'gunicorn-sync ×2');
    expect(paragraph).toMatch(/^Measured with the server on 1 core \(cpu 0\) of this machine's 2, placement separate, generator builtin on cpu 1: the figures hold for a server with 1 core\. CPU-bound: gunicorn-sync ×2 served 96\.0/);
    const [plain] = measuredWithParagraph(run(rows, { settings: { placement: SHARED_2, generator: 'wrk' } }), 'gunicorn-sync ×1');
    expect(plain).toBe(`Measured with ${describeMeasuredOn(on(SHARED_2, 'wrk'))}.`);
  });
});
