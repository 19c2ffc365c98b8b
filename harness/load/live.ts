import { spawn, type ChildProcess } from 'node:child_process';
import { liveEngineEntry } from '../files/bench-paths.js';
import { guardChild } from '../process/registry.js';
import type { LiveCommand, LiveReport } from './builtin/live-child.js';
import type { LiveFiguresWindow } from './builtin/live-tap.js';
import type { EngineLoad, EngineMeasurement } from './engine.js';

export type { LiveFiguresWindow } from './builtin/live-tap.js';

export interface LiveLoadOptions {
  /** The figures cover this many seconds, and come this often. */
  windowS: number;
  figuresEveryMs: number;
  /** After a change, the next window opens this much later: the queue of the old setting drains first. */
  settleS: number;
}

/**
 * Load that runs until stopped and changes while it runs (`bench serve`), in a process of its own
 * (builtin/live-child.ts) like every point of `bench run`. Each setting it held comes back as an
 * ordinary window measurement, which the run pipeline turns into a row.
 */
export class LiveLoad {
  /** The latest figures, a few times a second; undefined until the first. */
  figures: LiveFiguresWindow | undefined;
  private readonly child: ChildProcess;
  private readonly waiting: ((m: EngineMeasurement | undefined) => void)[] = [];
  private failure: string | undefined;
  private stopped: Promise<EngineMeasurement | undefined> | undefined;

  constructor(
    load: EngineLoad,
    private readonly options: LiveLoadOptions,
  ) {
    this.child = spawn(process.execPath, [liveEngineEntry], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], detached: true });
    guardChild(this.child);
    let stderr = '';
    this.child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    this.child.on('message', (report: LiveReport) => {
      if (report.type === 'figures') this.figures = report.figures;
      else if (report.type === 'segment') this.waiting.shift()?.(report.measurement);
      else this.failure = report.message;
    });
    this.child.on('close', (code, signal) => {
      this.failure ??= `the load generator exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`;
      for (const resolve of this.waiting.splice(0)) resolve(undefined);
    });
    this.command({ type: 'start', load, ...options });
  }

  /** Why the generator stopped on its own, if it did. */
  get failed(): string | undefined {
    return this.child.exitCode !== null || this.child.signalCode !== null ? this.failure : undefined;
  }

  /** Changes the load; resolves to the window of the setting it replaces (undefined if the generator is gone). */
  retarget(load: EngineLoad): Promise<EngineMeasurement | undefined> {
    return this.expectSegment({ type: 'retarget', load, settleS: this.options.settleS });
  }

  /** The window so far, closed; the next one opens at once. */
  cut(): Promise<EngineMeasurement | undefined> {
    return this.expectSegment({ type: 'cut', settleS: 0 });
  }

  /** Stops the load; resolves to its last window once the process has exited. */
  stop(): Promise<EngineMeasurement | undefined> {
    this.stopped ??= (async () => {
      const last = this.expectSegment({ type: 'stop' });
      const exited = new Promise((done) => (this.child.exitCode !== null || this.child.signalCode !== null ? done(undefined) : this.child.once('exit', done)));
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      const measurement = await last;
      await exited;
      clearTimeout(timer);
      return measurement;
    })();
    return this.stopped;
  }

  private expectSegment(command: LiveCommand): Promise<EngineMeasurement | undefined> {
    if (!this.child.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.command(command);
    });
  }

  private command(command: LiveCommand): void {
    if (this.child.connected) this.child.send(command);
  }
}
