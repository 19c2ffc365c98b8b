import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, type SpawnPlan } from '../process/group.js';
import { childrenOf, isLiving } from '../process/procfs.js';
import { findExecutable } from '../software/catalog.js';
import { MANAGER_POLL_MS, type DeployAction, type ManagedProgram, type ManagerAccount, type ManagerStep } from './managed-program.js';
import { BENCH_TIMING, supervisordConf, type ProgramBlock, type SupervisordFiles } from './supervisord-conf.js';

/** The server's command as its kind plans it: what the `[program:]` block runs. */
export interface ProgramCommand {
  command: string[];
  cwd?: string;
  /** The signal that stops it gracefully (SIGTERM unless the kind says otherwise). */
  stopSignal?: NodeJS.Signals;
}

export interface SupervisordSetup {
  /** The program's name in the conf and in supervisorctl (the kind's name). */
  name: string;
  /** The folder bench makes supervisord's own in (the run's private folder). */
  parentDir: string;
  program: ProgramCommand;
  /** The server planned again with one more worker, for `deploy('update')`. */
  replan?: () => Promise<ProgramCommand>;
}

/** How long a deploy may take before bench gives up on it. */
const DEPLOY_TIMEOUT_MS = 30_000;


/**
 * A real supervisord running one server: bench starts `supervisord -n -c conf` as the process group
 * it tears down (spawnPlan), and learns the program's state from `supervisorctl status` on the
 * private socket, never from the process table.
 */
export class Supervisord implements ManagedProgram {
  readonly manager = 'supervisord' as const;
  readonly files: SupervisordFiles;
  readonly config: { name: string; text: string };
  private program: ProgramCommand;

  constructor(private readonly setup: SupervisordSetup) {
    const dir = mkdtempSync(join(setup.parentDir, 'supervisord-'));
    this.files = { dir, conf: join(dir, 'supervisord.conf'), socket: join(dir, 'supervisor.sock') };
    this.program = setup.program;
    this.config = { name: 'supervisord.conf', text: this.write() };
  }

  /** supervisord in the foreground; `env` (the server's, secrets included) reaches the program through it, never through the file. */
  spawnPlan(env: NodeJS.ProcessEnv | undefined): SpawnPlan {
    return { command: supervisordPath(), args: ['-n', '-c', this.files.conf], ...(env && { env }) };
  }

  /** The program's own output, for an error message when supervisord gives up on it. */
  get stderrLog(): string {
    return join(this.files.dir, `${this.setup.name}.err.log`);
  }

  /** What supervisord says of the program and what the program last printed (its logs are supervisord's, not bench's), for a failed start. */
  async lastWords(): Promise<string> {
    const said = await this.status().then((a) => a.said, (err: Error) => err.message);
    return `; supervisorctl status: ${said}${lastLines(this.stderrLog)}`;
  }

  async status(): Promise<ManagerAccount> {
    const { stdout } = await this.ctl(['status', this.setup.name]);
    return parseStatus(stdout, this.setup.name);
  }

  async deploy(action: DeployAction, signal?: AbortSignal): Promise<ManagerStep[]> {
    const steps: ManagerStep[] = [];
    const step = (what: string) => steps.push({ at: performance.now(), what });
    const name = this.setup.name;
    if (action === 'restart') {
      step(`supervisorctl restart ${name}`);
      const { stdout } = await this.ctl(['restart', name]);
      step(`supervisorctl restart: ${oneLine(stdout)}`);
      await this.untilRunning(undefined, signal);
    } else if (action === 'reload') {
      const before = await this.status();
      if (before.pid === undefined) throw new Error(`supervisord runs no ${name} to reload: ${before.said}`);
      const oldWorkers = childrenOf(before.pid).map((p) => p.pid);
      step(`supervisorctl signal HUP ${name}`);
      const { stdout } = await this.ctl(['signal', 'HUP', name]);
      step(`supervisorctl signal HUP: ${oneLine(stdout)}`);
      await this.untilReplaced(before.pid, oldWorkers, signal);
      step(`every worker of pid ${before.pid} replaced (${oldWorkers.length})`);
    } else {
      if (!this.setup.replan) throw new Error(`supervisord cannot update ${name}: nothing to re-plan it with`);
      this.program = await this.setup.replan();
      const before = await this.status();
      this.write();
      step(`${this.config.name}: [program:${name}] rewritten with one more worker`);
      step(`supervisorctl reread: ${oneLine((await this.ctl(['reread'])).stdout)}`);
      step(`supervisorctl update: ${oneLine((await this.ctl(['update'])).stdout)}`);
      const after = await this.untilRunning(before.pid, signal);
      step(`supervisorctl status: ${after.said}`);
    }
    return steps;
  }

