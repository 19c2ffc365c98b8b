import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { livingProcesses, readStat, type ProcStat } from '../harness/process/procfs.js';
import type { RunResults } from '../harness/results/types.js';
import { apache2, findExecutable, flask, forever, gunicorn, locust, nginx, pm2, postgresql, psycopg2, supervisord, type Software } from '../harness/software/catalog.js';
import { BIN, workFolder } from './support/cli.js';
import { describeWith } from './support/software.js';

/**
 * `bench run` killed with SIGKILL, which it cannot catch, at several moments: within 10 s no
 * process of that run may be left, and after the next bench command no folder of it.
 *
 * A run's processes are found without bench's help: every descendant of bench seen while it ran
 * (PostgreSQL's backends, Apache's children and the guardian included), each named by pid and
 * start time; after the kill, whatever still lives of them, what they fork meanwhile, and what
 * joins their process groups. Each run gets a temporary folder of its own (TMPDIR), so its
 * folders are whatever appears there.
 */

const work = workFolder('sigkill');
const runTmpDirs: string[] = [];
// A failed case may leave a run's servers behind: its bench records let a last sweep end them.
afterAll(() => {
  for (const dir of runTmpDirs) {
    const records = readdirSync(dir).filter((f) => f.startsWith('bench-leftovers-')).flatMap((f) => readdirSync(join(dir, f)));
    if (records.length > 0) spawnSync(process.execPath, [BIN, 'list'], { env: { ...process.env, TMPDIR: dir }, stdio: 'ignore', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  }
});
const describeNginxPostgres = await describeWith([nginx, gunicorn, flask, postgresql, psycopg2]);
const describeApache = await describeWith([apache2, gunicorn, flask]);
const describeLocust = await describeWith([locust, gunicorn, flask]);
const wrk: Software = { name: 'wrk', apt: ['wrk'], detect: async () => (findExecutable('wrk') ? 'found' : undefined) };
const describeWrk = await describeWith([wrk, gunicorn, flask]);

interface Seen {
  pid: number;
  startTicks: number;
  cmd: string;
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};

/** A `bench run` in a temporary folder of its own, and every process it has been seen to start. */
class WatchedRun {
  readonly seen = new Map<number, Seen>();
  readonly tmp: string;
  readonly out: string;
  stderr = '';
  private readonly bench;
  readonly exited: Promise<unknown>;

  constructor(name: string, scenario: string, args: string[] = []) {
    // PostgreSQL and Apache's children run as other users when bench is root: they must get through.
    this.tmp = mkdtempSync(join(tmpdir(), 'bench-sigkill-tmp-'));
    chmodSync(this.tmp, 0o711);
    runTmpDirs.push(this.tmp);
    writeFileSync(join(work, `${name}.yaml`), scenario);
    this.out = join(work, name);
    this.bench = spawn(process.execPath, [BIN, 'run', `${name}.yaml`, '--out', this.out, ...args], {
      cwd: work,
      env: { ...process.env, TMPDIR: this.tmp },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.bench.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) => this.bench.once('exit', done));
  }

  /** Bench's living descendants, each remembered. */
  look(): Seen[] {
    const children = new Map<number, ProcStat[]>();
    for (const p of livingProcesses()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    const found: Seen[] = [];
    const queue = [...(children.get(this.bench.pid!) ?? [])];
    while (queue.length > 0) {
      const p = queue.pop()!;
      // Read each time: a child seen between its fork and its exec still shows bench's command line.
      const seen = { pid: p.pid, startTicks: p.startTicks, cmd: cmdline(p.pid) };
      this.seen.set(p.pid, seen);
      found.push(seen);
      queue.push(...(children.get(p.pid) ?? []));
    }
    return found;
  }

  /** Watches until `moment` says so, then SIGKILLs bench; what was running then. */
  async killWhen(moment: (running: Seen[]) => boolean, timeoutMs = 60_000, everyMs = 100): Promise<Seen[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = this.look();
      if (moment(running)) {
        this.bench.kill('SIGKILL');
        await this.exited;
        return running;
      }
      if (Date.now() > deadline) throw new Error(`the moment never came; bench said: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** What is alive of the run: processes seen, their children, and members of their groups. */
  left(): string[] {
    return livingProcesses()
      .filter((p) => this.seen.get(p.pid)?.startTicks === p.startTicks || this.seen.has(p.ppid) || this.seen.has(p.pgrp))
      .map((p) => `${p.pid} ${cmdline(p.pid)}`);
  }

  /** Polls up to `ms` for the run's processes to be gone; what is left then. */
  async leftAfter(ms: number): Promise<string[]> {
    const deadline = Date.now() + ms;
    while (this.left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return this.left();
  }

  /** The next bench command, in the same temporary folder. */
  nextCommand(): { code: number | null; stderr: string } {
    const r = spawnSync(process.execPath, [BIN, 'list'], { cwd: work, env: { ...process.env, TMPDIR: this.tmp }, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stderr: r.stderr };
  }

  /** Folders in its temporary folder, and records in bench's registry of leftovers there. */
  folders(): string[] {
    return readdirSync(this.tmp).flatMap((name) => (name.startsWith('bench-leftovers-') ? readdirSync(join(this.tmp, name)).map((f) => `${name}/${f}`) : [name]));
  }

  rows(): number {
    try {
      return (JSON.parse(readFileSync(join(this.out, 'results.json'), 'utf8')) as RunResults).results.length;
    } catch {
      return 0;
    }
  }
}

const has = (running: Seen[], pattern: RegExp) => running.some((p) => pattern.test(p.cmd));

/** The end of every case: nothing running within 10 s, no folder after the next command. */
async function expectNothingLeft(run: WatchedRun): Promise<void> {
  const left = await run.leftAfter(10_000);
  const next = run.nextCommand();
  expect(left, 'processes of the killed run still running 10 s later').toEqual([]);
  expect(next.code, next.stderr).toBe(0);
  expect(run.folders(), 'folders of the killed run').toEqual([]);
}

const nginxPostgres = (durationS: number, concurrency: string) =>
  `database: postgres\npath: /db?ms=20\nduration: ${durationS}\nwarmup: 0.3\nconcurrency: ${concurrency}\n` +
  'deployments:\n  - kind: gunicorn-sync+nginx\n    workers: 2\n';

describeNginxPostgres('SIGKILL of a run with nginx in front of gunicorn and a private PostgreSQL', () => {
  it('mid-window leaves no process running after 10 s and no folder after the next command', async () => {
    const run = new WatchedRun('mid-window', nginxPostgres(3, '[2, 4]'));
    let generatorSince: number | undefined;
    // The first point's row is written; then the second point's generator warms up (0.3 s) and measures for 3 s.
    const running = await run.killWhen((r) => {
      if (run.rows() === 1 && has(r, /load\/builtin\/child\.js/)) generatorSince ??= Date.now();
      return generatorSince !== undefined && Date.now() - generatorSince > 1300;
    });
    expect(has(running, /nginx -p/) && has(running, /gunicorn/) && has(running, /postgres: bench bench/) && has(running, /load\/builtin\/child\.js/), running.map((p) => p.cmd).join('\n')).toBe(true);
    await expectNothingLeft(run);
  });

  it('while PostgreSQL starts leaves no process running after 10 s and no folder after the next command', async () => {
    const run = new WatchedRun('start-up', nginxPostgres(1, '[2]'));
    const running = await run.killWhen((r) => has(r, /initdb|postgres -D/), 60_000, 20);
    expect(run.rows()).toBe(0);
    expect(has(running, /nginx/)).toBe(false);
    await expectNothingLeft(run);
  });

  it('during teardown, its servers stopping, leaves no process running after 10 s and no folder after the next command', async () => {
    const run = new WatchedRun('teardown', nginxPostgres(1, '[2]'));
    // Once the one point is measured bench stops nginx and gunicorn, then PostgreSQL: kill it as the first server goes.
    let servers: Seen[] = [];
    const running = await run.killWhen(
      (r) => {
        if (run.rows() === 0) {
          servers = r.filter((p) => /nginx -p|gunicorn/.test(p.cmd));
          return false;
        }
        return servers.some((s) => readStat(s.pid)?.startTicks !== s.startTicks || ['Z', 'X'].includes(readStat(s.pid)?.state ?? 'X'));
      },
      60_000,
      10,
    );
    expect(servers.length).toBeGreaterThan(0);
    expect(has(running, /postgres -D/), 'PostgreSQL still running when killed').toBe(true);
    await expectNothingLeft(run);
  });

  it('with its guardian killed too leaves what it started to the next bench command, which stops and removes it and says so', async () => {
    const run = new WatchedRun('guardian-killed', nginxPostgres(3, '[2]'));
    const running = await run.killWhen((r) => has(r, /postgres: bench bench/) && has(r, /nginx -p/) && has(r, /guardian-child\.js/));
    // The guardian is bench's child; killed a moment after bench, it has not begun its work yet.
    for (const p of running.filter((s) => /guardian-child\.js/.test(s.cmd))) process.kill(p.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    expect(run.left().length, 'processes of the run without its guardian').toBeGreaterThan(0);
    expect(run.folders().length).toBeGreaterThan(1);
    const next = run.nextCommand();
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/^bench: a bench process that was killed \(pid \d+\) left \d+ processes and 2 folders; stopped and removed them$/m);
    expect(run.left()).toEqual([]);
    expect(run.folders()).toEqual([]);
  });
});

describeApache('SIGKILL of a run with Apache in front of gunicorn', () => {
  it('while Apache starts leaves no process running after 10 s and no folder after the next command', async () => {
    const run = new WatchedRun('apache', 'path: /hello\nduration: 1\nwarmup: 0.3\nconcurrency: [2]\ndeployments:\n  - kind: gunicorn-sync+apache\n    workers: 2\n');
    const running = await run.killWhen((r) => has(r, /apache2 -f .* -DFOREGROUND/), 60_000, 20);
    // gunicorn, spawned just before, may not have reached its exec yet: its command line is still bench's.
    expect(running.length, running.map((p) => p.cmd).join('\n')).toBeGreaterThanOrEqual(3);
    expect(run.rows()).toBe(0);
    await expectNothingLeft(run);
  });
});

describeLocust('SIGKILL of a run driven by a Locust cluster', () => {
  it('mid-window leaves no Locust master or worker running after 10 s and no folder after the next command', async () => {
    const run = new WatchedRun('locust', 'path: /io?ms=20\nduration: 4\nwarmup: 0.5\nconcurrency: [4]\ndeployments:\n  - kind: gunicorn-sync\n    workers: 2\n', ['--generator', 'locust', '--locust-workers', '2']);
    // The master writes an "open" line to its log in the run's folder when the window opens.
    let openSince: number | undefined;
    const windowOpen = () =>
      readdirSync(run.tmp)
        .filter((d) => d.startsWith('bench-locust-'))
        .some((d) => existsSync(join(run.tmp, d, 'reports.jsonl')) && /"type": ?"open"/.test(readFileSync(join(run.tmp, d, 'reports.jsonl'), 'utf8')));
    const running = await run.killWhen(() => {
      if (windowOpen()) openSince ??= Date.now();
      return openSince !== undefined && Date.now() - openSince > 1000;
    });
    expect(running.filter((p) => /bench_locustfile\.py/.test(p.cmd)).length, running.map((p) => p.cmd).join('\n')).toBeGreaterThanOrEqual(3);
    await expectNothingLeft(run);
  });
});

describeWrk('SIGKILL of a run driven by wrk', () => {
  it('mid-window leaves no wrk running after 10 s, though its window had 20 s to go', async () => {
    const run = new WatchedRun('wrk', 'path: /io?ms=20\nduration: 20\nwarmup: 0\nconcurrency: [4]\ndeployments:\n  - kind: gunicorn-sync\n    workers: 2\n', ['--generator', 'wrk']);
    let wrkSince: number | undefined;
    const running = await run.killWhen((r) => {
      if (has(r, /wrk .*-d20s/)) wrkSince ??= Date.now();
      return wrkSince !== undefined && Date.now() - wrkSince > 1000;
    });
    expect(has(running, /wrk .*-d20s/)).toBe(true);
    await expectNothingLeft(run);
  });
});

const describeSupervisord = await describeWith([supervisord, gunicorn, flask]);
describeSupervisord('SIGKILL of a run whose server supervisord runs', () => {
  it('mid-window leaves no supervisord, arbiter or worker running after 10 s, though supervisord started the arbiter in a group of its own', async () => {
    const run = new WatchedRun('supervisord', 'path: /io?ms=20\nduration: 4\nwarmup: 0.3\nconcurrency: [4]\ndeployments:\n  - kind: gunicorn-sync\n    workers: 2\n    manager: supervisord\n');
    let generatorSince: number | undefined;
    const running = await run.killWhen((r) => {
      if (has(r, /load\/builtin\/child\.js/)) generatorSince ??= Date.now();
      return generatorSince !== undefined && Date.now() - generatorSince > 1000;
    });
    expect(has(running, /supervisord -n -c/) && running.filter((p) => /gunicorn/.test(p.cmd)).length === 3, running.map((p) => p.cmd).join('\n')).toBe(true);
    await expectNothingLeft(run);
  });
});

const describeGunicorn = await describeWith([gunicorn]);
describeGunicorn('SIGKILL of a run while it imports the user\'s app, before any server starts', () => {
  it('leaves no Python process of the import check running, though the app\'s import would take an hour', async () => {
    mkdirSync(join(work, 'slow-app'), { recursive: true });
    writeFileSync(join(work, 'slow-app', 'warehouse.py'), 'import time\ntime.sleep(3600)\napplication = None\n');
    const run = new WatchedRun('slow-import', 'app: { wsgi: "warehouse:application", dir: slow-app }\npath: /\nduration: 1\nconcurrency: [1]\ndeployments: [gunicorn-sync]\n');
    const running = await run.killWhen((r) => has(r, /app_check\.py .*warehouse:application/));
    expect(has(running, /gunicorn/)).toBe(false);
    await expectNothingLeft(run);
  });
});

const describeNodeManagers = await describeWith([pm2, forever]);
describeNodeManagers('SIGKILL of a run under pm2 and forever', () => {
  const nodeManagers = (kind: string) => `path: /io?ms=20\nduration: 20\nwarmup: 0\nconcurrency: [2]\ndeployments:\n  - kind: ${kind}\n`;

  // pm2 forks a fork-mode app in a session of its own, outside the group bench started: only the guardian's sweep of descendants reaches it.
  it('mid-window under pm2 (fork mode) leaves neither its God nor its app running after 10 s', async () => {
    const run = new WatchedRun('pm2', nodeManagers('pm2'));
    const running = await run.killWhen((r) => has(r, /pm2-runtime/) && has(r, /^node .*server\.js/) && has(r, /load\/builtin\/child\.js/));
    expect(has(running, /pm2-runtime/), running.map((p) => p.cmd).join('\n')).toBe(true);
    await expectNothingLeft(run);
  });

  it('mid-window under forever leaves neither its monitor nor its script running after 10 s', async () => {
    const run = new WatchedRun('forever', nodeManagers('forever'));
    const running = await run.killWhen((r) => has(r, /forever -p/) && has(r, /server\.js .*--mode async/) && has(r, /load\/builtin\/child\.js/));
    expect(has(running, /forever -p/), running.map((p) => p.cmd).join('\n')).toBe(true);
    await expectNothingLeft(run);
  });
});
