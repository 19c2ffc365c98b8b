import { sleep } from '../process/group.js';
import { whoAnswers } from '../process/readiness.js';
import type { RunningDeployment } from './launch.js';

/**
 * Why a deployment can no longer be measured, or undefined while it is whole: every process group
 * led by its leader (a pool's master, a lone server itself, nginx) and /health answering 200 as
 * the server bench started (an external server: answering as it did when bench attached to it).
 * A pool whose master respawns a dead worker is whole; a lone server that died is not. /health may
 * queue behind the requests a blocking server still owes the point before (c·d/K seconds of them),
 * so it has `patienceMs` to answer: the run's request timeout.
 */
export async function deathOf(deployment: RunningDeployment, patienceMs: number, signal?: AbortSignal): Promise<string | undefined> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const exited = exitedServer(deployment);
    if (exited) return exited;
    const dead = deployment.processes.find((p) => !p.running);
    const gaveUp = await managerGaveUp(deployment);
    if (gaveUp) return gaveUp;
    if (!dead) {
      const answer = await answersAsItself(deployment, Math.max(deadline - Date.now(), 1000));
      if (answer === 'ours') return undefined;
      if (answer === 'stranger') return `something else answers at ${deployment.baseUrl}${deployment.healthPath}, not the server bench started`;
    }
    if (Date.now() >= deadline || signal?.aborted) {
      return dead ? dead.describeExit() : `it stopped answering ${deployment.baseUrl}${deployment.healthPath} within ${Math.round(patienceMs / 1000)} s`;
    }
    await sleep(100, signal);
  }
}

/**
 * The health path answers: 200 with the server's own token for the demo app, any 2xx from a
 * user's app, and what attach() accepted from an external server (any answer at its measured path).
 */
function answersAsItself(deployment: RunningDeployment, timeoutMs: number): Promise<'ours' | 'stranger' | undefined> {
  return whoAnswers(`${deployment.baseUrl}${deployment.healthPath}`, deployment.token, timeoutMs, deployment.healthAccepts);
}

/**
 * A manager that will not start the server again, in its own words (supervisord's FATAL: it
 * exited too quickly too often). A program it restarts is no death: the manager's own group, in
 * `processes`, ending is.
 */
async function managerGaveUp(deployment: RunningDeployment): Promise<string | undefined> {
  if (!deployment.managed) return undefined;
  const account = await deployment.managed.status().catch(() => undefined);
  return account?.state === 'FATAL' ? `${deployment.managed.manager} gave up restarting it: ${account.said}` : undefined;
}

/**
 * How a process group of the deployment ended, when its leader has (under a manager, the
 * manager's: the server it restarts is not among them); for one on another machine, as its agent
 * said, or the ssh client's end.
 */
export function exitedServer(deployment: RunningDeployment): string | undefined {
  return deployment.farSide?.exited() ?? deployment.processes.find((p) => !p.running)?.describeExit();
}
