import { spawn } from 'node:child_process';
import { UsageError } from '../cli/errors.js';
import { greetAgent } from './reach.js';
import type { ServerHost } from '../plan/server-host.js';
import { sshAdvice, sshArgs } from './ssh.js';

/** How long `bench doctor` there may take, connection included (it probes each server's version). */
const DOCTOR_MS = 60_000;

/**
 * `bench doctor --server-host`: checks that ssh logs in and bench runs there (within seconds,
 * naming what to fix when not), then runs `bench doctor` there and returns its answer (which
 * names that machine's bench and Node) under a line saying where it ran. `say` gets each step as it starts.
 */
export async function remoteDoctor(server: ServerHost, say: (line: string) => void): Promise<string> {
  say(`connecting to ${server.destination} over ssh and starting "${server.bench.join(' ')}" there…`);
  const hello = await greetAgent(server);
  say(`bench ${hello.benchVersion} (node ${hello.node}) runs there; asking it for each kind's software…`);
  const answer = await overSsh(server, ['doctor']);
  return [`On ${server.destination} (over ssh):`, answer.trimEnd()].join('\n');
}
function overSsh(server: ServerHost, words: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // Argument array: the far command words are quoted for the far shell by sshArgs.
    const child = spawn('ssh', sshArgs(server, words), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), DOCTOR_MS);
    child.once('error', (err) => reject(new UsageError(`--server-host ${server.destination}: ssh failed to start: ${err.message}`)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
      reject(new UsageError(`--server-host ${server.destination}: "${server.bench.join(' ')} ${words.join(' ')}" there ${how}: ${stderr.trim().split('\n').slice(-3).join(' / ')}; ${sshAdvice(server)}`));
    });
  });
}