  private write(): string {
    const name = this.setup.name;
    const block: ProgramBlock = {
      name,
      command: this.program.command,
      ...(this.program.cwd && { directory: this.program.cwd }),
      stopSignal: (this.program.stopSignal ?? 'SIGTERM').replace(/^SIG/, ''),
      stdoutLog: join(this.files.dir, `${name}.out.log`),
      stderrLog: this.stderrLog,
      timing: BENCH_TIMING,
    };
    const text = supervisordConf(this.files, block);
    writeFileSync(this.files.conf, text, { mode: 0o600 });
    return text;
  }

  /** RUNNING (with a pid other than `oldPid`), or an error in supervisord's words once it has given up (FATAL) or after 30 s. */
  async untilRunning(oldPid: number | undefined, signal?: AbortSignal): Promise<ManagerAccount> {
    const deadline = Date.now() + DEPLOY_TIMEOUT_MS;
    for (;;) {
      const now = await this.status();
      if (now.state === 'RUNNING' && now.pid !== oldPid) return now;
      if (now.state === 'FATAL' || Date.now() > deadline || signal?.aborted) throw new Error(`supervisorctl status: ${now.said}${lastLines(this.stderrLog)}`);
      await sleep(MANAGER_POLL_MS, signal);
    }
  }

  /** A graceful reload is done when every worker the master had is gone and as many new ones run. */
  private async untilReplaced(master: number, oldWorkers: number[], signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + DEPLOY_TIMEOUT_MS;
    for (;;) {
      const now = childrenOf(master).filter((p) => isLiving(p.pid)).map((p) => p.pid);
      if (oldWorkers.every((pid) => !now.includes(pid)) && now.length >= oldWorkers.length) return;
      if (Date.now() > deadline || signal?.aborted) {
        throw new Error(`the reload of pid ${master} did not replace its ${oldWorkers.length} workers within ${DEPLOY_TIMEOUT_MS / 1000} s`);
      }
      await sleep(50, signal);
    }
  }

  /** supervisorctl on the private socket; its exit code says the program's state (3: not running), so output is read whatever it is. */
  private ctl(args: string[]): Promise<{ stdout: string }> {
    return new Promise((resolve, reject) => {
      execFile(supervisorctlPath(), ['-c', this.files.conf, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
        if (err && !stdout) reject(new Error(`supervisorctl ${args.join(' ')}: ${(stderr || err.message).trim()}`));
        else resolve({ stdout });
      });
    });
  }
}

/**
 * One line of `supervisorctl status NAME`:
 * "app    RUNNING   pid 4242, uptime 0:00:03", "app    BACKOFF   Exited too quickly (process log may have details)",
 * "app    FATAL     Exited too quickly …", "app    STOPPED   Dec 08 02:50 AM", "app    STARTING".
 */
export function parseStatus(output: string, name: string): ManagerAccount {
  const line = output.split('\n').find((l) => l.split(/\s+/)[0] === name);
  if (!line) throw new Error(`supervisorctl status ${name} said: ${output.trim() || 'nothing'}`);
  const said = line.trim().replace(/\s+/g, ' ');
  const state = said.split(' ')[1] ?? 'UNKNOWN';
  const pid = state === 'RUNNING' || state === 'STOPPING' ? Number(/\bpid (\d+)/.exec(said)?.[1]) : NaN;
  return { state, said, ...(Number.isInteger(pid) && { pid }) };
}

/** The program's last words, for an error: supervisord keeps them in its log, not bench's. */
function lastLines(path: string): string {
  try {
    const tail = readFileSync(path, 'utf8').trimEnd().split('\n').slice(-6).join('\n');
    return tail ? `; its last output:\n${tail.replace(/^/gm, '    ')}` : '';
  } catch {
    return '';
  }
}

const oneLine = (text: string) => text.trim().replace(/\s*\n\s*/g, '; ');

function supervisordPath(): string {
  return findExecutable('supervisord') ?? 'supervisord';
}

function supervisorctlPath(): string {
  return findExecutable('supervisorctl') ?? 'supervisorctl';
}
