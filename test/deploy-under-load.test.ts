import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { buildPlan } from '../harness/plan/build-plan.js';
import type { RunResults } from '../harness/results/types.js';
import { serverDriver, type DeploymentDriver } from '../harness/run/deployment-driver.js';
import { Progress } from '../harness/run/progress.js';
import { runPlan } from '../harness/run/run-plan.js';
import { writeReports } from '../reports/index.js';
import { parseScenario } from '../harness/scenario/load.js';
import { flask, gunicorn } from '../harness/software/catalog.js';
import { hupReloader } from './support/signal-manager.js';
import { describeWith } from './support/software.js';

const describePython = await describeWith([flask, gunicorn]);

class QuietProgress extends Progress {
  readonly lines: string[] = [];
  override say(text: string): void {
    this.lines.push(text);
  }
  override live(): void {}
  override clearLive(): void {}
}

/**
 * The measuring side of a deploy under load on a real gunicorn and bench's own engine, with the
 * reload carried out by the test (test/support/signal-manager.ts) rather than a manager: the app's
 * version header, the answers the engine keeps, the outcome in the row and the report.
 */
describePython('a graceful reload of gunicorn under load, measured', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-deploy-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('loses no request, and every answer after the new workers started comes from version 2', async () => {
    const scenario = parseScenario(
      'path: /io?ms=50\nduration: 3\nwarmup: 0.5\nconcurrency: [8]\n' +
        'deployments:\n  - { kind: gunicorn-sync, workers: 2, manager: supervisord, fault: { deploy: reload, at: 0.3 } }\n',
      '/x/deploy.yaml',
    );
    const plan = buildPlan(scenario, { out: outDir });
    // The plan wants a manager for a deploy; here the test is the one that signals gunicorn.
    for (const { spec } of plan.deployments) delete spec.manager;
    const driver: DeploymentDriver = {
      ...serverDriver,
      start: async (...args) => {
        const deployment = await serverDriver.start(...args);
        deployment.managed = hupReloader(deployment);
        return deployment;
      },
    };
    const run = await runPlan(plan, { progress: new QuietProgress(true), signal: new AbortController().signal, deployments: driver });
    expect(run.failures).toEqual([]);
    const row = (JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as RunResults).results[0]!;
    const deploy = row.deploy!;
    expect(deploy.action).toBe('reload');
    // Exact: gunicorn's HUP starts new workers before the old ones finish what they hold.
    expect(deploy.failed).toBe(0);
    expect(row.errors + row.non2xx).toBe(0);
    // 0.3 of 3 s, less the moment the engine's process takes to open its window after the estimate.
    expect(deploy.atS).toBeGreaterThan(0.5);
    expect(deploy.atS).toBeLessThan(1.5);
    // Both versions answered, v1 until about the reload, v2 from it to the window's end.
    expect(deploy.versions.map((v) => v.version)).toEqual(['1', '2']);
    const [v1, v2] = deploy.versions;
    expect(v1!.responses + v2!.responses).toBe(row.requests);
    expect(v2!.firstS).toBeGreaterThanOrEqual(deploy.atS);
    expect(v1!.lastS).toBeLessThanOrEqual(deploy.atS + deploy.tookS + 0.2);
    expect(v2!.lastS).toBeGreaterThan(2.5);
    // Two workers each answering in 50 ms: no pause as long as a fresh worker's start (its imports, ~0.5 s here) shows.
    expect(deploy.longestGapS).toBeLessThan(0.5);
    expect(deploy.p99BeforeMs).not.toBeNull();
    expect(deploy.p99DuringMs).not.toBeNull();
    expect(deploy.managerSaid).toMatch(/^arbiter \d+, workers \d+ \d+$/);
    expect(row.events!.map((e) => e.what)).toEqual(expect.arrayContaining(['last answer from version 1', 'first answer from version 2']));
    await writeReports(run, outDir);
    const report = readFileSync(join(outDir, 'report.md'), 'utf8');
    expect(report).toContain('### Deploys under load');
    expect(report).toMatch(new RegExp(`\\| reload \\| .* \\| 0 \\| .* \\| v1 ${v1!.responses} → v2 ${v2!.responses} \\|`));
  });
});
