import { appendFileSync, closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup, sleep } from '../../process/group.js';
import { freePort, LOOPBACK } from '../../process/ports.js';
import { liveTempDirs } from '../../process/registry.js';
import { groupMembers } from '../../process/procfs.js';
import { findExecutable } from '../../software/catalog.js';
import { locustfile } from '../../files/bench-paths.js';
import type { LogLine } from './window.js';

/** Where a Locust master listens for its workers: loopback and a free port, unless --locust-master-bind says otherwise. */
export interface LocustSettings {
  /** Local worker processes (default: one per core). */
  workers: number;
  /** HOST:PORT the master binds, for workers on other machines; undefined: 127.0.0.1 and a free port. */
  masterBind?: { host: string; port: number };
  /** Workers joining from other machines (bench locust-worker), which the master waits for too. */
  remoteWorkers?: number;
}

/** Each point waits this long for the expected workers to be connected. */
export const WORKERS_WAIT_S = 30;
/** Starting the users (Locust waits up to 1 s for the workers to report them) and stopping the last point's. */
const SPAWN_SLACK_S = 10;

/** What one point sends: how many users, and the config every worker gets before they start. */
export interface PointCommand {
  users: number;
  config: { host: string; requests: unknown[]; perUserRps: number | null; warmupS: number; durationS: number; timeoutS: number };
}

/** What a point tells its engine as it goes: still waiting for workers (seconds left to wait), the users starting, the window opening. */
export interface PointHooks {
  waiting(secondsLeft: number): void;
  starting(): void;
  windowOpened(): void;
}

/** A window the master kept: its records from the command on, and this machine's workers' CPU ticks at its edges. */
export interface KeptWindow {
  id: number;
  lines: LogLine[];
  ticks: { open: { at: number; ticks: number }; close: { at: number; ticks: number } };
}

/**
 * A Locust master and its workers for a whole run: started at the first point, told each point's
 * config and users through a control file, and ended with the run, when the master tells every
 * worker (here and elsewhere) to leave. Workers stay connected from one point to the next.
 */
export class LocustCluster {
  private started: Promise<void> | undefined;
  private failure: Error | undefined;
  private dir = '';
  private master: ProcessGroup | undefined;
  private readonly local: ProcessGroup[] = [];
  private bind: { host: string; port: number } | undefined;
  private readOffset = 0;
  private partial = '';
  private connected: string[] = [];
  private nextId = 1;

  constructor(readonly settings: LocustSettings) {}

  get expected(): number {
    return this.settings.workers + (this.settings.remoteWorkers ?? 0);
  }

  /** Runs one point: waits for the expected workers, sends the command, and keeps the master's record until the window closed. */
  async point(command: PointCommand, cpus: string | undefined, hooks: PointHooks, signal?: AbortSignal): Promise<KeptWindow | undefined> {
    if (this.failure) throw this.failure;
    this.started ??= this.start(cpus);
    try {
      await this.started;
      await this.awaitWorkers(hooks, signal);
      if (signal?.aborted) return undefined;
      hooks.starting();
      return await this.runPoint(command, hooks, signal);
    } catch (err) {
      // A master that died fails every later point at once, for the same reason; missing workers
      // are waited for again at the next deployment, in case someone started them meanwhile.
      if (!signal?.aborted && !this.master?.running) this.failure = err as Error;
      throw err;
    }
  }

  /** Tells the master to send its workers away and exit; then stops whatever is left. */
  async close(): Promise<void> {
    if (!this.started) return;
    if (this.master?.running) {
      appendFileSync(join(this.dir, 'control.jsonl'), JSON.stringify({ type: 'quit' }) + '\n');
      await Promise.race([this.master.exited, sleep(5000)]);
    }
    await Promise.all([this.master, ...this.local].map((g) => g?.stop()));
    rmSync(this.dir, { recursive: true, force: true });
    liveTempDirs.delete(this.dir);
  }

