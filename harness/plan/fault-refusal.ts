import type { ServerKind } from '../deployments/kind.js';
import type { ScenarioFault } from '../scenario/schema.js';

/** Why a deployment cannot take its `fault:` in this version, or undefined when it can. */
export function faultRefusal(fault: ScenarioFault, kind: ServerKind): string | undefined {
  // Issue 32 is building deploys (harness/managers/); until then a scenario asking for one is told so.
  if (!('kill' in fault)) return 'only { kill: worker } and { kill: master } run in this version';
  if (kind.launch === 'attach') {
    return `an external server is one someone else started: bench knows none of its pids, so it has no ${fault.kill} to kill and nothing of its own to restart it (drop the fault from this deployment, or let bench start the server)`;
  }
  return undefined;
}
