import type { ServerHost } from '../plan/server-host.js';

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
