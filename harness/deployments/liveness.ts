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
    // A supervised server is replaced in `processes` when it restarts: give it the time to.
    const dead = deployment.processes.find((p) => !p.running);
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
 * How a process group of the deployment ended, when its leader has (a supervised server is
 * restarted instead); for one on another machine, as its agent said, or the ssh client's end.
 */
export function exitedServer(deployment: RunningDeployment): string | undefined {
  if (deployment.supervised) return undefined;
  return deployment.farSide?.exited() ?? deployment.processes.find((p) => !p.running)?.describeExit();
}
