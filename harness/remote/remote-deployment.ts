import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LaunchOptions, RunningDeployment } from '../deployments/launch.js';
import type { PlannedDeployment } from '../plan.js';
import { ProcessGroup } from '../process/group.js';
import { NOTHING_SAMPLED, type ResourceUse } from '../process/sampler.js';
import { findExecutable } from '../software.js';
import type { AgentCommand, AgentMessage, AgentRequest } from './far-side.js';
import { sshAdvice, sshArgs, type ServerHost } from './ssh.js';

/** ssh's own connection and bench's start-up there, beyond the deployment's ready timeout. */
const CONNECT_MS = 20_000;
/** How long the agent has to answer a command: stopping takes longest (its servers get 3 s of grace, then SIGKILL). */
const ANSWER_MS = 10_000;

/**
 * Starts a deployment on the --server-host machine: `ssh … bench agent` as a process group of its
 * own, the deployment sent as the first line, and the agent's `ready` awaited. The deployment that
 * returns is the far one (its URL, token and command line); its only local process is the ssh
 * client, whose death means the deployment is gone (the agent stops it when the session ends).
 */
export async function launchRemote(
  planned: PlannedDeployment,
  server: ServerHost,
  options: Pick<LaunchOptions, 'tmpDir' | 'readyTimeoutMs' | 'signal'>,
): Promise<RunningDeployment> {
  const { label } = planned;
  const ssh = findExecutable('ssh') ?? 'ssh';
  const logPath = join(options.tmpDir, `ssh-${Date.now()}.log`);
  const group = new ProcessGroup(`${label} on ${server.destination} (ssh)`, { command: ssh, args: sshArgs(server, ['agent']) }, logPath, true);
  const { stdin, stdout } = group.conversation!;
  const answers: ((message: AgentMessage) => void)[] = [];
  let farExit: string | undefined;
  let ready: ((message: AgentMessage | undefined) => void) | undefined;
  const readyMessage = new Promise<AgentMessage | undefined>((resolve) => (ready = resolve));
  createInterface({ input: stdout, crlfDelay: Infinity }).on('line', (line) => {
    let message: AgentMessage | null;
    try {
      message = JSON.parse(line) as AgentMessage | null;
    } catch {
      return; // not the agent's: a login banner or a shell's greeting on stdout
    }
    if (typeof message !== 'object' || message === null || typeof message.type !== 'string') return;
    if (ready) {
      const resolve = ready;
      ready = undefined;
      resolve(message);
    } else if (message.type === 'status') {
      // Said unasked (bench never asks): a far process exited.
      if (message.exited) farExit ??= `on ${server.destination}: ${message.exited}`;
    } else {
      answers.shift()?.(message);
    }
  });
  void group.exited.then(() => {
    ready?.(undefined);
    for (const answer of answers.splice(0)) answer({ type: 'stopped' });
  });
  const send = (command: AgentCommand | AgentRequest) => stdin.write(JSON.stringify(command) + '\n');
  // An agent that does not answer is broken: its deployment counts as gone (rather than hang the run).
  const ask = (command: Exclude<AgentCommand, { cmd: 'status' }>) =>
    new Promise<AgentMessage>((resolve) => {
      if (!group.running) return resolve({ type: 'stopped' });
      const timer = setTimeout(() => {
        farExit ??= `bench agent on ${server.destination} did not answer ${command.cmd} within ${ANSWER_MS / 1000} s`;
        void group.stop();
      }, ANSWER_MS);
      answers.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
      send(command);
    });

  const stop = async () => {
    if (group.running) {
      await ask({ cmd: 'stop' });
      stdin.end();
    }
    await group.stop();
  };

  send({ spec: planned.spec, kind: planned.kind.name, label, readyTimeoutMs: options.readyTimeoutMs });
  const onAbort = () => void group.stop();
  options.signal?.addEventListener('abort', onAbort);
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    readyMessage,
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.readyTimeoutMs + CONNECT_MS))),
  ]);
  clearTimeout(timer);
  options.signal?.removeEventListener('abort', onAbort);
  if (first === undefined || first === 'timeout' || first.type !== 'ready') {
    await stop();
    if (options.signal?.aborted) throw new Error(`${label} did not start: interrupted while starting`);
    if (first === 'timeout') throw new Error(`${label} did not start on ${server.destination}: no answer from bench agent within ${Math.round((options.readyTimeoutMs + CONNECT_MS) / 1000)} s; ${sshAdvice(server)}`);
    if (first?.type === 'failed') throw new Error(`${label} did not start on ${server.destination}: ${first.reason}`);
    throw new Error(`${label} did not start: ${group.describeExit()}\n  --server-host ${server.destination}: ${sshAdvice(server)}`);
  }

  let sampling = false;
  return {
    baseUrl: first.baseUrl,
    token: first.token,
    healthPath: first.healthPath,
    processes: [group],
    restarts: [],
    supervised: planned.spec.supervise === true,
    ...(first.serverArgs && { serverArgs: first.serverArgs }),
    ...(first.nginxConfig && { nginxConfig: first.nginxConfig }),
    ...(first.effectiveSettings && { effectiveSettings: first.effectiveSettings }),
    ...(first.apacheConfig && { apacheConfig: first.apacheConfig }),
    farSide: {
      destination: server.destination,
      host: new URL(first.baseUrl).hostname,
      exited: () => farExit,
      machine: first.machine,
      resources: {
        start: () => {
          sampling = true;
          send({ cmd: 'sample-start' });
        },
        stop: async (): Promise<ResourceUse> => {
          if (!sampling) return NOTHING_SAMPLED;
          sampling = false;
          const answer = await ask({ cmd: 'sample-stop' });
          return answer.type === 'resources' ? answer.resources : NOTHING_SAMPLED;
        },
      },
    },
    stop,
  };
}
