import type { RunningDeployment } from '../deployments/launch.js';
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
  const server = deployment.processes[0]!;
  const before = groupMembers(server.pid);
  const victim = before.find((p) => p.pid !== server.pid) ?? before.find((p) => p.pid === server.pid);
  if (!victim) return undefined;
  const killedAt = performance.now();
  try {
    process.kill(victim.pid, 'SIGKILL');
  } catch {
    return undefined;
  }
  const what = victim.pid === server.pid ? 'the server process' : 'a worker';
  const t = (ms: number) => Math.round(((ms - windowOpensAt) / 1000) * 100) / 100;
  const events: PointEvent[] = [{ t: t(killedAt), what: `SIGKILL to ${what} (pid ${victim.pid})` }];

  let recoveredAt: number | undefined;
  const windowEnd = windowOpensAt + windowMs;
  while (performance.now() < windowEnd && !signal?.aborted) {
    await sleep(20);
    const current = deployment.processes[0]!;
    // Accepting connections, not answering /health: a blocking server answers only after the
    // backlog of queued requests ahead of the probe, which is queueing, not an outage.
    const whole = groupMembers(current.pid).length >= before.length;
    if (whole && (await accepts(deployment.baseUrl))) {
      recoveredAt = performance.now();
      break;
    }
  }
  for (const restart of deployment.restarts) {
    if (restart >= killedAt) events.push({ t: t(restart), what: 'the supervisor restarted it' });
  }
  const recoveryS = recoveredAt === undefined ? null : Math.round((recoveredAt - killedAt) / 10) / 100;
  events.push(
    recoveredAt === undefined
      ? { t: t(windowEnd), what: 'still down when the window closed: nothing restarts it' }
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
