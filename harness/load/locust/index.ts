import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup, sleep } from '../../process/group.js';
import { freePort, LOOPBACK } from '../../process/ports.js';
import { liveTempDirs } from '../../process/registry.js';
import { groupMembers, hasProcfs } from '../../process/procfs.js';
import { systemUnits } from '../../process/sampler.js';
import { findExecutable } from '../../software.js';
import type { EngineLoad, EngineMeasurement, LoadEngine } from '../engine.js';
import { LatencyHistogram } from '../histogram.js';
import { progressTicker } from '../progress.js';
import { locustfile } from '../../paths.js';

/** Where a Locust master listens for its workers: loopback and a free port, unless --locust-master-bind says otherwise. */
export interface LocustSettings {
  /** Local worker processes (default: one per core). */
  workers: number;
  /** HOST:PORT the master binds, for workers on other machines; undefined: 127.0.0.1 and a free port. */
  masterBind?: { host: string; port: number };
  /** Workers joining from other machines (bench locust-worker), which the master waits for too. */
  remoteWorkers?: number;
}

/** The master waits this long for its workers to join. */
const WORKERS_WAIT_S = 30;

interface Report {
  type: 'report';
  t: number;
  worker: string;
  requests: number;
  failures: number;
  responseTimes: Record<string, number>;
  /** The same for each request of the mix, by its name. */
  byName?: Record<string, { requests: number; failures: number; responseTimes: Record<string, number> }>;
}
type LogLine = Report | { type: 'open'; t: number } | { type: 'close'; t: number; cpuPercent: number; workers: number };

export const defaultLocustWorkers = () => cpus().length;

/**
 * Locust (Debian's python3-locust) as a load engine: a master and N workers on this machine (or
 * more workers joining from other machines), FastHttpUser users sending the scenario's requests.
 * The figures are Locust's own: its workers' periodic statistics reports, which the master writes
 * down as they arrive (bench_locustfile.py), cut to the window at report times.
 */
export function locustEngine(settings: LocustSettings): LoadEngine {
  return {
    name: 'locust',
    unavailable: () => (findExecutable('locust') ? undefined : 'Locust is not installed; install it with: sudo apt-get install python3-locust (or bench install-servers)'),
    run: (load, events, signal) => runLocust(load, settings, events.onWindowOpen, progressTicker(load, events.onProgress), signal),
  };
}

async function runLocust(load: EngineLoad, settings: LocustSettings, onWindowOpen: (() => void) | undefined, stopTicking: () => void, signal?: AbortSignal): Promise<EngineMeasurement> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-locust-'));
  liveTempDirs.add(dir);
  const groups: ProcessGroup[] = [];
  try {
    const { users, perUserRps } = usersFor(load);
    const config = join(dir, 'config.json');
    const log = join(dir, 'reports.jsonl');
    writeFileSync(config, JSON.stringify(configFor(load, perUserRps)));
    writeFileSync(log, '');
    const locust = findExecutable('locust')!;
    const bind = settings.masterBind ?? { host: LOOPBACK, port: await freePort() };
    const env = { ...process.env, BENCH_LOCUST_CONFIG: config, BENCH_LOCUST_LOG: log };
    const workerEnv = process.env;
    const common = ['-f', locustfile, '--loglevel', 'WARNING'];
    const master = new ProcessGroup(
      'locust master',
      {
        command: locust,
        args: [
          ...common, '--headless', '--master', '--master-bind-host', bind.host, '--master-bind-port', String(bind.port),
          '--expect-workers', String(settings.workers + (settings.remoteWorkers ?? 0)), '--expect-workers-max-wait', String(WORKERS_WAIT_S),
          '--users', String(users), '--spawn-rate', String(users), '--only-summary', '--host', new URL(load.url).origin,
        ],
        env,
      },
      join(dir, 'master.log'),
    );
    groups.push(master);
    const workerHost = bind.host === '0.0.0.0' || bind.host === '::' ? LOOPBACK : bind.host;
    for (let i = 0; i < settings.workers; i++) {
      const args = [...common, '--worker', '--master-host', workerHost, '--master-port', String(bind.port)];
      const taskset = load.cpus ? findExecutable('taskset') : undefined;
      groups.push(new ProcessGroup(`locust worker ${i + 1}`, taskset ? { command: taskset, args: ['-c', load.cpus!, locust, ...args], env: workerEnv } : { command: locust, args, env: workerEnv }, join(dir, `worker-${i + 1}.log`)));
    }
    const deadline = performance.now() + (WORKERS_WAIT_S + load.warmupS + load.durationS + load.timeoutS) * 1000;
    const workers = groups.slice(1);
    let opened: { at: number; ticks: number } | undefined;
    let closed: { at: number; ticks: number } | undefined;
    for (;;) {
      const seen = readLog(log);
      if (!opened && seen.some((l) => l.type === 'open')) {
        opened = { at: performance.now(), ticks: cpuTicks(workers) };
        onWindowOpen?.();
      }
      if (opened && !closed && seen.some((l) => l.type === 'close')) closed = { at: performance.now(), ticks: cpuTicks(workers) };
      if (!master.running || signal?.aborted) break;
      if (performance.now() > deadline) throw new Error('Locust did not finish its window in time: ' + master.tail());
      await sleep(100);
    }
    const lines = readLog(log);
    if (!signal?.aborted && !lines.some((l) => l.type === 'close')) {
      throw new Error(`Locust stopped before its window closed (${master.describeExit()}): ${master.tail() || groups.map((g) => g.tail()).join(' ')}`);
    }
    // The local workers' CPU from /proc over the window (seen within 100 ms of its edges); Locust's
    // own figure (psutil, sampled every few seconds) only where workers run elsewhere.
    const measuredCpu =
      hasProcfs && opened && closed && !settings.remoteWorkers
        ? { percent: ((closed.ticks - opened.ticks) / systemUnits().ticksPerSecond / Math.max((closed.at - opened.at) / 1000, 1e-3)) * 100, processes: workers.length }
        : undefined;
    return measurement(lines, load, measuredCpu);
  } finally {
    stopTicking();
    await Promise.all(groups.map((g) => g.stop()));
    rmSync(dir, { recursive: true, force: true });
    liveTempDirs.delete(dir);
  }
}

