import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessGroup, sleep, type SpawnPlan } from '../process/group.js';
import { findExecutable } from '../software/catalog.js';
import { staticFilesDir } from '../files/bench-paths.js';
import { freePort, LOOPBACK } from '../process/ports.js';
import { whoAnswers, type AcceptedAnswer } from '../process/readiness.js';
import { alwaysBehindNginx, type DeploymentSpec, type ServerKind } from './kind.js';
import { nginxPlan } from './nginx.js';
import { apachePlan } from './apache.js';
import { serverEnvironment } from '../process/server-env.js';
import { firstVersionFile, VERSION_FILE_VARIABLE } from './app-version.js';
import { healthPath, waitUntilReady, type ReadyOptions } from './ready.js';
import { listeningGroup, publicListeners } from '../process/listeners.js';
import { liveTempDirs } from '../process/registry.js';
import type { EffectiveSettings, Environment } from '../results/types.js';
import type { ResourceProvider } from '../process/sampler.js';
import type { ManagedProgram } from '../managers/managed-program.js';
import { programGroups, type ServerProcesses } from './server-group.js';
import { underSupervisord, type ManagedServer } from './under-supervisord.js';

/** What a deployment started on another machine (--server-host) adds to a RunningDeployment. */
export interface FarSide {
  /** The ssh destination, as the user named it ("user@host", or a Host of their ssh config). */
  destination: string;
  /** The address the deployment listens on there: load may go to it without --allow-remote. */
  host: string;
  /** How a far process ended, once the agent has said one did (undefined while all run). */
  exited(): string | undefined;
  /** CPU and memory of the far process tree, sampled by the agent there. */
  resources: ResourceProvider;
  /** The far machine, as its agent describes it (with the versions of the software the deployment uses). */
  machine: Environment;
}

export interface RunningDeployment {
  /** Base URL on loopback, e.g. http://127.0.0.1:43121 (nginx's port when nginx is in front); the far machine's with --server-host. */
  baseUrl: string;
  /** The random token the server echoes in /health (x-bench-token): undefined for an external server or a user's app. */
  token: string | undefined;
  /** Where liveness asks whether the deployment still answers (/health, the user's app's health path, an external server's `health:` or measured path). */
  healthPath: string;
  /** What answer at healthPath shows a server without a token is up; undefined: any 2xx. */
  healthAccepts?: AcceptedAnswer;
  /** Every process group bench started for the deployment: the server (or the manager running it) first, then nginx. */
  processes: ProcessGroup[];
  /** The process manager that runs the server (supervisord, pm2, forever), asked through its own tool. */
  managed?: ManagedProgram;
  /** The file the demo app reads the version it announces from as each process starts (app-version.ts), with a deploy fault. */
  versionFile?: string;
  /** The server's command line, program first, as started (before CPU pinning); absent for an external server. */
  serverArgs?: string[];
  /** The settings the server runs with, where its kind can tell (gunicorn --print-config). */
  effectiveSettings?: EffectiveSettings;
  /** The nginx.conf generated for the nginx in front, if any. */
  nginxConfig?: string;
  /** The httpd.conf generated for Apache, in front or hosting the app (apache-mod-wsgi), if any. */
  apacheConfig?: string;
  /**
   * An external server's process group, when the processes listening on its loopback port lead
   * one of their own (listeningGroup): sampled for CPU and memory, never signalled or stopped.
   */
  observedGroup?: number;
  /** A CGI deployment's log of its programs' CPU, written as each exits (see exit-cpu-log.ts). */
  exitCpuLog?: string;
  /** Started on another machine by `bench agent` (--server-host): `processes` then holds the ssh client only. */
  farSide?: FarSide;
  stop(): Promise<void>;
}

/** The process groups whose CPU and memory are the deployment's: those bench started, or the external server's it can see. */
export function sampledGroups(d: RunningDeployment): number[] {
  if (d.observedGroup !== undefined) return [d.observedGroup];
  return startedGroups(d);
}

/** The groups bench started, and under a manager the groups its programs lead (server-group.ts). */
function startedGroups(d: ServerProcesses): number[] {
  const own = d.processes.map((p) => p.pid);
  return d.managed && d.processes[0] ? [...own, ...programGroups(d.processes[0])] : own;
}

export interface LaunchOptions extends ReadyOptions {
  tmpDir: string;
  /** Variables bench passes to every server of the deployment on purpose (the private database's address), under the deployment's own `env:`. */
  env?: Record<string, string>;
  /** taskset CPU list every process of the deployment runs on (nginx included); undefined: any CPU. */
  cpus?: string;
  /** The address its processes listen on (default loopback): `bench agent`'s, where load from another machine arrives. */
  host?: string;
  /** The path the run measures first: where an external server without `health:` is asked whether it answers (default /). */
  measuredPath?: string;
}

