import { describe, expect, it } from 'vitest';
import { sleep } from '../harness/process/group.js';
import { ResourceSampler, type ResourceUse } from '../harness/process/sampler.js';
import { withDeployment } from './support/deployments.js';

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

});
