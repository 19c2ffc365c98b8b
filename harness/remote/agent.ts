import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { findKind } from '../deployments/kinds.js';
import { launch, sampledGroups, type RunningDeployment } from '../deployments/launch.js';
import { exitedServer } from '../deployments/liveness.js';
import { describeEnvironment, softwareVersions } from '../results/environment.js';
import { requiredSoftware } from '../plan/build-plan.js';
import { LOOPBACK } from '../process/ports.js';
import { liveTempDirs, onStopSignals } from '../process/registry.js';
import { NOTHING_SAMPLED, ResourceSampler } from '../process/sampler.js';
import { INSTALL_SCRIPT, installCommand, missingSoftware } from '../software/catalog.js';
import type { AgentCommand, AgentMessage, AgentRequest } from './far-side.js';

/** How often the agent looks for a process of its deployment that exited, to say so unasked. */
const WATCH_MS = 100;

/**
 * Where the agent's deployment listens: the address this machine was reached at over ssh
 * (SSH_CONNECTION is "client-ip client-port server-ip server-port"), which the machine running
 * bench can reach too; loopback when not under ssh. An IPv4-mapped IPv6 address is its IPv4 one.
 */
export function agentHost(sshConnection: string | undefined): string {
  const address = sshConnection?.trim().split(/\s+/)[2]?.replace(/^::ffff:(?=\d+\.)/i, '');
  if (!address) return LOOPBACK;
  if (address.includes(':')) {
    // The servers take a bare host, which an IPv6 address is not in URLs and nginx's listen.
    throw new Error(`ssh arrived at the IPv6 address ${address}; connect over IPv4 (ssh -4, or AddressFamily inet in your ssh config)`);
  }
  return address;
}

/**
 * `bench agent`: one deployment on this machine for a `bench run --server-host` elsewhere. Says
 * hello, reads the deployment as one JSON line, starts it, says `ready` (or `failed`), then answers
 * commands until `stop`. Whatever ends the conversation (stop, stdin closing when the ssh session
 * ends or drops, bench's heartbeats stopping, a stop signal) stops the deployment and removes its
 * private folder. Resolves to the exit code.
 */
export async function runAgent(input: Readable, output: Writable): Promise<number> {
  const say = (message: AgentMessage) => output.write(JSON.stringify(message) + '\n');
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  // stdin ending (the ssh session is gone) or a signal ends the agent, even while it starts the deployment.
  const abort = new AbortController();
  const ended = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve()));
  for (const event of ['end', 'close']) input.once(event, () => abort.abort());
  const stopListening = onStopSignals(() => abort.abort());
  let silence: NodeJS.Timeout | undefined;
  say({ type: 'hello', benchVersion: describeEnvironment().benchVersion, node: process.version });
  const tmpDir = mkdtempSync(join(tmpdir(), 'bench-')); // mode 0700: generated configs stay private
  liveTempDirs.add(tmpDir);
  let deployment: RunningDeployment | undefined;
  let watch: NodeJS.Timeout | undefined;
  let sampler: ResourceSampler | undefined;
  try {
    const first = await Promise.race([lines.next(), ended.then(() => undefined)]);
    if (!first || first.done) return 1;
    const request = JSON.parse(first.value) as AgentRequest;
    if (request.silenceMs) {
      // Any bytes from bench (a heartbeat, a command) show it is still there.
      const silenceMs = request.silenceMs;
      silence = setTimeout(() => {
        process.stderr.write(`bench agent: nothing from bench for ${silenceMs / 1000} s (the link or bench is gone): stopping ${request.label}\n`);
        abort.abort();
      }, silenceMs);
      input.on('data', () => silence?.refresh());
    }
    const kind = findKind(request.kind);
    if (!kind || kind.launch === 'attach') {
      say({ type: 'failed', reason: `bench agent: no kind "${request.kind}" to start here (is bench on this machine the same version?)` });
      return 1;
    }
    const planned = { spec: request.spec, kind, label: request.label };
    // What a local run skips with the install command, the server machine says the same way.
    const missing = await missingSoftware(requiredSoftware(planned));
    if (missing.length > 0) {
      const python = request.spec.app && request.spec.app.kind !== 'node' ? request.spec.app.python : undefined;
      say({ type: 'failed', reason: `${missing.map((s) => s.name).join(' and ')} not installed there; install with: ${installCommand(missing, python)} (or the whole stack: ${INSTALL_SCRIPT})` });
      return 1;
    }
    try {
      deployment = await launch(request.spec, kind, request.label, {
        tmpDir,
        readyTimeoutMs: request.readyTimeoutMs,
        signal: abort.signal,
        host: agentHost(process.env.SSH_CONNECTION),
      });
    } catch (err) {
      say({ type: 'failed', reason: (err as Error).message });
      return 1;
    }
    const running = deployment;
    const software = await softwareVersions(requiredSoftware(planned));
    say({
      type: 'ready',
      baseUrl: running.baseUrl,
      token: running.token,
      healthPath: running.healthPath,
      ...(running.serverArgs && { serverArgs: running.serverArgs }),
      ...(running.nginxConfig && { nginxConfig: running.nginxConfig }),
      ...(running.effectiveSettings && { effectiveSettings: running.effectiveSettings }),
      ...(running.apacheConfig && { apacheConfig: running.apacheConfig }),
      pids: running.processes.map((p) => p.pid),
      machine: { ...describeEnvironment(), software },
    });
    let told = false;
    watch = setInterval(() => {
      const exited = exitedServer(running);
      if (exited && !told) {
        told = true;
        say({ type: 'status', exited });
      }
    }, WATCH_MS);
    for (;;) {
      const next = await Promise.race([lines.next(), ended.then(() => undefined)]);
      if (!next || next.done) return 0;
      const command = JSON.parse(next.value) as AgentCommand;
      switch (command.cmd) {
        case 'sample-start':
          sampler?.stop();
          sampler = new ResourceSampler(() => sampledGroups(running), undefined, running.exitCpuLog);
          break;
        case 'sample-stop': {
          const resources = sampler?.stop() ?? NOTHING_SAMPLED;
          sampler = undefined;
          say({ type: 'resources', resources });
          break;
        }
        case 'status':
          say({ type: 'status', exited: exitedServer(running) ?? null });
          break;
        case 'heartbeat':
          break;
        case 'stop':
          await running.stop();
          deployment = undefined;
          say({ type: 'stopped' });
          return 0;
      }
    }
  } finally {
    clearTimeout(silence);
    if (watch) clearInterval(watch);
    sampler?.stop();
    await deployment?.stop();
    rmSync(tmpDir, { recursive: true, force: true });
    liveTempDirs.delete(tmpDir);
    stopListening();
  }
}
