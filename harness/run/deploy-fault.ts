import { readFileSync } from 'node:fs';
import { announceVersion } from '../deployments/app-version.js';
import type { RunningDeployment } from '../deployments/launch.js';
import type { AnswerLog } from '../load/engine.js';
import { LatencyHistogram } from '../load/histogram.js';
import type { ManagerStep } from '../managers/managed-program.js';
import { sleep } from '../process/group.js';
import type { DeployAction, DeployOutcome, PointEvent, VersionServed } from '../results/types.js';
import { waitingAfter } from './waiting.js';

/**
 * p99 "during" a deploy covers the requests in flight at some moment from its start until the
 * manager said it was done, and over at least this long: a signal such as HUP returns at once
 * while the new workers are still starting.
 */
export const MIN_DURING_S = 1;

/** A deploy as bench carried it out: when it began and ended (ms since the epoch, as the engine's window is placed), what the manager did. */
export interface DeployRun {
  action: DeployAction;
  version: string;
  startedAtEpochMs: number;
  doneAtEpochMs: number;
  /** The manager's steps, their times in ms since the epoch. */
  steps: { atEpochMs: number; what: string }[];
  /** The manager's own account once it was done (a `supervisorctl status` line, pm2's). */
  managerSaid?: string;
}

/**
 * deploy-under-load: `atMs` into the window, writes the app's next version and has the
 * deployment's manager carry out `action` (restart, reload, update), as the clients keep sending.
 * Resolves when the manager says it is done, with what it did; undefined when interrupted first.
 */
export async function injectDeploy(
  deployment: RunningDeployment,
  action: DeployAction,
  windowOpensAt: number,
  atMs: number,
  signal?: AbortSignal,
): Promise<DeployRun | undefined> {
  await sleep(Math.max(0, windowOpensAt + atMs - performance.now()), signal);
  const managed = deployment.managed;
  // The plan refuses a deploy on a deployment without a manager (plan/fault-refusals.ts).
  if (signal?.aborted || !managed) return undefined;
  const version = deployment.versionFile ? nextVersion(deployment.versionFile) : '';
  const epoch = (at: number) => performance.timeOrigin + at;
  const startedAt = performance.now();
  let steps: ManagerStep[];
  try {
    steps = await managed.deploy(action, signal);
  } catch (err) {
    steps = [{ at: performance.now(), what: `${managed.manager} failed to ${action}: ${(err as Error).message}` }];
  }
  const doneAt = performance.now();
  const managerSaid = await managed.status().then(
    (account) => account.said,
    (err: Error) => `${managed.manager} did not say: ${err.message}`,
  );
  return {
    action,
    version,
    startedAtEpochMs: epoch(startedAt),
    doneAtEpochMs: epoch(doneAt),
    steps: steps.map((s) => ({ atEpochMs: epoch(s.at), what: s.what })),
    managerSaid,
  };
}

/** The version after the one in the file (1 → 2, and 2 → 3 at the next point's deploy), written there. */
function nextVersion(file: string): string {
  const current = Number.parseInt(readFileSync(file, 'utf8'), 10);
  const next = String(Number.isFinite(current) ? current + 1 : 2);
  announceVersion(file, next);
  return next;
}

/**
 * What the clients saw of a deploy, from every answer of the window: the requests that failed and
 * the longest time without a successful answer from its start to the window's end, p99 before it
 * against during it, and how many answers each version gave; with the timeline's events.
 */
const withWaiting = (waiting: DeployOutcome['waiting']) => (waiting ? { waiting } : {});

export function deployOutcome(run: DeployRun, log: AnswerLog, windowS: number): { outcome: DeployOutcome; events: PointEvent[] } {
  const s = (epochMs: number) => (epochMs - log.openedAtEpochMs) / 1000;
  const atS = s(run.startedAtEpochMs);
  const doneS = s(run.doneAtEpochMs);
  const duringEndS = Math.max(doneS, atS + MIN_DURING_S);
  const before = new LatencyHistogram();
  const during = new LatencyHistogram();
  let failed = 0;
  let longestGapS = 0;
  let lastOkS = atS;
  const served = log.versions.map((version): VersionServed => ({ version, responses: 0, firstS: Infinity, lastS: 0 }));
  for (let i = 0; i < log.atMs.length; i++) {
    const t = log.atMs[i]! / 1000;
    const status = log.status[i]!;
    const ok = status >= 200 && status < 300;
    const version = served[log.version[i]!];
    if (version) {
      version.responses++;
      version.firstS = Math.min(version.firstS, t);
      version.lastS = Math.max(version.lastS, t);
    }
    if (t < atS) {
      if (ok) before.recordMs(log.latencyMs[i]!);
      continue;
    }
    if (!ok) {
      failed++;
      continue;
    }
    // In flight at some moment of the deploy: a request queued behind it that is answered later counts.
    if (t - log.latencyMs[i]! / 1000 <= duringEndS) during.recordMs(log.latencyMs[i]!);
    longestGapS = Math.max(longestGapS, t - lastOkS);
    lastOkS = t;
  }
  longestGapS = Math.max(longestGapS, windowS - lastOkS);
  const p99 = (h: LatencyHistogram) => (h.count === 0 ? null : h.percentileMs(99));
  const versions = served.filter((v) => v.responses > 0).map((v) => ({ ...v, firstS: round2(v.firstS), lastS: round2(v.lastS) }));
  const outcome: DeployOutcome = {
    action: run.action,
    atS: round2(atS),
    tookS: round2(doneS - atS),
    failed,
    ...withWaiting(waitingAfter(log, atS * 1000, windowS * 1000)),
    longestGapS: round2(longestGapS),
    p99BeforeMs: p99(before),
    p99DuringMs: p99(during),
    versions,
    ...(run.managerSaid && { managerSaid: run.managerSaid }),
  };
  const events: PointEvent[] = [
    { t: round2(atS), what: `deploy: ${run.action}${run.version ? `, version ${run.version} written` : ''}` },
    ...run.steps.map((step) => ({ t: round2(s(step.atEpochMs)), what: step.what })),
    { t: round2(doneS), what: `the manager said the ${run.action} was done after ${round2(doneS - atS)} s` },
    ...versions.slice(0, -1).map((v) => ({ t: v.lastS, what: `last answer from version ${v.version}` })),
    ...versions.slice(1).map((v) => ({ t: v.firstS, what: `first answer from version ${v.version}` })),
  ];
  return { outcome, events: events.sort((a, b) => a.t - b.t) };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
