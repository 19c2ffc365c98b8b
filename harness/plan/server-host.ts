import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../cli/errors.js';
import type { DeploymentSpec, ServerKind } from '../deployments/kind.js';
import type { Placement } from '../results/types.js';
import type { Scenario } from '../scenario/load.js';
import { findExecutable } from '../software/catalog.js';

/** The machine deployments start on (--server-host), and how bench reaches and runs itself there. */
export interface ServerHost {
  /** The ssh destination: user@host, or a Host of the ssh config. */
  destination: string;
  /** --ssh-config: passed as ssh -F. */
  sshConfig?: string;
  /** --server-bench: the words that run bench there (default npx bench). */
  bench: string[];
}

/**
 * bench as installed in the login's current folder (or globally). --no: where it is not, npx
 * fails instead of fetching npm's unrelated package of that name and running it as the agent.
 * --offline: it fails at once, instead of asking a registry first (measured: 70 s of retries on a
 * machine that cannot reach one).
 */
export const DEFAULT_SERVER_BENCH = 'npx --no --offline bench';

/** --server-host, --ssh-config and --server-bench (or the scenario's serverHost:), checked before anything starts. */
export function serverHost(
  destination: string | undefined,
  flags: { sshConfig?: string; serverBench?: string },
  where = '--server-host',
): ServerHost | undefined {
  if (destination === undefined) {
    const stray = flags.sshConfig !== undefined ? '--ssh-config' : flags.serverBench !== undefined ? '--server-bench' : undefined;
    if (stray) throw new UsageError(`${stray}: only with --server-host USER@HOST (or serverHost: in the scenario)`);
    return undefined;
  }
  // A destination starting with "-" would reach ssh as an option.
  if (!/^[A-Za-z0-9_.@%:[\]-]+$/.test(destination) || destination.startsWith('-')) {
    throw new UsageError(`${where}: "${destination}" is not an ssh destination; give user@host or a Host of your ssh config`);
  }
  if (!findExecutable('ssh')) throw new UsageError(`${where}: the ssh client is not installed; install it with: sudo apt-get install openssh-client`);
  const sshConfig = flags.sshConfig === undefined ? undefined : resolve(flags.sshConfig);
  if (sshConfig && !existsSync(sshConfig)) throw new UsageError(`--ssh-config: ${flags.sshConfig} does not exist; give the ssh config file to use (ssh -F)`);
  const bench = (flags.serverBench ?? DEFAULT_SERVER_BENCH).trim().split(/\s+/).filter(Boolean);
  if (bench.length === 0) throw new UsageError(`--server-bench: empty; give the command that runs bench on ${destination}, e.g. "${DEFAULT_SERVER_BENCH}"`);
  return { destination, ...(sshConfig && { sshConfig }), bench };
}

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
  // A fault signals the server's processes by pid, which are on the other machine.
  const faulty = deployments.find((d) => d.spec.fault);
  if (faulty) throw new UsageError(`${where}: ${faulty.label}'s fault: signals its server on this machine; run fault scenarios without ${where}`);
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
