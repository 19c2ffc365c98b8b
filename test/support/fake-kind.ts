import type { DeploymentSpec, ServerKind } from '../../harness/deployments/kind.js';
import { findKind } from '../../harness/deployments/kinds.js';
import type { RunningDeployment } from '../../harness/deployments/launch.js';
import type { PlannedDeployment } from '../../harness/plan/build-plan.js';
import type { DeploymentDriver } from '../../harness/run/deployment-driver.js';

/** What happened to the fake deployments and the fake engine, in order: "start A", "check A", "measure A c=4", "stop A". */
export type RunLog = string[];

/** How one fake deployment behaves. Points count from 1, in the order the run measures them. */
export interface FakeBehaviour {
  /** Starting it fails with this message. */
  failsToStart?: string;
  /** Before this point, the liveness check finds it dead. */
  deadBeforePoint?: number;
  /** After this point's window, its process table shows it exited. */
  exitsDuringPoint?: number;
}

/**
 * A server kind that starts nothing: its deployments exist only in the run log, on loopback
 * ports where nothing listens (the fake engine never connects). What the run loop asks of a
 * deployment (start, is it whole, stop), its driver answers from each deployment's behaviour.
 */
export function fakeKind(log: RunLog, behaviours: Record<string, FakeBehaviour> = {}) {
  const base = findKind('node-async')!;
  const kind: ServerKind = {
    ...base,
    name: 'fake',
    summary: 'a kind for tests: starts nothing',
    requires: [],
    plan: () => Promise.reject(new Error('the fake kind is started by its driver, never spawned')),
  };
  /** Each deployment's port says to the fake engine which one a point's load is for. */
  const labelOfPort = new Map<number, string>();
  const pointsMeasured = new Map<string, number>();
  const running = new Set<string>();

  const driver: DeploymentDriver = {
    async start(_plan, planned) {
      const label = planned.label;
      log.push(`start ${label}`);
      const failure = behaviours[label]?.failsToStart;
      if (failure) throw new Error(`${label} did not start: ${failure}`);
      const port = 40_000 + labelOfPort.size;
      labelOfPort.set(port, label);
      running.add(label);
      log.push(`ready ${label}`);
      const deployment: RunningDeployment = {
        baseUrl: `http://127.0.0.1:${port}`,
        token: undefined,
        healthPath: '/health',
        processes: [],
        restarts: [],
        stop: async () => {
          log.push(`stop ${label}`);
          running.delete(label);
        },
      };
      return deployment;
    },
    async deathOf(deployment) {
      const label = labelOf(deployment.baseUrl);
      log.push(`check ${label}`);
      const next = (pointsMeasured.get(label) ?? 0) + 1;
      return behaviours[label]?.deadBeforePoint === next ? 'its server exited with code 1' : undefined;
    },
    exited(deployment) {
      const label = labelOf(deployment.baseUrl);
      return behaviours[label]?.exitsDuringPoint === pointsMeasured.get(label) ? 'its server was killed by SIGKILL' : undefined;
    },
  };

  function labelOf(url: string): string {
    const label = labelOfPort.get(Number(new URL(url).port));
    if (!label) throw new Error(`no fake deployment at ${url}`);
    return label;
  }

  return {
    kind,
    driver,
    /** A planned deployment of the fake kind, named `label`. */
    planned(label: string): PlannedDeployment {
      const spec: DeploymentSpec = { kind: 'fake', workers: 1, proxy: 'none', label };
      return { spec, kind, label };
    },
    /** Which deployment a point's URL goes to; the fake engine counts its points here. */
    labelOf,
    pointMeasured(label: string): void {
      pointsMeasured.set(label, (pointsMeasured.get(label) ?? 0) + 1);
    },
    /** Deployments started and not stopped: empty once a run has torn down. */
    running,
  };
}

export type FakeKind = ReturnType<typeof fakeKind>;
