import type { RunningDeployment } from '../deployments/launch.js';
import { serverGroup } from '../deployments/server-group.js';
import { sleep } from '../process/group.js';
import { groupMembers } from '../process/procfs.js';
import { whoAnswers } from '../process/readiness.js';
import { secondCovers } from '../load/timeline-bound.js';
import { connect } from 'node:net';
import type { FaultOutcome, PointEvent, TimelineSecond } from '../results/types.js';

export interface FaultReport {
  outcome: FaultOutcome;
  events: PointEvent[];
}

/** How often the injector asks whether the deployment is back: fine enough for a restart that takes under a second. */
const PROBE_EVERY_MS = 20;

/**
 * worker-crash: `atMs` after `windowOpensAt`, SIGKILLs one process of the server and watches it
 * come back, or not, until the window closes.
 * - `kill: worker`: a process of its group other than the master (the server itself when it is a
 *   single process); recovered once the deployment has as many processes as before and accepts
 *   connections. A pool's master respawns the worker; an unmanaged single process stays dead.
 * - `kill: master`: gunicorn's arbiter, uWSGI's master, Node's cluster primary, a single process
 *   itself; under a manager, the pid the manager reports. Recovered at the first 2xx answer at the
 *   health path after the kill. Only a manager brings a master back.
 */
export async function injectKill(
  deployment: RunningDeployment,
  kill: 'worker' | 'master',
  windowOpensAt: number,
  atMs: number,
  windowMs: number,
  signal?: AbortSignal,
): Promise<FaultReport | undefined> {
  await sleep(Math.max(0, windowOpensAt + atMs - performance.now()), signal);
  if (signal?.aborted) return undefined;
  const victim = kill === 'master' ? await masterOf(deployment) : await workerOf(deployment);
  if (!victim) return undefined;
  const killedAt = performance.now();
  try {
    process.kill(victim.pid, 'SIGKILL');
  } catch {
    return undefined;
  }
  const t = (ms: number) => Math.round(((ms - windowOpensAt) / 1000) * 100) / 100;
  const events: PointEvent[] = [{ t: t(killedAt), what: `SIGKILL to ${victim.what} (pid ${victim.pid})` }];
  const windowEnd = windowOpensAt + windowMs;
  const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.round((ms - killedAt) / 10) / 100);
  if (kill === 'worker') {
    const recoveredAt = await whole(deployment, victim.groupSize, windowEnd, signal);
    events.push(afterKill(deployment, t, recoveredAt, windowEnd, `whole again after ${seconds(recoveredAt)} s`));
    return { outcome: { killed: 'worker', killedPid: victim.pid, atS: t(killedAt), recoveryS: seconds(recoveredAt) }, events };
  }

  const answeredAt = await firstAnswer(deployment, windowEnd, signal);
  const outcome: FaultOutcome = { killed: 'master', killedPid: victim.pid, atS: t(killedAt), recoveryS: seconds(answeredAt), firstAnswerS: seconds(answeredAt) };
  const managed = deployment.managed;
  if (managed && !signal?.aborted) {
    // Asked once it answers, so that its account is of the restart, not of the process starting.
    const account = await managed.status();
    outcome.managerSaid = account.said;
    const asked = performance.now();
    events.push({
      t: t(Math.min(asked, windowEnd)),
      what:
        account.pid !== undefined && account.pid !== victim.pid
          ? `${managed.manager} restarted it: pid ${account.pid} (${account.said})`
          : `${managed.manager} has not restarted it (${account.said})`,
    });
  }
  events.push(afterKill(deployment, t, answeredAt, windowEnd, `first answer ${seconds(answeredAt)} s after the kill`));
  events.sort((a, b) => a.t - b.t);
  return { outcome, events };
}

/** The last event of a kill: recovery when it came, else still down when the window closed. */
function afterKill(deployment: RunningDeployment, t: (ms: number) => number, at: number | undefined, windowEnd: number, recovered: string): PointEvent {
  if (at !== undefined) return { t: t(at), what: recovered };
  const managed = deployment.managed;
  return { t: t(windowEnd), what: managed ? `still down when the window closed, though ${managed.manager} runs it` : 'still down when the window closed: nothing restarted it' };
}

