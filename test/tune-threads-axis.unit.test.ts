import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findKind } from '../harness/deployments/kinds.js';
import { parseScenario } from '../harness/scenario/load.js';
import { poolAxisTitle, poolAxisValue } from '../harness/tune/pool-axis.js';
import { classOf } from '../harness/tune/recommend.js';
import { buildTunePlan } from '../harness/tune/tune-plan.js';

const out = mkdtempSync(join(tmpdir(), 'bench-tune-threads-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const plan = (deployments: string, threads?: number[]) =>
  buildTunePlan(parseScenario(`path: /io?ms=50\nduration: 1\nconcurrency: [1]\ndeployments: ${deployments}\n`, 'tune.yaml'), { workers: [1, 2], maxClients: 4, out, ...(threads && { threads }) });

describe("bench tune's axis for a one-process thread pool", () => {
  it('sweeps waitress over its threads as one line, without --threads, and over the ones --threads names', () => {
    expect(findKind('waitress')).toBeDefined();
    const swept = plan('[waitress]');
    expect(swept.classes.map((c) => [c.label, c.configurations.map((d) => d.spec.threads)])).toEqual([['waitress', [1, 2, 4, 8, 16, 32]]]);
    expect(plan('[waitress]', [4, 8]).classes.map((c) => [c.label, c.configurations.map((d) => d.spec.threads)])).toEqual([['waitress', [4, 8]]]);
  });

  it('keeps workers as the axis of a kind with workers, a line per thread count, gthread at one worker included', () => {
    const swept = plan('[gunicorn-gthread]', [2, 4]);
    expect(swept.classes.map((c) => [c.label, c.configurations.map((d) => d.spec.workers)])).toEqual([
      ['gunicorn-gthread (2 threads)', [1, 2]],
      ['gunicorn-gthread (4 threads)', [1, 2]],
    ]);
  });

  it('places each configuration on the chart by threads for waitress and by workers otherwise, and names the axis for what it draws', () => {
    const waitress = { server: 'waitress', workers: 1, threads: 8, proxy: 'none' as const };
    const gthread = { server: 'gunicorn-gthread', workers: 4, threads: 2, proxy: 'none' as const };
    expect([poolAxisValue(waitress), poolAxisValue(gthread)]).toEqual([8, 4]);
    expect([classOf(waitress), classOf(gthread)]).toEqual(['waitress', 'gunicorn-gthread (2 threads)']);
    expect(poolAxisTitle([waitress])).toBe('threads');
    expect(poolAxisTitle([gthread])).toBe('workers');
    expect(poolAxisTitle([waitress, gthread])).toBe('workers, or threads for a one-process thread pool');
  });
});
