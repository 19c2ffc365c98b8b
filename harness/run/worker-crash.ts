import type { RunningDeployment } from '../deployments/launch.js';
import { serverGroup } from '../deployments/server-group.js';
import { sleep } from '../process/group.js';
import { groupMembers } from '../process/procfs.js';
import { connect } from 'node:net';
import type { FaultOutcome, PointEvent } from '../results/types.js';

export interface FaultReport {
  outcome: FaultOutcome;
  events: PointEvent[];
}

/**
 * worker-crash: `atMs` after `windowOpensAt`, SIGKILLs one worker of the server (a process of its
 * group other than the master; the server itself when it is a single process), then watches until
 * the deployment has as many processes as before and accepts connections: the recovery time. A pool's
 * master respawns the worker; an unsupervised single process stays dead to the end of the window.
 */
export async function injectWorkerCrash(
  deployment: RunningDeployment,
  windowOpensAt: number,
  atMs: number,
  windowMs: number,
  signal?: AbortSignal,
): Promise<FaultReport | undefined> {
  await sleep(Math.max(0, windowOpensAt + atMs - performance.now()), signal);
  if (signal?.aborted) return undefined;
  const server = await serverGroup(deployment);
  if (server === undefined) return undefined;
  const before = groupMembers(server);
  const victim = before.find((p) => p.pid !== server) ?? before.find((p) => p.pid === server);
  if (!victim) return undefined;
  const killedAt = performance.now();
  try {
    process.kill(victim.pid, 'SIGKILL');
  } catch {
    return undefined;
  }
  const what = victim.pid === server ? 'the server process' : 'a worker';
  const t = (ms: number) => Math.round(((ms - windowOpensAt) / 1000) * 100) / 100;
  const events: PointEvent[] = [{ t: t(killedAt), what: `SIGKILL to ${what} (pid ${victim.pid})` }];

  let recoveredAt: number | undefined;
  const windowEnd = windowOpensAt + windowMs;
  while (performance.now() < windowEnd && !signal?.aborted) {
    await sleep(20);
    const current = await serverGroup(deployment);
    // Accepting connections, not answering /health: a blocking server answers only after the
    // backlog of queued requests ahead of the probe, which is queueing, not an outage.
    const whole = current !== undefined && groupMembers(current).length >= before.length;
    if (whole && (await accepts(deployment.baseUrl))) {
      recoveredAt = performance.now();
      break;
    }
  }
  const recoveryS = recoveredAt === undefined ? null : Math.round((recoveredAt - killedAt) / 10) / 100;
  events.push(
    recoveredAt === undefined
      ? { t: t(windowEnd), what: deployment.managed ? `still down when the window closed, though ${deployment.managed.manager} runs it` : 'still down when the window closed: nothing restarts it' }
      : { t: t(recoveredAt), what: `whole again after ${recoveryS} s` },
  );
  return { outcome: { killedPid: victim.pid, atS: t(killedAt), recoveryS }, events };
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
