import { probe, whoAnswers } from '../process/readiness.js';
import { sleep } from '../process/group.js';
import type { RunningDeployment } from './launch.js';

/** How long a deployment may take to answer /health between points (a supervised one may be restarting). */
const ANSWER_WITHIN_MS = 3000;

/**
 * Why a deployment can no longer be measured, or undefined while it is whole: every process group
 * led by its leader (a pool's master, a lone server itself, nginx) and /health answering 200. A
 * pool whose master respawns a dead worker is whole; a lone server that died is not.
 */
export async function deathOf(deployment: RunningDeployment, signal?: AbortSignal): Promise<string | undefined> {
  const deadline = Date.now() + ANSWER_WITHIN_MS;
  for (;;) {
    const dead = deployment.processes.find((p) => !p.running);
    // A supervised server is replaced in `processes` when it restarts: give it the time to.
    if (dead && !deployment.supervised) return dead.describeExit();
    if (!dead && (await answersAsItself(deployment))) return undefined;
    if (Date.now() >= deadline || signal?.aborted) {
      return dead ? dead.describeExit() : `it stopped answering ${deployment.baseUrl}/health within ${ANSWER_WITHIN_MS / 1000} s`;
    }
    await sleep(100, signal);
  }
}

/** /health answers 200, with the server's own token when bench started it. */
async function answersAsItself(deployment: RunningDeployment): Promise<boolean> {
  const url = `${deployment.baseUrl}/health`;
  if (deployment.token === undefined) return (await probe(url, 1000)) === 200;
  return (await whoAnswers(url, deployment.token, 1000)) === 'ours';
}
