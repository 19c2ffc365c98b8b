import { describe, expect, it } from 'vitest';
import { toRow } from '../harness/results/aggregate.js';
import { findKind } from '../harness/deployments/kinds.js';
import type { PlannedDeployment } from '../harness/plan/build-plan.js';
import { sleep } from '../harness/process/group.js';
import { ResourceSampler, type ResourceUse } from '../harness/process/sampler.js';
import { withDeployment } from './support/deployments.js';
import { sample, SHARED } from './support/samples.js';

/** What the sampler sees of an idle deployment over a little more than one PSS interval. */
async function idleUse(kind: string, workers?: number): Promise<ResourceUse> {
  return withDeployment({ kind, ...(workers !== undefined && { workers }) }, async (d) => {
    const sampler = new ResourceSampler(() => d.processes.map((p) => p.pid));
    await sleep(1200);
    return sampler.stop();
  });
}

describe('memory a deployment really costs (PSS)', () => {
  it('a pre-fork pool costs far less than its summed RSS: the workers share most of their pages', async () => {
    const use = await idleUse('node-prefork', 4);
    const figures = `summed RSS ${use.peakRssMb} MB, PSS ${use.peakPssMb} MB`; // here: 230 and 56 to 79
    expect(use.processes).toBe(5);
    expect(use.peakPssMb, figures).toBeGreaterThan(0);
    expect(use.peakPssMb!, figures).toBeLessThan(0.7 * use.peakRssMb);
  });

  it('a single process costs at most its RSS', async () => {
    const use = await idleUse('node-async');
    const figures = `RSS ${use.peakRssMb} MB, PSS ${use.peakPssMb} MB`;
    expect(use.peakPssMb, figures).toBeGreaterThan(0);
    expect(use.peakPssMb!, figures).toBeLessThanOrEqual(use.peakRssMb);
  });

  it('a process group that holds no process (a server started outside bench) is reported as nothing sampled, not 0 MB', () => {
    // A pid no process has: groups are looked up among the living processes.
    expect(new ResourceSampler(() => [2 ** 22 + 1]).stop()).toEqual({ cpuPercent: 0, peakRssMb: 0, peakPssMb: null, processes: 0 });
  });

  it('a row reports the worst PSS of its repeats, and null only when no repeat could read it', () => {
    const kind = findKind('node-prefork')!;
    const planned = { kind, spec: { kind: kind.name, workers: 4, proxy: 'none' }, label: 'node-prefork ×4' } as PlannedDeployment;
    const row = (...pss: (number | null)[]) =>
      toRow({ planned, path: '/io?ms=50', level: { concurrency: 4 }, placement: SHARED, samples: pss.map((peakPssMb) => sample(80, [50], { resources: { cpuPercent: 10, peakRssMb: 230, peakPssMb, processes: 5 } })) }).resources.peakPssMb;
    expect(row(79, null, 83)).toBe(83);
    expect(row(null, null)).toBeNull();
  });
});