interface Victim {
  pid: number;
  what: string;
  groupSize: number;
}

/** A worker of the server's group (any process but its leader), or the server itself when it runs alone. */
async function workerOf(deployment: RunningDeployment): Promise<Victim | undefined> {
  const server = await serverGroup(deployment);
  if (server === undefined) return undefined;
  const members = groupMembers(server);
  const worker = members.find((p) => p.pid !== server);
  if (worker) return { pid: worker.pid, what: 'a worker', groupSize: members.length };
  return members.some((p) => p.pid === server) ? { pid: server, what: 'the server process', groupSize: members.length } : undefined;
}

/**
 * The master: under a manager, the pid it reports (its program runs in a group of its own, not
 * the manager's); else the leader of the server's group, which is gunicorn's arbiter, uWSGI's
 * master, Node's cluster primary, or a single-process server itself.
 */
async function masterOf(deployment: RunningDeployment): Promise<Victim | undefined> {
  if (deployment.managed) {
    const { pid } = await deployment.managed.status();
    return pid === undefined ? undefined : { pid, what: `the master ${deployment.managed.manager} runs`, groupSize: 1 };
  }
  const server = deployment.processes[0];
  return server?.running ? { pid: server.pid, what: 'the master', groupSize: 1 } : undefined;
}

/** When the server's group had `size` processes again and accepted connections, or undefined if not before `until`. */
async function whole(deployment: RunningDeployment, size: number, until: number, signal?: AbortSignal): Promise<number | undefined> {
  while (performance.now() < until && !signal?.aborted) {
    await sleep(PROBE_EVERY_MS);
    const current = await serverGroup(deployment);
    // Accepting connections, not answering /health: a blocking server answers only after the
    // backlog of queued requests ahead of the probe, which is queueing, not an outage.
    if (current !== undefined && groupMembers(current).length >= size && (await accepts(deployment.baseUrl))) return performance.now();
  }
  return undefined;
}

/**
 * When the health path first answered 2xx, or undefined if not before `until`. Probed here, every
 * PROBE_EVERY_MS, rather than read off the load's timeline, whose buckets are whole seconds. A
 * killed master takes its listening socket and the connections queued on it along, so the probe
 * waits behind no backlog the kill left.
 */
async function firstAnswer(deployment: RunningDeployment, until: number, signal?: AbortSignal): Promise<number | undefined> {
  const url = `${deployment.baseUrl}${deployment.healthPath}`;
  while (performance.now() < until && !signal?.aborted) {
    const left = until - performance.now();
    if ((await whoAnswers(url, deployment.token, Math.max(50, Math.min(500, left)), deployment.healthAccepts)) === 'ours') return performance.now();
    await sleep(PROBE_EVERY_MS);
  }
  return undefined;
}

/**
 * The requests that failed (errors and non-2xx) from the kill to the window's end, to the second:
 * the per-second timeline's buckets from the one the kill fell in, each rate times the time its
 * bucket covers. Requests of that second that failed before the kill count too.
 */
export function failedAfter(timeline: TimelineSecond[], atS: number, lengthS: number): number {
  const from = Math.floor(atS);
  return Math.round(
    timeline.filter((s) => s.t >= from).reduce((sum, s) => sum + (s.errors + s.non2xx) * secondCovers(s.t, timeline.length, lengthS), 0),
  );
}

/** The row's fault: a master kill's failed requests counted off the window's timeline. */
export function faultOutcome(report: FaultReport, timeline: TimelineSecond[], lengthS: number): FaultOutcome {
  return report.outcome.killed === 'master' ? { ...report.outcome, failed: failedAfter(timeline, report.outcome.atS, lengthS) } : report.outcome;
}

/** Whether something accepts a TCP connection at the URL's port within 200 ms. */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 200 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