const PORT_ATTEMPTS = 3;
const PORT_TAKEN = /address already in use|EADDRINUSE|connection in use/i;

/**
 * Starts a deployment on free loopback ports (the server, and nginx or Apache in front when asked) and
 * resolves once it is ready: /health answers through the outermost one and every worker of a pool
 * is up (ready.ts). A port taken between choosing and binding it is retried on another; anything
 * else fails with the processes' own last words.
 */
export async function launch(
  spec: DeploymentSpec,
  kind: ServerKind,
  label: string,
  options: LaunchOptions,
): Promise<RunningDeployment> {
  if (kind.launch === 'attach') return attach(spec, label, options);
  const behindNginx = spec.proxy === 'nginx' || alwaysBehindNginx(kind);
  // Known only to this server (its environment) and to bench: readiness and liveness require it
  // of the demo app. A user's app does not echo it, so a port squatter could pass for it there.
  const token = randomBytes(16).toString('hex');
  const expectedToken = spec.app ? undefined : token;
  const host = options.host ?? LOOPBACK;
  for (let attempt = 1; ; attempt++) {
    const processes: ProcessGroup[] = [];
    let ownFolders: string[] = [];
    let managed: ManagedServer | undefined;
    const stop = async () => {
      await Promise.all(processes.map((p) => p.stop()));
      managed?.stopped();
      for (const folder of ownFolders) {
        rmSync(folder, { recursive: true, force: true });
        liveTempDirs.delete(folder);
      }
    };
    try {
      const serverPort = await freePort();
      const kindPlan = await kind.plan(spec, { host, port: serverPort, tmpDir: options.tmpDir, behindNginx });
      ownFolders = kindPlan.ownFolders ?? [];
      const serverArgs = [kindPlan.command, ...kindPlan.args];
      let nginxConfig: string | undefined;
      let apacheConfig = kindPlan.apacheConfig;
      const onPurpose = { ...options.env, ...spec.env };
      // Only a deploy under load needs the app to say which version answered.
      const versionFile = spec.fault && 'deploy' in spec.fault ? firstVersionFile(options.tmpDir, serverPort) : undefined;
      const serverEnv = { ...onPurpose, BENCH_TOKEN: token, ...(versionFile && { [VERSION_FILE_VARIABLE]: versionFile }) };
      const plan = cleaned(pinned(kindPlan, options.cpus), serverEnv);
      const logPath = join(options.tmpDir, `${kind.name}-${serverPort}.log`);
      if (spec.manager === 'supervisord') {
        const ctx = { host, port: serverPort, tmpDir: options.tmpDir, behindNginx };
        managed = underSupervisord(kind, spec, kindPlan, ctx);
        // Pinned, supervisord's programs inherit its CPUs; its environment is the server's (children inherit it).
        const supervisor = cleaned(pinned(managed.program.spawnPlan(kindPlan.env), options.cpus), serverEnv);
        processes.push(managed.started(new ProcessGroup(`supervisord running ${label}`, supervisor, logPath)));
      } else {
        processes.push(new ProcessGroup(label, plan, logPath));
      }
      let port = serverPort;
      if (behindNginx) {
        port = await freePortOtherThan(serverPort);
        const nginx = nginxPlan({
          host,
          port,
          upstreamPort: serverPort,
          upstreamSocket: plan.socketPath,
          protocol: kind.upstream,
          cgiScript: plan.cgiScript,
          token,
          tmpDir: options.tmpDir,
          ...(spec.nginx && { settings: spec.nginx }),
          ...(spec.static === 'web-server' && { staticDir: staticFilesDir }),
          ...(Object.keys(onPurpose).length > 0 && { cgiEnv: onPurpose }),
        });
        nginxConfig = nginx.config;
        const front = cleaned(pinned(nginx, options.cpus), undefined);
        processes.push(new ProcessGroup(`nginx in front of ${label}`, front, join(options.tmpDir, `nginx-${port}.log`)));
      } else if (spec.proxy === 'apache') {
        // The kind listens on plain HTTP, as it would alone: Apache speaks mod_proxy_http to it.
        port = await freePortOtherThan(serverPort);
        const apache = await apachePlan({
          host,
          port,
          upstreamPort: serverPort,
          tmpDir: options.tmpDir,
          mpm: spec.mpm ?? 'event',
          ...(spec.static === 'web-server' && { staticDir: staticFilesDir }),
        });
        apacheConfig = apache.config;
        const front = cleaned(pinned(apache, options.cpus), undefined);
        processes.push(new ProcessGroup(`Apache in front of ${label}`, front, join(options.tmpDir, `apache-${port}.log`)));
      }
      const baseUrl = `http://${host}:${port}`;
      const server = { processes, ...(managed && { managed: managed.program }) };
      await waitUntilReady(baseUrl, kind, spec, server, expectedToken, options);
      await managed?.program.untilRunning(undefined, options.signal);
      // Servers bind loopback (or the one address asked for) only, whatever a user's app or its args: ask for.
      const exposed = publicListeners(startedGroups(server), host);
      if (exposed.length > 0) {
        throw new Error(
          `it listens beyond ${host === LOOPBACK ? 'loopback' : `loopback and ${host}`}, on ${exposed.join(', ')}; bench runs servers on ${host} only ` +
            '(an app must listen where $HOST says, and args: must not bind another address)',
        );
      }
      const effectiveSettings = await kind.effectiveSettings?.(cleaned(kindPlan, serverEnv), spec);
      return {
        baseUrl,
        token: expectedToken,
        healthPath: healthPath(spec),
        processes,
        ...(managed && { managed: managed.program }),
        stop,
        serverArgs,
        ...(effectiveSettings && { effectiveSettings }),
        ...(nginxConfig && { nginxConfig }),
        ...(apacheConfig && { apacheConfig }),
        ...(plan.exitCpuLog && { exitCpuLog: plan.exitCpuLog }),
        ...(kindPlan.manage && { managed: kindPlan.manage(processes[0]!) }),
        ...(versionFile && { versionFile }),
      };
    } catch (err) {
      // Under supervisord the server's own output is in supervisord's log of it: ask before stopping.
      const managerSaid = managed && processes[0]?.running ? await managed.program.lastWords() : '';
      await stop();
      const message = (err as Error).message + managerSaid;
      // The error quotes the last lines only; a long stack trace can push "address in use" above them.
      const portTaken = PORT_TAKEN.test(message) || processes.some((p) => p.printed(PORT_TAKEN));
      if (attempt < PORT_ATTEMPTS && portTaken) continue;
      throw new Error(`${label} did not start: ${message}`);
    }
  }
}

