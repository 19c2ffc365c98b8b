import { buildPlan, expandDeployment, resolvePlanApp, type Plan, type PlannedDeployment } from '../plan/build-plan.js';
import type { AppInput, AppUnderTest } from '../app/app.js';
import { UsageError } from '../cli/errors.js';
import type { PlacementMode } from '../process/placement.js';
import type { GeneratorEngine, Slo } from '../results/types.js';
import type { Scenario } from '../scenario/load.js';
import type { DeploymentEntry } from '../scenario/schema.js';
import { clientLadder, GAIN } from './sizes.js';
import { classOf, type Criteria } from './recommend.js';
import { takesThreads, takesWorkers } from '../deployments/kind.js';
import { DEFAULT_THREADS, sweepsThreads } from './pool-axis.js';
import { kindsTakingThreads } from '../deployments/kinds.js';

/** What `bench tune` flags set; undefined means the default. */
export interface TuneOptions {
  kinds?: string[];
  workers?: number[];
  threads?: number[];
  slo?: Slo;
  budgetMb?: number;
  path?: string;
  maxClients?: number;
  duration?: number;
  warmup?: number;
  out?: string;
  force?: boolean;
  quick?: boolean;
  /** --generator and --placement, as on `bench run`. */
  generator?: GeneratorEngine;
  placement?: PlacementMode;
  /** The user's app from --app/--app-dir/--python/--health, replacing the scenario's. */
  app?: AppInput;
}

/** One line on tune.png: a kind (with its proxy and threads) at growing pool sizes, smallest first. */
export interface TuneClass {
  label: string;
  configurations: PlannedDeployment[];
}

export interface TunePlan {
  /** The run's plan: the path, windows, output folder and placement, with every configuration as a deployment. */
  plan: Plan;
  classes: TuneClass[];
  criteria: Criteria;
  /** The clients each configuration steps through, doubling: 1, 2, 4, … */
  ladder: number[];
}

export const DEFAULTS = {
  slo: { percentile: 'p99', maxMs: 200 } as Slo,
  workers: [1, 2, 4, 8, 16],
  maxClients: 256,
  /** Short windows: a sweep measures dozens of points. */
  durationS: 1,
  warmupS: 0.3,
};

/**
 * The scenario's app and path (its first, or --path), the kinds to sweep (the scenario's, or
 * --kinds) and, per kind, every pool size (and thread count, for gthread and uWSGI; the thread
 * count is the pool size of a kind that is one process, waitress). Loading goes
 * through buildPlan as `bench run`'s does, so the same overrides apply.
 */
export function buildTunePlan(scenario: Scenario, options: TuneOptions, now = new Date()): TunePlan {
  const entries = options.kinds
    ? options.kinds.map((kind, i): [DeploymentEntry, string] => [kind, `--kinds item ${i + 1} (${kind})`])
    : scenarioKinds(scenario);
  const ladder = clientLadder(options.maxClients ?? DEFAULTS.maxClients);
  const app = resolvePlanApp(scenario, options);
  const classes = entries.flatMap(([entry, where]) => classesOf(entry, where, options, app, scenario.database));
  if (options.threads && !classes.some((c) => c.configurations.some((d) => takesThreads(d.kind)))) {
    throw new UsageError(`--threads: none of the kinds takes threads (${kindsTakingThreads()} do); add one to --kinds`);
  }
  const labels = classes.flatMap((c) => c.configurations.map((d) => d.label));
  const twice = labels.find((label, i) => labels.indexOf(label) !== i);
  if (twice) throw new UsageError(`${options.kinds ? '--kinds' : 'deployments'}: ${twice} would be measured twice; list each kind once`);
  // A sweep is closed-loop, once per level, with no fault, no slow clients and no timeline of its
  // own choosing; its charts put the load on the x axis, and the scenario's note describes the
  // scenario's own run.
  const { rate: _rate, fault: _fault, timeline: _timeline, repeat: _repeat, notice: _notice, slowClients: _slowClients, ...kept } = scenario;
  const base = buildPlan(
    { ...kept, repeat: 1, xAxis: 'concurrency', deployments: entries.map(([entry]) => entry) },
    {
      // The scenario's first path; a requests: mix stays a mix.
      ...((options.path ?? (scenario.path && [scenario.path].flat()[0])) && { path: options.path ?? [scenario.path!].flat()[0]! }),
      ...(options.app && { app: options.app }),
      concurrency: ladder,
      duration: options.duration ?? (options.quick ? undefined : DEFAULTS.durationS),
      warmup: options.warmup ?? (options.quick ? undefined : DEFAULTS.warmupS),
      ...(options.out !== undefined && { out: options.out }),
      ...(options.force !== undefined && { force: options.force }),
      ...(options.quick !== undefined && { quick: options.quick }),
      ...(options.generator !== undefined && { generator: options.generator }),
      ...(options.placement !== undefined && { placement: options.placement }),
    },
    now,
  );
  return {
    plan: { ...base, deployments: classes.flatMap((c) => c.configurations) },
    classes,
    criteria: { slo: options.slo ?? DEFAULTS.slo, budgetMb: options.budgetMb ?? null, tolerance: GAIN },
    ladder,
  };
}

/** The scenario's deployments, one per kind (and proxy), each keeping its own threads and env (its pool sizes are replaced). */
function scenarioKinds(scenario: Scenario): [DeploymentEntry, string][] {
  const seen = new Map<string, { at: number; settings: string }>();
  return scenario.deployments.flatMap((entry, i): [DeploymentEntry, string][] => {
    const object = typeof entry === 'string' ? { kind: entry } : entry;
    const key = `${object.kind}${object.proxy && object.proxy !== 'none' ? `+${object.proxy}` : ''}`;
    // The pool size is tune's to choose; anything else that differs is a second configuration.
    const settings = JSON.stringify({ ...object, workers: undefined });
    const earlier = seen.get(key);
    if (earlier && earlier.settings !== settings) {
      throw new UsageError(
        `deployments[${i}]: bench tune sweeps one deployment per kind, and deployments[${earlier.at}] is ${key} too, with other settings; ` +
          'copy the scenario and keep the one to tune (or name kinds with --kinds)',
      );
    }
    if (earlier) return [];
    seen.set(key, { at: i, settings });
    return [[entry, `deployments[${i}]`]];
  });
}

function classesOf(entry: DeploymentEntry, where: string, options: TuneOptions, app: AppUnderTest | undefined, database: Scenario['database']): TuneClass[] {
  const [first] = expandDeployment(entry, where, {}, app, database);
  if (!first) return [];
  if (first.kind.launch === 'attach') throw new UsageError(`${where}: bench tune sizes the pools it starts itself; an external server cannot be resized`);
  if (sweepsThreads(first.kind)) {
    const configurations = (options.threads ?? DEFAULT_THREADS).flatMap((threads) => expandDeployment(entry, where, { threads }, app, database));
    const { kind, proxy } = configurations[0]!.spec;
    return [{ label: classOf({ server: kind, proxy }), configurations }];
  }
  const threadCounts = takesThreads(first.kind) && options.threads ? options.threads : [first.spec.threads];
  const sizes = takesWorkers(first.kind) ? (options.workers ?? DEFAULTS.workers) : [first.spec.workers];
  return threadCounts.map((threads) => {
    const configurations = sizes.flatMap((workers) => expandDeployment(entry, where, { workers, ...(threads !== undefined && { threads }) }, app, database));
    const { kind, proxy } = configurations[0]!.spec;
    return { label: classOf({ server: kind, proxy, ...(threads !== undefined && { threads }) }), configurations };
  });
}
