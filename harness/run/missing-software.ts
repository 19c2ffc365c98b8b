import { requiredSoftware, type Plan, type PlannedDeployment } from '../plan/build-plan.js';
import { saveResults } from '../results/out-folder.js';
import type { RunResults } from '../results/types.js';
import { INSTALL_SCRIPT, installCommand, locust, missingSoftware } from '../software/catalog.js';
import { softwareVersions } from '../results/environment.js';
import type { Progress } from './progress.js';

/**
 * Saves the run's first results.json, says which environment variables the servers do not get,
 * sets aside deployments whose software is missing and records the versions of the rest.
 * Returns the deployments that can run.
 */
export async function prepareDeployments(plan: Plan, run: RunResults, progress: Progress): Promise<PlannedDeployment[]> {
  saveResults(run, plan.outDir);
  const removed = run.environment.serverEnvironment.removed;
  if (removed.length > 0) {
    progress.say(
      `not passing ${removed.join(', ')} from your environment to the servers: ${removed.length === 1 ? 'it reconfigures' : 'they reconfigure'} ` +
        'the server under test; a scenario passes such variables on purpose with env: on a deployment',
    );
  }
  // What a --server-host machine has installed, its agent says when a deployment starts there.
  const runnable = plan.serverHost ? plan.deployments : await setAsideMissingSoftware(plan, run, progress);
  run.environment.software = await softwareVersions([...(plan.serverHost ? [] : runnable.flatMap(requiredSoftware)), ...(plan.generator === 'locust' ? [locust] : [])]);
  saveResults(run, plan.outDir);
  return runnable;
}

/**
 * Deployments whose software is not installed are skipped with the command that installs it, or
 * recorded as failures under --strict. Returns the deployments that can run.
 */
async function setAsideMissingSoftware(plan: Plan, run: RunResults, progress: Progress): Promise<PlannedDeployment[]> {
  const runnable: PlannedDeployment[] = [];
  for (const planned of plan.deployments) {
    const missing = await missingSoftware(requiredSoftware(planned));
    if (missing.length === 0) {
      runnable.push(planned);
      continue;
    }
    const reason =
      `${missing.map((s) => s.name).join(' and ')} not installed; install with: ${installCommand(missing, planned.spec.app && planned.spec.app.kind !== 'node' ? planned.spec.app.python : undefined)}` +
      ` (or the whole stack: ${INSTALL_SCRIPT})`;
    const entry = { deployment: planned.label, server: planned.spec.kind, reason };
    if (plan.strict) {
      run.failures.push(entry);
      progress.say(`${planned.label}: FAILED (--strict): ${reason}`);
    } else {
      run.skipped.push(entry);
      progress.say(`skipping ${planned.label}: ${reason}`);
    }
  }
  return runnable;
}