/**
 * Runs the plan under taskset, so that the process and everything it forks stay on `cpus`:
 * taskset sets the affinity and execs the command, so the pid (the group leader) is the server's.
 */
export function pinned<T extends SpawnPlan>(plan: T, cpus: string | undefined): T {
  const taskset = cpus ? findExecutable('taskset') : undefined;
  if (!taskset) return plan;
  return { ...plan, command: taskset, args: ['-c', cpus!, plan.command, ...plan.args] };
}

/** Every process of a deployment starts with the cleaned environment (server-env.ts), plus the deployment's own `env:`. */
function cleaned<T extends SpawnPlan>(plan: T, onPurpose: Record<string, string> | undefined): T {
  return { ...plan, env: serverEnvironment(plan.env ?? process.env, onPurpose) };
}

/** The server has not bound its port yet, so the next free port could be the same one. */
async function freePortOtherThan(taken: number): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port !== taken) return port;
  }
}

/**
 * An external server: nothing to start or stop. Its `health:` must answer 2xx; without one, it is
 * asked at the path the run measures, where any HTTP answer will do (a server need not know a
 * health route: a 404 in 3 ms is a server that is up). Liveness asks the same path the same way.
 */
async function attach(spec: DeploymentSpec, label: string, options: LaunchOptions): Promise<RunningDeployment> {
  const baseUrl = (spec.url ?? '').replace(/\/+$/, '');
  const healthPath = spec.health ?? options.measuredPath ?? '/';
  const healthAccepts: AcceptedAnswer = spec.health ? '2xx' : 'any';
  const deadline = Date.now() + options.readyTimeoutMs;
  while ((await whoAnswers(`${baseUrl}${healthPath}`, undefined, 1000, healthAccepts)) !== 'ours') {
    if (options.signal?.aborted) throw new Error('interrupted while starting');
    if (Date.now() >= deadline) {
      throw new Error(
        `${label} did not start: ` +
          (spec.health
            ? `${baseUrl}${healthPath} (its health:) did not answer 2xx within ${Math.round(options.readyTimeoutMs / 1000)} s; name a path that answers 2xx while the server is up, or remove health: to accept any answer at the measured path`
            : `nothing answered HTTP at ${baseUrl}${healthPath}`),
      );
    }
    await sleep(200, options.signal);
  }
  const url = new URL(baseUrl);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  const observedGroup = loopback ? listeningGroup(Number(url.port || (url.protocol === 'https:' ? 443 : 80))) : undefined;
  return {
    baseUrl,
    token: undefined,
    healthPath,
    healthAccepts,
    processes: [],
    ...(observedGroup !== undefined && { observedGroup }),
    stop: async () => {},
  };
}
