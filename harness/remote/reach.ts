import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { UsageError } from '../cli/errors.js';
import type { Exit } from '../process/group.js';
import type { AgentMessage } from './far-side.js';
import type { ServerHost } from '../plan/server-host.js';
import { sshAdvice, sshArgs } from './ssh.js';

/**
 * How long ssh's connection and bench's start there may take before the agent's hello: long
 * enough for a loaded machine to start Node (about 1 s here, npx included), short enough that a
 * refused key, a missing bench or an npx that waits on a registry it cannot reach is named within 10 s.
 */
export const HELLO_MS = 7_000;

/** What the far shell and npx print when the command that runs bench is not there. */
const NO_BENCH = /command not found|: not found|ENOTCACHED|could not determine executable|canceled due to missing packages|Cannot find module/i;

/**
 * Why the far side never said hello, from how ssh ended (undefined: still running at HELLO_MS) and
 * what it printed, with the command that fixes it: ssh's key refused, the host unreachable, bench
 * missing or not starting there.
 */
export function whyNoHello(server: ServerHost, exit: Exit | undefined, stderr: string): string {
  const where = `--server-host ${server.destination}`;
  const lines = stderr.trim().split('\n').filter((line) => line.trim() !== '');
  // The line that names the cause, where one does (node's stack trace ends in its version), else ssh's last words.
  const said = lines.find((line) => NO_BENCH.test(line))?.trim() ?? lines.slice(-2).join(' / ');
  const bench = server.bench.join(' ');
  const config = server.sshConfig ? ` -F ${server.sshConfig}` : '';
  if (exit?.code === 255 && /Host key verification failed/i.test(stderr)) {
    return `${where}: ssh does not know that machine's host key, and accepts none unasked in batch mode; connect once by hand (ssh${config} ${server.destination}) to check and accept it`;
  }
  if (exit?.code === 255 && /Permission denied|publickey/i.test(stderr)) {
    return `${where}: ssh was refused (${said}); install your key there with: ssh-copy-id${config} ${server.destination} (bench logs in with keys only, in batch mode), then check: ssh${config} -o BatchMode=yes ${server.destination} true`;
  }
  if (exit?.code === 255) {
    return `${where}: ssh could not reach it (${said || 'no message'}); check: ssh${config} -o BatchMode=yes ${server.destination} true`;
  }
  const install = `install it there with: npm install -g concurrency-bench (or in the login folder), or give --server-bench "node /path/to/bench/bin/bench.js"`;
  if (exit && (exit.code === 127 || NO_BENCH.test(stderr))) {
    return `${where}: "${bench}" found no bench there (${said || `exit code ${exit.code}`}); ${install}`;
  }
  if (!exit) {
    // npx, for one, waits on the npm registry for a package it does not have (minutes, where the registry is out of reach).
    return `${where}: "${bench}" gave no sign of bench within ${HELLO_MS / 1000} s (${said || 'nothing printed'}), as when bench is not installed there; ${install}`;
  }
  return `${where}: "${bench}" exited with code ${exit.code ?? exit.signal} before bench answered (${said || 'nothing printed'}); ${sshAdvice(server)}`;
}

/**
 * Starts `bench agent` there and waits for its hello alone (then ends the session, which ends the
 * agent): the quick check that ssh logs in and bench runs there, naming what to fix when not.
 */
export function greetAgent(server: ServerHost): Promise<Extract<AgentMessage, { type: 'hello' }>> {
  return new Promise((resolve, reject) => {
    // Argument array: the far command words are quoted for the far shell by sshArgs.
    const child = spawn('ssh', sshArgs(server, ['agent']), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let settled = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => {}); // ssh gone: its exit says why
    const fail = (exit: Exit | undefined) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new UsageError(whyNoHello(server, exit, stderr)));
    };
    const timer = setTimeout(() => fail(undefined), HELLO_MS);
    child.once('error', (err) => {
      stderr += `ssh failed to start: ${err.message}`;
      fail({ code: 127, signal: null });
    });
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      let message: AgentMessage | undefined;
      try {
        message = JSON.parse(line) as AgentMessage;
      } catch {
        return; // a login banner
      }
      if (settled || message?.type !== 'hello') return;
      settled = true;
      clearTimeout(timer);
      child.stdin.end();
      resolve(message);
    });
    // 'close', not 'exit': by then ssh's stderr has drained, and the diagnosis reads its last words.
    child.once('close', (code, signal) => fail({ code, signal }));
  });
}
