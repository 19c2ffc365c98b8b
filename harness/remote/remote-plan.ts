import { UsageError } from '../cli/errors.js';
import type { DeploymentSpec, ServerKind } from '../deployments/kind.js';
import type { Placement } from '../results/types.js';
import type { Scenario } from '../scenario/load.js';
import { serverHost, type ServerHost } from './ssh.js';

/** The flags of `bench run` that choose the server host (RunOverrides's, named here so that the plan depends on this module and not back). */
export interface ServerHostFlags {
  serverHost?: string;
  sshConfig?: string;
  serverBench?: string;
  placement?: string;
}

/** --server-host (or the scenario's serverHost:) for a run, refused where a deployment cannot start over there. */
export function planServerHost(
  scenario: Scenario,
  overrides: ServerHostFlags,
  deployments: readonly { spec: DeploymentSpec; kind: ServerKind; label: string }[],
): ServerHost | undefined {
  const where = overrides.serverHost !== undefined ? '--server-host' : 'serverHost:';
  const server = serverHost(overrides.serverHost ?? scenario.serverHost, overrides, where);
  if (!server) return undefined;
  const external = deployments.find((d) => d.kind.launch === 'attach');
  if (external) throw new UsageError(`${where}: ${external.label} is a server someone else started; bench starts nothing on ${server.destination} for it (drop ${where}, or the external deployment)`);
  // The fault kills a worker by its pid, which is on the other machine.
  if (scenario.fault) throw new UsageError(`${where}: the scenario's fault: kills a worker on this machine; run fault scenarios without ${where}`);
  if (overrides.placement) throw new UsageError(`--placement: with ${where} the servers and the generator are on separate machines already; drop --placement`);
  return server;
}

/**
 * The generator here and the servers there: separate, nothing pinned. The far machine's cores
 * bound the model; its agent says how many when the first deployment starts (serverCores is 0 until then).
 */
export function remotePlacement(): Placement {
  return { mode: 'separate', serverCpus: null, generatorCpus: null, serverCores: 0 };
}
