import type { RunningDeployment } from '../deployments/launch.js';
import { serverGroup } from '../deployments/server-group.js';
import { sleep } from '../process/group.js';
import { groupMembers } from '../process/procfs.js';
import type { AnswerLog } from '../load/engine.js';
import { connect } from 'node:net';
import type { FaultOutcome, PointEvent } from '../results/types.js';
import { waitingAfter } from './waiting.js';
import { MANAGER_POLL_MS } from '../managers/managed-program.js';

export interface FaultReport {
  outcome: FaultOutcome;
  events: PointEvent[];
  /** A master kill's moment, to place it among the load's answers. */
  killedAtEpochMs?: number;
}

/** How often the injector asks whether a killed worker is back: fine enough for a respawn that takes under a second. */
const PROBE_EVERY_MS = 20;

/**
 * worker-crash: `atMs` after `windowOpensAt`, SIGKILLs one process of the server and watches it
 * come back, or not, until the window closes.
 * - `kill: worker`: a process of its group other than the master (the server itself when it is a
 *   single process); recovered once the deployment has as many processes as before and accepts
 *   connections. A pool's master respawns the worker; an unmanaged single process stays dead.
 * - `kill: master`: gunicorn's arbiter, uWSGI's master, Node's cluster primary, a single process
 *   itself; under a manager, the pid the manager reports. Recovered at the load's first 2xx answer
 *   after the kill (masterOutcome). Only a manager brings a master back.
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

  // The first answer and the failures are counted off the load's own answers once the window has
  // closed (masterOutcome); meanwhile the manager gets the window to restart it.
  const outcome: FaultOutcome = { killed: 'master', killedPid: victim.pid, atS: t(killedAt), recoveryS: null };
  await sleep(Math.max(0, windowEnd - performance.now()), signal);
  const managed = deployment.managed;
  if (managed && !signal?.aborted) {
    // Asked as the window closes, not at the first answer: supervisord calls a program RUNNING
    // only once it has lasted startsecs, and its account is of the restart, not of a start.
    const account = await managed.status();
    outcome.managerSaid = account.said;
    events.push({
      t: t(windowEnd),
      what:
        account.pid === undefined
          ? `${managed.manager} runs no process for it yet (${account.said})`
          : account.pid !== victim.pid
            ? `${managed.manager} restarted it: pid ${account.pid} (${account.said})`
            : `${managed.manager} has not restarted it (${account.said})`,
    });
  }
  return { outcome, events, killedAtEpochMs: performance.timeOrigin + killedAt };
}

/**
 * A master kill's outcome from every answer of the window (the builtin engine's AnswerLog): the
 * first 2xx to a request sent after the kill, to the millisecond, is when it was back (a manager's restart, or the
 * workers a dead master left still answering), and every answer completed after the kill that
 * was not 2xx (refused, reset, an error status) failed.
 */
export function masterOutcome(report: FaultReport, answers: AnswerLog, windowS: number): FaultReport {
  const killMs = (report.killedAtEpochMs ?? answers.openedAtEpochMs) - answers.openedAtEpochMs;
  let firstMs: number | undefined;
  let failed = 0;
  answers.atMs.forEach((at, i) => {
    if (at < killMs) return;
    const ok = answers.status[i]! >= 200 && answers.status[i]! < 300;
    if (!ok) failed++;
    // Sent after the kill: a request already in a worker's hands may still be answered as it dies.
    else if (at - answers.latencyMs[i]! >= killMs && (firstMs === undefined || at < firstMs)) firstMs = at;
  });
  const firstAnswerS = firstMs === undefined ? null : Math.round(firstMs - killMs) / 1000;
  const waiting = waitingAfter(answers, killMs, windowS * 1000);
  const { outcome, events } = report;
  const last: PointEvent =
    firstAnswerS === null
      ? { t: windowS, what: 'no answer after the kill before the window closed' }
      : { t: Math.round((outcome.atS + firstAnswerS) * 100) / 100, what: `first answer ${firstAnswerS} s after the kill` };
  return {
    outcome: { ...outcome, firstAnswerS, recoveryS: firstAnswerS, failed, ...(waiting && { waiting }) },
    events: [...events, last].sort((a, b) => a.t - b.t),
  };
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
  let current = await serverGroup(deployment);
  let askedAt = performance.now();
  while (performance.now() < until && !signal?.aborted) {
    await sleep(PROBE_EVERY_MS);
    // A manager is asked again only once the group it named is gone (its restart makes a new one),
    // and no more often than MANAGER_POLL_MS: each ask costs the measured window CPU.
    const gone = current === undefined || groupMembers(current).length === 0;
    if (gone && (!deployment.managed || performance.now() - askedAt >= MANAGER_POLL_MS)) {
      current = await serverGroup(deployment);
      askedAt = performance.now();
    }
    // Accepting connections, not answering /health: a blocking server answers only after the
    // backlog of queued requests ahead of the probe, which is queueing, not an outage.
    if (current !== undefined && groupMembers(current).length >= size && (await accepts(deployment.baseUrl))) return performance.now();
  }
  return undefined;
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
