import { UsageError } from '../cli/errors.js';
import type { GeneratorEngine } from '../results/types.js';
import type { DeploymentSpec, ServerKind } from '../deployments/kind.js';

/**
 * Refuses, before anything starts, a fault the run could not carry out: a deploy needs a process
 * manager to do it (supervisord, or a kind that is one) and the builtin generator, the one that
 * reads each answer's x-bench-version (wrk and Locust count responses, not what they said); a
 * kill needs the pids of a server bench started, and a master kill every answer's time (builtin).
 */
export function refuseUnrunnableFaults(deployments: readonly { spec: DeploymentSpec; kind: ServerKind; label: string }[], generator: GeneratorEngine, generatorWhere: string): void {
  for (const { spec, kind, label } of deployments) {
    const fault = spec.fault;
    if (fault && 'kill' in fault && kind.launch === 'attach') {
      throw new UsageError(
        `${label}: fault: { kill: ${fault.kill} }: an external server is one someone else started: bench knows none of its pids, ` +
          `so it has no ${fault.kill} to kill and nothing of its own to restart it (drop the fault from this deployment, or let bench start the server)`,
      );
    }
    if (fault && 'kill' in fault && fault.kill === 'master' && generator !== 'builtin') {
      throw new UsageError(
        `${label}: fault: { kill: master } times the first answer after the kill and counts the failed requests from every answer, which only the builtin generator keeps (${generatorWhere} ${generator}): use the builtin generator`,
      );
    }
    if (!fault || !('deploy' in fault)) continue;
    const what = `${label}: fault: { deploy: ${fault.deploy} }`;
    if (spec.manager === undefined && kind.managedBy === undefined) {
      throw new UsageError(
        `${what} needs a process manager to carry out the deploy, and ${kind.name} runs under none: ` +
          'add manager: supervisord to the deployment (or use the pm2-cluster kind)',
      );
    }
    if (kind.deploys && !kind.deploys.can.includes(fault.deploy)) {
      throw new UsageError(`${what}: ${kind.deploys.whyNot}; use ${kind.deploys.can.map((a) => `deploy: ${a}`).join(' or ')}`);
    }
    if (generator !== 'builtin') {
      throw new UsageError(
        `${what} counts the answers each version served from their x-bench-version header, which ${generatorWhere} ${generator} cannot read: use the builtin generator`,
      );
    }
  }
}
