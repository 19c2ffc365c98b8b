import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../cli/errors.js';
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

/**
 * ssh's arguments to run bench's `words` on the server machine. Batch mode: bench answers no
 * password or host-key prompt (keys and the user's ssh config do); a host that does not answer
 * fails within ConnectTimeout. ServerAlive*: this side's ssh notices a dead link within 15–20 s
 * and exits, which fails the deployment here. The far side's counterpart, ClientAliveInterval, is
 * the far sshd's own setting, which no client can set: there the agent's heartbeat
 * (far-side.ts) does its work. The remote command is one string to the far shell, so each word is quoted for it.
 */
export function sshArgs(server: ServerHost, words: string[]): string[] {
  return [
    ...(server.sshConfig ? ['-F', server.sshConfig] : []),
    '-T',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=5',
    '-o', 'ServerAliveInterval=5',
    '-o', 'ServerAliveCountMax=3',
    server.destination,
    '--',
    ...[...server.bench, ...words].map(shellQuoted),
  ];
}

/** 'word' for a POSIX shell: single quotes, and any single quote inside as '\''. */
export function shellQuoted(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What to check when ssh itself failed: the commonest causes, each with its fix. */
export function sshAdvice(server: ServerHost): string {
  const config = server.sshConfig ? ` -F ${server.sshConfig}` : '';
  return (
    `check that "ssh${config} -o BatchMode=yes ${server.destination} true" works without a password (ssh-copy-id ${server.destination} installs your key), ` +
    // Not --version: npx would take that flag for itself and answer npm's version.
    `and that "${server.bench.join(' ')} list" runs there (--server-bench says how bench runs on the server machine)`
  );
}
