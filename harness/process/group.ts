import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { groupMembers, hasProcfs } from './procfs.js';
import { liveGroups } from './registry.js';

export interface SpawnPlan {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user and group instead of bench's own (a server that refuses root, when bench is root). */
  uid?: number;
  gid?: number;
  /** The signal that asks the leader to stop before SIGKILL, when it is not SIGTERM. */
  stopSignal?: NodeJS.Signals;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_BYTES = 4096;

/**
 * A child process started as the leader of its own process group, so that everything it forks
 * (cluster workers, gunicorn workers, nginx workers) can be signalled at once with kill(-pid).
 * Output goes to a log file and a short in-memory tail used in error messages.
 */
export class ProcessGroup {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private tailText = '';
  private readonly log: WriteStream;
  /** What asks the leader to stop, before SIGKILL. */
  readonly stopSignal: NodeJS.Signals;
  /** With `talks`: the pipes bench speaks a protocol over (stdout then stays out of the log and the tail). */
  readonly conversation: { stdin: Writable; stdout: Readable } | undefined;

  constructor(
    readonly name: string,
    plan: SpawnPlan,
    logPath: string,
    talks = false,
  ) {
    this.log = createWriteStream(logPath, { flags: 'a' });
    this.stopSignal = plan.stopSignal ?? 'SIGTERM';
    // Argument arrays only: scenario values never pass through a shell.
    const child: ChildProcess = spawn(plan.command, plan.args, {
      cwd: plan.cwd,
      env: plan.env ?? process.env,
      ...(plan.uid !== undefined && { uid: plan.uid }),
      ...(plan.gid !== undefined && { gid: plan.gid }),
      detached: true, // setsid(): a new process group led by the child
      stdio: [talks ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    this.conversation = talks ? { stdin: child.stdin!, stdout: child.stdout! } : undefined;
    // A peer that has gone makes writes fail with EPIPE: its exit says so, not an uncaught error.
    child.stdin?.on('error', () => {});
    this.exited = new Promise<Exit>((resolve) => {
      child.once('error', (err) => {
        this.appendTail(`spawn ${plan.command} failed: ${err.message}\n`);
        this.exit = { code: 127, signal: null };
        liveGroups.delete(this);
        resolve(this.exit);
      });
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    // Closing the log only after both pipes end keeps the last lines a crash printed.
    const logged = talks ? [child.stderr] : [child.stdout, child.stderr];
    let open = logged.length;
    const onEnd = () => {
      if (--open === 0) this.log.end();
    };
    for (const stream of logged) {
      stream?.on('data', (chunk: Buffer) => {
        this.log.write(chunk);
        this.appendTail(chunk.toString('utf8'));
      });
      stream?.on('end', onEnd);
    }
    this.pid = child.pid ?? -1;
    if (this.pid > 0) liveGroups.add(this);
  }

  get running(): boolean {
    return this.exit === undefined && this.pid > 0;
  }

  get exitStatus(): Exit | undefined {
    return this.exit;
  }

  /** How the leader ended, with its last words: "gunicorn-sync ×4 was killed by SIGKILL{when}; its last output: …". */
  describeExit(when = ''): string {
    const status = this.exit;
    const how = status?.signal ? `was killed by ${status.signal}` : `exited with code ${status?.code}`;
    return `${this.name} ${how}${when}${this.lastWords()}`;
  }

  /** "; its last output:" and the last lines it printed, indented; empty when it printed nothing. */
  lastWords(): string {
    const tail = this.tail(6);
    return tail ? `; its last output:\n${tail.replace(/^/gm, '    ')}` : '';
  }

  /** Whether the last few kB the process printed match `pattern`. */
  printed(pattern: RegExp): boolean {
    return pattern.test(this.tailText);
  }

  /** The last lines the process printed, for error messages. */
  tail(lines = 8): string {
    return this.tailText.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Sends a signal to the whole group; false when the group is already gone. */
  signal(sig: NodeJS.Signals | 0): boolean {
    if (this.pid <= 0) return false;
    try {
      process.kill(-this.pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * SIGTERM (or the plan's stop signal) to the group, a bounded grace period, then SIGKILL.
   * Resolves when the leader has exited and the group is empty (workers can outlive their master
   * by a moment).
   */
  async stop(graceMs = 3000): Promise<void> {
    if (this.pid <= 0) return;
    this.signal(this.stopSignal);
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.groupAlive()) await sleep(25);
    if (this.groupAlive()) {
      this.signal('SIGKILL');
      const hardDeadline = Date.now() + 2000;
      while (Date.now() < hardDeadline && this.groupAlive()) await sleep(25);
    }
    await Promise.race([this.exited, sleep(500)]);
    liveGroups.delete(this);
  }

  /** Whether any member of the group is still alive (see groupMembers on zombies). */
  private groupAlive(): boolean {
    if (!hasProcfs) return this.signal(0);
    return groupMembers(this.pid).length > 0;
  }

  private appendTail(text: string): void {
    this.tailText = (this.tailText + text).slice(-TAIL_BYTES);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
