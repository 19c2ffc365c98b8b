import { spawn } from 'node:child_process';
import { EXIT, UsageError } from '../cli/errors.js';
import { buildPlan } from '../plan/build-plan.js';
import { isLoopback, LOOPBACK } from '../process/ports.js';
import { killAllNow, onStopSignals } from '../process/registry.js';
import { Progress } from '../run/progress.js';
import { loadScenario, parseScenario, type Scenario } from '../scenario/load.js';
import { serviceMs } from '../model/predict.js';
import { findExecutable } from '../software/catalog.js';
import { ENDPOINTS, kindOptions, LIMITS } from '../serve/choices.js';
import type { DeploymentChoice, LoadChoice, ServeOptions } from '../serve/protocol.js';
import { Recording } from '../serve/recording.js';
import { LIVE_WINDOW_S, LiveSession, TICK_MS } from '../serve/session.js';
import { ServeServer } from '../serve/server.js';

export interface ServeFlags {
  port?: number;
  host?: string;
  open?: boolean;
  record?: string;
  force?: boolean;
}

/** What the page starts with when no scenario is named: the first lesson, one blocking worker. */
const WORKSHOP_START = `
name: serve
description: a live session of bench serve
path: /io?ms=50
duration: 1
concurrency: [1]
deployments: [node-blocking]
`;

/**
 * options → session → page server → wait for Ctrl-C or SIGHUP → tear down. The scenario only
 * presets the page (its first deployment, path and load); the instructor changes everything live.
 */
export async function serveCommand(scenarioName: string | undefined, flags: ServeFlags): Promise<number> {
  const scenario = scenarioName === undefined ? parseScenario(WORKSHOP_START, '(bench serve)') : loadScenario(scenarioName);
  if (scenario.app) throw new UsageError(`${scenario.file}: app: bench serve shows bench's demo app only; use bench run for your own app`);
  if (scenario.database) throw new UsageError(`${scenario.file}: database: bench serve starts no database (its /db would answer 503); use bench run for this scenario`);
  if (scenario.serverHost) throw new UsageError(`${scenario.file}: serverHost: bench serve starts its deployments on this machine only; use bench run --server-host for another one`);
  const host = flags.host ?? LOOPBACK;
  const plan = buildPlan({ ...scenario, name: scenarioName === undefined ? 'serve' : `serve-${scenario.name}` }, {
    ...(flags.record !== undefined && { out: flags.record }),
    ...(flags.force && { force: true }),
    placement: 'shared',
  });
  const progress = new Progress();
  const recording = new Recording(plan, flags.record, flags.force ?? false);
  const initial = initialChoices(scenario, plan.deployments[0]?.spec);
  const server = new ServeServer(async (): Promise<ServeOptions> => ({
    kinds: await kindOptions(),
    endpoints: ENDPOINTS,
    limits: LIMITS,
    liveWindowS: LIVE_WINDOW_S,
    tickMs: TICK_MS,
    initial,
  }));
  let shown = '';
  const session = new LiveSession(
    {
      state: (state) => {
        server.state(state);
        const d = state.deployment;
        const line = d.status === 'failed' ? `${d.label}: FAILED: ${d.message}` : d.status === 'ready' ? `${d.label}: ready` : '';
        if (line && line !== shown) progress.say(line);
        shown = line;
      },
      tick: (tick) => server.tick(tick),
      change: (change) => {
        server.change(change);
        progress.say(`${change.t.toFixed(1)} s: ${change.text}`);
      },
    },
    recording,
  );
  server.attach(session);
  let port: number;
  try {
    port = await server.listen(host, flags.port ?? 0);
  } catch (err) {
    await session.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EADDRINUSE' ? `--port ${flags.port}: the port is taken; choose another or leave --port out for a free one` : `--host ${host}: ${(err as Error).message}`);
  }
  if (!isLoopback(host)) {
    progress.say(
      `WARNING: --host ${host}: the page is reachable from other machines. Anyone with the URL below can start servers and load on this machine; share it with the room on purpose only.`,
    );
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/?token=${server.token}`;
  process.stdout.write(`bench serve: open ${url}\n`);
  progress.say(`Ctrl-C stops the servers and the page${flags.record ? `; the session is recorded in ${recording.recordingTo}` : ''}.`);
  if (flags.open) openBrowser(url, progress);

  let stopping = false;
  const signal = await new Promise<NodeJS.Signals>((resolve) =>
    onStopSignals((received) => {
      // A second Ctrl-C: no more waiting for a graceful teardown.
      if (stopping) {
        killAllNow();
        process.exit(EXIT.interrupted);
      }
      stopping = true;
      resolve(received);
    }),
  );
  progress.say(`\n${signal}: stopping the servers`);
  await session.close();
  if (flags.record) progress.say(`recorded the session in ${await recording.save()}`);
  await server.close();
  return EXIT.interrupted;
}

/** The page's first settings: the scenario's first deployment, its path and its first level. */
function initialChoices(scenario: Scenario, spec: { kind: string; workers: number; threads?: number; proxy: string } | undefined): ServeOptions['initial'] {
  const path = [scenario.path ?? '/io?ms=50'].flat()[0]!;
  const endpoint = ENDPOINTS.find((e) => `/${e.name}` === new URL(path, 'http://localhost').pathname) ?? ENDPOINTS[0]!;
  const deployment: DeploymentChoice = spec
    ? { kind: spec.kind, workers: spec.workers, ...(spec.threads !== undefined && { threads: spec.threads }), nginx: spec.proxy === 'nginx' }
    : { kind: 'node-blocking', nginx: false };
  const load: LoadChoice = {
    endpoint: endpoint.name,
    ms: serviceMs(path) ?? endpoint.defaultMs ?? 0,
    mode: scenario.rate ? 'open' : 'closed',
    clients: Math.min(scenario.concurrency?.[0] ?? 8, LIMITS.maxClients),
    rate: Math.min(scenario.rate?.[0] ?? 20, LIMITS.maxRate),
    slowClients: 0,
  };
  return { deployment, load };
}

/** --open: the desktop's browser, where there is one; a machine without one only says so. */
function openBrowser(url: string, progress: Progress): void {
  const opener = findExecutable('xdg-open') ?? findExecutable('open');
  if (!opener || (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)) {
    progress.say('--open: no desktop browser here; open the URL above yourself');
    return;
  }
  spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => progress.say('--open: the browser did not start; open the URL above yourself')).unref();
}
