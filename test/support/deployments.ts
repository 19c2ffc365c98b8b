import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { defaultWorkers, deploymentLabel, type DeploymentSpec } from '../../harness/deployments/kind.js';
import { findKind } from '../../harness/deployments/kinds.js';
import { launch, type RunningDeployment } from '../../harness/deployments/launch.js';
import { measurePoint, type PointMeasurement } from '../../harness/load/measure.js';
import { groupMembers } from '../../harness/process/procfs.js';

/**
 * Starts a real deployment on loopback, runs `body` against it, and always tears it down. Its private
 * temp folder (the run's tmpDir) is made under os.tmpdir() with a name starting with `tmpPrefix`.
 */
export async function withDeployment<T>(
  spec: Partial<DeploymentSpec> & { kind: string },
  body: (d: RunningDeployment, tmpDir: string) => Promise<T>,
  tmpPrefix = 'bench-test-',
): Promise<T> {
  const kind = findKind(spec.kind);
  if (!kind) throw new Error(`no kind ${spec.kind}`);
  const full: DeploymentSpec = { workers: defaultWorkers(kind), proxy: 'none', ...spec };
  const tmpDir = mkdtempSync(join(tmpdir(), tmpPrefix));
  try {
    const deployment = await launch(full, kind, deploymentLabel(full, kind), { tmpDir, readyTimeoutMs: 20_000 });
    try {
      return await body(deployment, tmpDir);
    } finally {
      await deployment.stop();
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** A short closed-loop point: enough requests for a few-percent count, short enough for CI. */
export function measure(d: RunningDeployment, path: string, concurrency: number, durationS = 2): Promise<PointMeasurement> {
  return measurePoint({ url: d.baseUrl + path, concurrency, warmupS: 0.5, durationS, timeoutS: 30 });
}

/** Little's law: K requests in flight at once, each taking `ms`, serve K·1000/ms per second. */
export function expectLittle(measured: PointMeasurement, inFlight: number, ms: number, tolerance = 0.1): void {
  const predicted = (inFlight * 1000) / ms;
  const ratio = measured.throughputRps / predicted;
  expect(measured.errors, 'errors').toBe(0);
  expect(ratio, `${measured.throughputRps} req/s against a predicted ${predicted}`).toBeGreaterThan(1 - tolerance);
  expect(ratio, `${measured.throughputRps} req/s against a predicted ${predicted}`).toBeLessThan(1 + tolerance);
}

/** True while any living process of the group led by `pid` exists. */
export function groupAlive(pid: number): boolean {
  return groupMembers(pid).length > 0;
}