/**
 * Closed loop: one user per client, each sending as soon as its answer came. Open loop: users that
 * each keep 1 req/s (constant_throughput), as many as the rate, up to the connection cap: a user
 * still waiting for an answer sends late, so Locust's open loop holds only while answers take less
 * than a second (with the cap reached, each user's share grows and that time shrinks).
 */
function usersFor(load: EngineLoad): { users: number; perUserRps: number | null } {
  if ('concurrency' in load) return { users: load.concurrency, perUserRps: null };
  const users = Math.max(1, Math.min(load.maxConnections, Math.ceil(load.offeredRps)));
  return { users, perUserRps: load.offeredRps / users };
}

function configFor(load: EngineLoad, perUserRps: number | null) {
  const url = new URL(load.url);
  const requests = load.requests
    ? load.requests.map((r) => ({ ...r, name: `${r.method} ${r.path}` }))
    : [{ method: 'GET', path: url.pathname + url.search, headers: {}, weight: 1, name: url.pathname + url.search }];
  return { requests, perUserRps, warmupS: load.warmupS, durationS: load.durationS, timeoutS: load.timeoutS };
}

/** CPU ticks of every process in the workers' groups. */
function cpuTicks(workers: ProcessGroup[]): number {
  return workers.reduce((sum, w) => sum + groupMembers(w.pid).reduce((n, p) => n + p.cpuTicks, 0), 0);
}

function readLog(file: string): LogLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return []; // a line being written
      }
    });
}

/**
 * The window from the master's record: for each worker, the reports it received inside the window
 * hold exactly the requests between the report before the window and the last one inside it, so
 * each worker's rate is its count over that span, and the run's is their sum.
 */
function measurement(lines: LogLine[], load: EngineLoad, measuredCpu: { percent: number; processes: number } | undefined): EngineMeasurement {
  const open = lines.find((l) => l.type === 'open')?.t;
  const close = lines.find((l): l is Extract<LogLine, { type: 'close' }> => l.type === 'close');
  const reports = lines.filter((l): l is Report => l.type === 'report');
  const latencies = new LatencyHistogram();
  // With a mix, each request apart: its successes and latencies, over the same reports as the run's.
  const byRequest = (load.requests ?? []).map((r) => ({ name: `${r.method} ${r.path}`, weight: r.weight, ok: 0, latencies: new LatencyHistogram() }));
  const seconds: { ok: number; failed: number; latency: LatencyHistogram }[] = [];
  let ok = 0;
  let failures = 0;
  let rate = 0;
  if (open !== undefined && close) {
    for (const worker of new Set(reports.map((r) => r.worker))) {
      const own = reports.filter((r) => r.worker === worker).sort((a, b) => a.t - b.t);
      const inside = own.filter((r) => r.t > open && r.t <= close.t);
      const before = own.filter((r) => r.t <= open).at(-1);
      if (inside.length === 0 || !before) continue;
      const count = inside.reduce((n, r) => n + r.requests - r.failures, 0);
      rate += count / (inside.at(-1)!.t - before.t);
      ok += count;
      for (const request of byRequest) {
        const own = inside.map((r) => r.byName?.[request.name]).filter((x) => x !== undefined);
        const succeeded = own.reduce((n, x) => n + x.requests - x.failures, 0);
        request.ok += succeeded;
        for (const x of own) for (const [ms, n] of Object.entries(x.responseTimes)) request.latencies.recordMs(Number(ms), n);
      }
      for (const r of inside) {
        failures += r.failures;
        const index = Math.min(Math.floor(r.t - open), Math.ceil(load.durationS) - 1);
        while (seconds.length <= index) seconds.push({ ok: 0, failed: 0, latency: new LatencyHistogram(2) });
        const second = seconds[index]!;
        second.ok += r.requests - r.failures;
        second.failed += r.failures;
        for (const [ms, n] of Object.entries(r.responseTimes)) {
          latencies.recordMs(Number(ms), n);
          second.latency.recordMs(Number(ms), n);
        }
      }
    }
  }
  const lengthS = rate > 0 ? ok / rate : load.durationS;
  return {
    lengthS,
    ok,
    non2xx: 0,
    errors: failures,
    timeouts: 0,
    refused: 0,
    histogram: latencies.encode(),
    errorHistogram: new LatencyHistogram().encode(),
    timeline: seconds.map((s, t) => ({ t, rps: s.ok, p50Ms: s.latency.percentileMs(50), p99Ms: s.latency.percentileMs(99), errors: s.failed, non2xx: 0 })),
    cpuPercent: Math.round((measuredCpu?.percent ?? close?.cpuPercent ?? 0) * 10) / 10,
    generatorProcesses: measuredCpu?.processes ?? close?.workers ?? 1,
    sent: ok + failures,
    eventLoopDelayMs: null,
    ...(byRequest.length > 0 && { byRequest: byRequest.map((r) => ({ name: r.name, weight: r.weight, ok: r.ok, histogram: r.latencies.encode() })) }),
  };
}