  private async start(cpus: string | undefined): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'bench-locust-'));
    liveTempDirs.add(this.dir);
    const log = join(this.dir, 'reports.jsonl');
    const control = join(this.dir, 'control.jsonl');
    writeFileSync(log, '');
    writeFileSync(control, '');
    const locust = findExecutable('locust')!;
    this.bind = this.settings.masterBind ?? { host: LOOPBACK, port: await freePort() };
    const common = ['-f', locustfile, '--loglevel', 'WARNING'];
    // Headless with no users and no workers to wait for: the locustfile starts each point on bench's command.
    this.master = new ProcessGroup(
      'locust master',
      {
        command: locust,
        args: [...common, '--headless', '--master', '--master-bind-host', this.bind.host, '--master-bind-port', String(this.bind.port), '--expect-workers', '0', '--users', '0', '--spawn-rate', '1', '--only-summary'],
        env: { ...process.env, BENCH_LOCUST_LOG: log, BENCH_LOCUST_CONTROL: control },
      },
      join(this.dir, 'master.log'),
    );
    const workerHost = this.bind.host === '0.0.0.0' || this.bind.host === '::' ? LOOPBACK : this.bind.host;
    const taskset = cpus ? findExecutable('taskset') : undefined;
    for (let i = 0; i < this.settings.workers; i++) {
      const args = [...common, '--worker', '--master-host', workerHost, '--master-port', String(this.bind.port)];
      this.local.push(
        new ProcessGroup(`locust worker ${i + 1}`, taskset ? { command: taskset, args: ['-c', cpus!, locust, ...args] } : { command: locust, args }, join(this.dir, `worker-${i + 1}.log`)),
      );
    }
  }

  /** New whole lines of the master's record since the last read (the master may be halfway through one). */
  private read(): LogLine[] {
    const fd = openSync(join(this.dir, 'reports.jsonl'), 'r');
    let text = this.partial;
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, this.readOffset)) > 0; ) {
        this.readOffset += n;
        text += chunk.toString('utf8', 0, n);
      }
    } finally {
      closeSync(fd);
    }
    const end = text.lastIndexOf('\n') + 1;
    this.partial = text.slice(end);
    const lines = text
      .slice(0, end)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine);
    for (const l of lines) if (l.type === 'workers') this.connected = l.ids;
    return lines;
  }

  private async awaitWorkers(hooks: PointHooks, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + WORKERS_WAIT_S * 1000;
    for (;;) {
      this.read();
      if (this.connected.length >= this.expected || signal?.aborted) return;
      this.checkMaster();
      if (performance.now() > deadline) throw new Error(this.missingWorkers());
      hooks.waiting((deadline - performance.now()) / 1000);
      await sleep(100, signal);
    }
  }

  private missingWorkers(): string {
    const local = this.local.filter((w) => !w.running);
    const remote = this.settings.remoteWorkers ?? 0;
    return (
      `only ${this.connected.length} of the ${this.expected} Locust workers were connected to the master at ${this.bind!.host}:${this.bind!.port} after ${WORKERS_WAIT_S} s` +
      (remote > 0 ? `; start the ${remote} on other machines with: bench locust-worker --master ${this.bind!.host}:${this.bind!.port} (it must reach that address)` : '') +
      local.map((w) => `; ${w.describeExit()}`).join('')
    );
  }

  private checkMaster(): void {
    if (!this.master!.running) throw new Error(`Locust stopped (${this.master!.describeExit()})`);
  }

  private async runPoint(command: PointCommand, hooks: PointHooks, signal?: AbortSignal): Promise<KeptWindow | undefined> {
    const id = this.nextId++;
    const lines = this.read();
    appendFileSync(join(this.dir, 'control.jsonl'), JSON.stringify({ type: 'point', id, expect: this.expected, ...command }) + '\n');
    const { warmupS, durationS, timeoutS } = command.config;
    const deadline = performance.now() + (SPAWN_SLACK_S + warmupS + durationS + timeoutS) * 1000;
    let open: { at: number; ticks: number } | undefined;
    for (;;) {
      const seen = this.read();
      lines.push(...seen);
      if (!open && seen.some((l) => l.type === 'open' && l.id === id)) {
        open = { at: performance.now(), ticks: this.ticks() };
        hooks.windowOpened();
      }
      if (open && seen.some((l) => l.type === 'close' && l.id === id)) {
        return { id, lines, ticks: { open, close: { at: performance.now(), ticks: this.ticks() } } };
      }
      if (signal?.aborted) return undefined;
      this.checkMaster();
      if (performance.now() > deadline) throw new Error(`Locust did not finish its window in time: ${this.master!.tail()}`);
      await sleep(100, signal);
    }
  }

  /** CPU ticks of every process in this machine's worker groups. */
  private ticks(): number {
    return this.local.reduce((sum, w) => sum + groupMembers(w.pid).reduce((n, p) => n + p.cpuTicks, 0), 0);
  }
}

/** The clusters of runs under way, by their settings: each point of a run finds its run's. */
const open = new Map<LocustSettings, LocustCluster>();

/**
 * Runs work with one Locust cluster for all its points, when the run's generator is Locust, and
 * sends its workers away afterwards, however work ends.
 */
export async function withLocustCluster<T>(settings: LocustSettings | undefined, work: () => Promise<T>): Promise<T> {
  if (!settings) return work();
  const cluster = new LocustCluster(settings);
  open.set(settings, cluster);
  try {
    return await work();
  } finally {
    open.delete(settings);
    await cluster.close();
  }
}

/** The run's cluster for these settings, or one for this point alone (closed by the caller). */
export function clusterFor(settings: LocustSettings): { cluster: LocustCluster; own: boolean } {
  const running = open.get(settings);
  return running ? { cluster: running, own: false } : { cluster: new LocustCluster(settings), own: true };
}
