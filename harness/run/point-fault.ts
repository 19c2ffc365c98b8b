import type { RunningDeployment } from '../deployments/launch.js';
import type { Sample } from '../results/aggregate.js';
import type { ScenarioFault } from '../scenario/schema.js';
import { deployOutcome, injectDeploy } from './deploy-fault.js';
import { injectKill, masterOutcome } from './worker-crash.js';

/** What a fault adds to the point's sample once the window has closed: its outcome and its timeline events. */
export type FaultResult = (measured: Sample) => void;

/** Whether the point's load must keep every answer: a deploy's outcome, and a master kill's, are computed from them. */
export function recordsAnswers(fault: ScenarioFault | undefined): boolean {
  return fault !== undefined && ('deploy' in fault || fault.kill === 'master');
}

/** Injects the point's fault at its moment in the window (`at` of it); resolves when it is over, to what it adds to the sample. */
export async function injectFault(
  fault: ScenarioFault,
  deployment: RunningDeployment,
  windowOpensAt: number,
  windowS: number,
  signal?: AbortSignal,
): Promise<FaultResult | undefined> {
  const atMs = fault.at * windowS * 1000;
  if ('deploy' in fault) {
    const run = await injectDeploy(deployment, fault.deploy, windowOpensAt, atMs, signal);
    return (
      run &&
      ((measured) => {
        if (!measured.answers) return;
        const { outcome, events } = deployOutcome(run, measured.answers, windowS);
        measured.deploy = outcome;
        measured.events = events;
        // Thousands of answers: what they say is in the outcome, and a row never carries them.
        delete measured.answers;
      })
    );
  }
  const crash = await injectKill(deployment, fault.kill, windowOpensAt, atMs, windowS * 1000, signal);
  return (
    crash &&
    ((measured) => {
      const { outcome, events } = measured.answers ? masterOutcome(crash, measured.answers, windowS) : crash;
      measured.events = events;
      measured.fault = outcome;
      delete measured.answers;
    })
  );
}
