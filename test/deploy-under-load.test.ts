import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { buildPlan } from '../harness/plan/build-plan.js';
import type { ResultRow, RunResults } from '../harness/results/types.js';
import { Progress } from '../harness/run/progress.js';
import { runPlan } from '../harness/run/run-plan.js';
import { parseScenario } from '../harness/scenario/load.js';
import { flask, gunicorn, packagedProgram, pm2 } from '../harness/software/catalog.js';
import { writeReports } from '../reports/index.js';
import { describeWith } from './support/software.js';

const describeSupervised = await describeWith([flask, gunicorn, packagedProgram('supervisord', 'supervisor')]);

class QuietProgress extends Progress {
  override say(): void {}
  override live(): void {}
  override clearLive(): void {}
}

/**
 * Deploys under load on a real supervisord and gunicorn, measured by bench's own engine:
 * `supervisorctl signal HUP` (gunicorn's graceful reload) against `supervisorctl restart`, one
 * deployment of each measured in turn, at 32 req/s offered to two sync workers on 50 ms requests
 * (40 req/s at most: 80% busy, so that every worker holds requests when the deploy comes).
 */
describeSupervised('deploys of gunicorn under a real supervisord', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-deploy-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('a HUP reload loses no request and switches from v1 to v2; a restart loses requests and leaves a gap no longer than it took', async () => {
    const scenario = parseScenario(
      'path: /io?ms=50\nduration: 3\nwarmup: 0.5\nrate: [32]\ndeployments:\n' +
        '  - { kind: gunicorn-sync, label: reload, workers: 2, manager: supervisord, fault: { deploy: reload, at: 0.3 } }\n' +
        '  - { kind: gunicorn-sync, label: restart, workers: 2, manager: supervisord, fault: { deploy: restart, at: 0.3 } }\n',
      '/x/deploy.yaml',
    );
    const run = await runPlan(buildPlan(scenario, { out: outDir }), { progress: new QuietProgress(true), signal: new AbortController().signal });
    expect(run.failures).toEqual([]);
    const rows = (JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as RunResults).results;
    const rowOf = (label: string) => rows.find((r) => r.deployment.startsWith(label)) as ResultRow & { deploy: NonNullable<ResultRow['deploy']> };
    const reload = rowOf('reload');
    const restart = rowOf('restart');

    // gunicorn promises it: the new workers share the listening socket before the old ones go.
    expect(reload.deploy.failed).toBe(0);
    expect(reload.errors + reload.non2xx).toBe(0);
    // 0.3 of 3 s, less the moment the engine's process takes to open its window after bench's estimate of it.
    expect(reload.deploy.atS).toBeGreaterThan(0.5);
    expect(reload.deploy.atS).toBeLessThan(1.5);
    expect(reload.deploy.versions.map((v) => v.version)).toEqual(['1', '2']);
    const [v1, v2] = reload.deploy.versions;
    // Every answer carried a version, and v2 came only from processes started after the deploy began.
    expect(v1!.responses + v2!.responses).toBe(reload.requests);
    expect(v2!.firstS).toBeGreaterThanOrEqual(reload.deploy.atS);
    expect(v2!.lastS).toBeGreaterThan(2.5);
    expect(reload.deploy.managerSaid).toMatch(/^gunicorn-sync\s+RUNNING\s+pid \d+/);
    expect(reload.events!.map((e) => e.what)).toEqual(expect.arrayContaining(['last answer from version 1', 'first answer from version 2']));

    // A restart stops both workers before new ones start: the requests sent meanwhile are refused.
    expect(restart.deploy.failed).toBeGreaterThan(0);
    expect(restart.deploy.failed).toBe(restart.errors + restart.non2xx);
    // No answer for a while, and never longer than the restart took by supervisorctl's account (its
    // startsecs=1 wait included), with room for the queue it left.
    expect(restart.deploy.longestGapS).toBeGreaterThan(0.1);
    expect(restart.deploy.longestGapS).toBeLessThan(restart.deploy.tookS + 0.5);
    const [old, renewed] = restart.deploy.versions;
    expect(restart.deploy.versions.map((v) => v.version)).toEqual(['1', '2']);
    // The gap is the switch: from the last answer of the old processes to the first of the new.
    expect(restart.deploy.longestGapS).toBeGreaterThanOrEqual(renewed!.firstS - old!.lastS - 0.01);
    expect(restart.deploy.managerSaid).toMatch(/RUNNING/);

    await writeReports(run, outDir);
    const report = readFileSync(join(outDir, 'report.md'), 'utf8');
    expect(report).toContain('### Deploys under load');
    expect(report).toMatch(new RegExp(`\\| reload \\| .* \\| 0 \\| .* \\| v1 ${v1!.responses} → v2 ${v2!.responses} \\|`));
  });
});

const describePm2 = await describeWith([pm2]);

describePm2('a deploy of pm2 cluster mode under load', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-deploy-pm2-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('pm2 reload replaces the instances one at a time and loses no request, switching from v1 to v2', async () => {
    const scenario = parseScenario(
      'path: /io?ms=50\nduration: 3\nwarmup: 0.5\nrate: [32]\n' +
        'deployments:\n  - { kind: pm2-cluster, workers: 2, fault: { deploy: reload, at: 0.3 } }\n',
      '/x/deploy.yaml',
    );
    const run = await runPlan(buildPlan(scenario, { out: outDir }), { progress: new QuietProgress(true), signal: new AbortController().signal });
    expect(run.failures).toEqual([]);
    const row = (JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as RunResults).results[0]!;
    // pm2's promise for cluster mode: a new instance is online before the old one is stopped.
    expect(row.deploy!.failed).toBe(0);
    expect(row.deploy!.versions.map((v) => v.version)).toEqual(['1', '2']);
    expect(row.deploy!.versions[1]!.firstS).toBeGreaterThanOrEqual(row.deploy!.atS);
  });
});
