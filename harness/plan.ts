import { resolve } from 'node:path';
import type { DeploymentSpec, ServerKind } from './deployments/kind.js';
import { deploymentLabel } from './deployments/kind.js';
import { findKind, serverKinds } from './deployments/kinds.js';
import { UsageError } from './errors.js';
import type { XAxis } from './results.js';
import type { Scenario } from './scenario/load.js';
import type { DeploymentEntry } from './scenario/schema.js';
import { closest } from './suggest.js';

/** What `bench run` flags may override; undefined means "as the scenario says". */
export interface RunOverrides {
  out?: string;
  duration?: number;
  warmup?: number;
  concurrency?: number[];
  workers?: number;
  path?: string;
  deployments?: string[];
  quick?: boolean;
}

export interface PlannedDeployment {
  spec: DeploymentSpec;
  kind: ServerKind;
  label: string;
}

/** Everything a run needs, resolved and validated: nothing is started before this exists. */
export interface Plan {
  scenario: Scenario;
  outDir: string;
  durationS: number;
  warmupS: number;
  timeoutS: number;
  xAxis: XAxis;
  paths: string[];
  concurrency: number[];
  deployments: PlannedDeployment[];
}

/** --quick: short windows and every other load level (keeping the highest), for a first look. */
const QUICK = { durationS: 1, warmupS: 0.25 };

export function buildPlan(scenario: Scenario, overrides: RunOverrides, now = new Date()): Plan {
  const entries: DeploymentEntry[] = overrides.deployments ?? scenario.deployments;
  const deployments = entries.flatMap((entry, i) =>
    expandDeployment(entry, overrides.deployments ? `--deployments item ${i + 1}` : `deployments[${i}]`, overrides),
  );
  let concurrency = [...(overrides.concurrency ?? scenario.concurrency)];
  if (overrides.quick && !overrides.concurrency) concurrency = everyOtherKeepingLast(concurrency);
  return {
    scenario,
    outDir: resolve(overrides.out ?? defaultOutDir(scenario.name, now)),
    durationS: overrides.duration ?? (overrides.quick ? QUICK.durationS : scenario.duration),
    warmupS: overrides.warmup ?? (overrides.quick ? QUICK.warmupS : scenario.warmup),
    timeoutS: scenario.timeout,
    xAxis: scenario.xAxis,
    paths: overrides.path ? [overrides.path] : typeof scenario.path === 'string' ? [scenario.path] : scenario.path,
    concurrency,
    deployments,
  };
}

function expandDeployment(entry: DeploymentEntry, where: string, overrides: RunOverrides): PlannedDeployment[] {
  const object = typeof entry === 'string' ? { kind: entry } : entry;
  const [kindName = '', suffix] = object.kind.split('+');
  const kind = findKind(kindName);
  if (!kind) {
    const guess = closest(kindName, serverKinds.map((k) => k.name));
    throw new UsageError(
      `${where}: unknown deployment kind "${kindName}"` +
        (guess ? `; did you mean "${guess}"?` : `; known kinds: ${serverKinds.map((k) => k.name).join(', ')}`),
    );
  }
  const proxy = suffix === 'nginx' ? 'nginx' : (object.proxy ?? 'none');
  if (proxy === 'nginx') throw new UsageError(`${where}: "${object.kind}": nginx in front is not available yet`);
  const sizes = kind.takesWorkers
    ? overrides.workers !== undefined
      ? [overrides.workers]
      : [object.workers ?? kind.defaultWorkers].flat()
    : [1];
  return sizes.map((workers) => {
    const spec: DeploymentSpec = { kind: kind.name, workers, proxy };
    if (kind.takesThreads) spec.threads = object.threads ?? kind.defaultThreads;
    return { spec, kind, label: deploymentLabel(spec, kind) };
  });
}

function everyOtherKeepingLast(levels: number[]): number[] {
  const kept = levels.filter((_, i) => i % 2 === 0);
  const last = levels[levels.length - 1]!;
  if (kept[kept.length - 1] !== last) kept.push(last);
  return kept;
}

function defaultOutDir(scenario: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  return `results/${scenario}-${stamp}`;
}
