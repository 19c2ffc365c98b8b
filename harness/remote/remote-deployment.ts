import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LaunchOptions, RunningDeployment } from '../deployments/launch.js';
import type { PlannedDeployment } from '../plan/build-plan.js';
import { ProcessGroup } from '../process/group.js';
import { NOTHING_SAMPLED, type ResourceUse } from '../process/sampler.js';
import { findExecutable } from '../software/catalog.js';
import { HEARTBEAT_MS, SILENCE_MS, type AgentCommand, type AgentMessage, type AgentRequest } from './far-side.js';
import { HELLO_MS, whyNoHello } from './reach.js';
import type { ServerHost } from '../plan/server-host.js';
import { sshAdvice, sshArgs } from './ssh.js';

/** bench's start-up there after its hello (reading the request, checking the kind's software), beyond the deployment's ready timeout. */
const CONNECT_MS = 10_000;
/** How long ssh's stderr may take to drain after it exited, so the diagnosis sees its last words. */
const DRAIN_MS = 200;
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
  let hello: ((message: AgentMessage | undefined) => void) | undefined;
  const helloMessage = new Promise<AgentMessage | undefined>((resolve) => (hello = resolve));
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
    if (message.type === 'hello') {
      hello?.(message);
    } else if (ready) {
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
  const send = (command: AgentCommand | AgentRequest) => stdin.write(JSON.stringify(command) + '\n');
  send({ spec: planned.spec, kind: planned.kind.name, label, readyTimeoutMs: options.readyTimeoutMs, silenceMs: SILENCE_MS });
  // Written into ssh's pipe: while the link is up they reach the agent, and when it is cut, their absence stops it there.
  const heartbeat = setInterval(() => send({ cmd: 'heartbeat' }), HEARTBEAT_MS);
  heartbeat.unref();
  void group.exited.then((exit) => {
    clearInterval(heartbeat);
    // ssh's own failure, not the agent's exit: say so, rather than a bare "exited with code 255".
    if (exit.code === 255) {
      farExit ??=
        `${group.name}: the connection to ${server.destination} was lost (ssh exited with code 255: the link went down, ` +
        `or that machine gave no answer to ssh's keep-alives for 15 s)${group.lastWords()}; check the network to it, then: ${sshAdvice(server)}`;
    }
    hello?.(undefined);
    ready?.(undefined);
    for (const answer of answers.splice(0)) answer({ type: 'stopped' });
  });
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
    clearInterval(heartbeat);
    if (group.running) {
      await ask({ cmd: 'stop' });
      stdin.end();
    }
    await group.stop();
  };

  const onAbort = () => void group.stop();
  options.signal?.addEventListener('abort', onAbort);
  let timer: NodeJS.Timeout | undefined;
  const within = <T>(ms: number, answer: Promise<T>) =>
    Promise.race([answer, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]).finally(() => clearTimeout(timer));
  const greeted = await within(HELLO_MS, helloMessage);
  if (greeted === undefined || greeted === 'timeout') {
    options.signal?.removeEventListener('abort', onAbort);
    if (options.signal?.aborted) {
      await group.stop();
      throw new Error(`${label} did not start: interrupted while starting`);
    }
    if (greeted === undefined) await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    const exit = group.exitStatus;
    await group.stop();
    throw new Error(`${label} did not start: ${whyNoHello(server, exit, group.tail())}`);
  }
  const first = await within(options.readyTimeoutMs + CONNECT_MS, readyMessage);
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
