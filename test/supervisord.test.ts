import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Supervisord } from '../harness/managers/supervisord.js';
import { serverGroup } from '../harness/deployments/server-group.js';
import { sleep } from '../harness/process/group.js';
import { tcpListeners } from '../harness/process/listeners.js';
import { groupMembers, livingProcesses, readStat } from '../harness/process/procfs.js';
import { whoAnswers } from '../harness/process/readiness.js';
import type { RunResults } from '../harness/results/types.js';
import { gunicorn, flask, supervisord } from '../harness/software/catalog.js';
import { BIN, workFolder } from './support/cli.js';
import { withDeployment } from './support/deployments.js';
import { until } from './support/exported.js';
import { describeWith } from './support/software.js';

const describeSupervisord = await describeWith([supervisord, gunicorn, flask]);
const work = workFolder('supervisord');

/** gunicorn's arbiter killed under supervisord: a start counts after startsecs=1, and gunicorn boots in about 1 s on two busy cores. */
const BACK_WITHIN_MS = 8_000;

describeSupervisord('a server run by a real supervisord', () => {
  it('is started again after its master is killed, answers within the bound, and supervisorctl reports the new pid; restart, reload and update replace it as supervisord says', async () => {
    await withDeployment({ kind: 'gunicorn-sync', workers: 2, manager: 'supervisord' }, async (d) => {
      const managed = d.managed!;
      const supervisor = d.processes[0]!;
      const first = await managed.status();
      expect(first.state).toBe('RUNNING');
      // supervisord puts the program in a group of its own; the server's group is the one its pid leads.
      expect(await serverGroup(d)).toBe(first.pid);
      expect(groupMembers(first.pid!).length).toBe(3);
      expect(readStat(first.pid!)?.ppid).toBe(supervisor.pid);
      expect(tcpListeners([supervisor.pid]), 'supervisord listens on no TCP port').toEqual([]);

      process.kill(first.pid!, 'SIGKILL');
      const killedAt = Date.now();
      // The old workers, orphaned, hold the port until a request shows each its arbiter is gone (gunicorn's sync
      // worker checks between requests): the new arbiter binds after them. Whole: RUNNING, a new pid, its 2 workers, answering.
      const again = await until('supervisord to run a new pool, whole and answering', BACK_WITHIN_MS, async () => {
        const answers = (await whoAnswers(`${d.baseUrl}/health`, d.token, 500)) === 'ours';
        const now = await managed.status();
        return answers && now.state === 'RUNNING' && now.pid !== first.pid && groupMembers(now.pid!).length === 3 ? now : undefined;
      });
      const backMs = Date.now() - killedAt;
      expect(backMs).toBeLessThan(BACK_WITHIN_MS);
      console.log(`gunicorn-sync ×2 under supervisord was whole and answering again ${backMs} ms after SIGKILL to its arbiter`);

      // A graceful reload (HUP to the arbiter) keeps the master and replaces every worker.
      const workersBefore = groupMembers(again.pid!).map((p) => p.pid).filter((pid) => pid !== again.pid);
      const reload = await managed.deploy('reload');
      expect(reload.map((s) => s.what)).toEqual([`supervisorctl signal HUP gunicorn-sync`, expect.stringMatching(/^supervisorctl signal HUP: gunicorn-sync: signalled/), `every worker of pid ${again.pid} replaced (2)`]);
      expect((await managed.status()).pid).toBe(again.pid);
      const workersAfter = groupMembers(again.pid!).map((p) => p.pid).filter((pid) => pid !== again.pid);
      expect(workersAfter.filter((pid) => workersBefore.includes(pid))).toEqual([]);

      // A restart is a new master.
      const restart = await managed.deploy('restart');
      expect(restart.at(-1)?.what).toMatch(/^supervisorctl restart: gunicorn-sync: stopped; gunicorn-sync: started$/);
      const restarted = await managed.status();
      expect(restarted.pid).not.toBe(again.pid);

      // The config-change flow: reread sees the changed [program:] block, update starts it again with one more worker.
      const update = await managed.deploy('update');
      expect(update.map((s) => s.what).join('\n')).toMatch(/supervisorctl reread: gunicorn-sync: changed\nsupervisorctl update: gunicorn-sync: stopped; gunicorn-sync: updated process group\nsupervisorctl status: gunicorn-sync RUNNING pid \d+/);
      // The row keeps the conf the deployment was measured with; the file supervisord reread holds the new block.
      expect(managed.config.text).toContain('--workers 2');
      expect(readFileSync((managed as Supervisord).files.conf, 'utf8')).toContain('--workers 3');
      const updated = await managed.status();
      await until('three workers', 10_000, () => (groupMembers(updated.pid!).length === 4 ? true : undefined));
      expect((await whoAnswers(`${d.baseUrl}/health`, d.token, 5000))).toBe('ours');
    });
  });

  it('leaves no supervisord or server process after Ctrl-C of bench run, and records the conf in the rows it finished', async () => {
    writeFileSync(join(work, 'ctrl-c.yaml'), 'path: /io?ms=20\nduration: 1\nwarmup: 0.2\nconcurrency: [1, 2, 4]\ndeployments:\n  - kind: gunicorn-sync\n    workers: 2\n    manager: supervisord\n');
    const out = join(work, 'ctrl-c');
    const bench = spawn(process.execPath, [BIN, 'run', 'ctrl-c.yaml', '--out', out], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    bench.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => bench.once('exit', (code) => done(code)));
    const seen = new Map<number, number>();
    const rows = () => {
      try {
        return (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults).results;
      } catch {
        return [];
      }
    };
    await until('the first row, with supervisord and gunicorn running', 60_000, () => {
      for (const p of descendants(bench.pid!)) seen.set(p.pid, p.startTicks);
      return rows().length >= 1 ? true : undefined;
    });
    const cmds = [...seen.keys()].map(cmdline);
    expect(cmds.some((c) => /supervisord -n -c /.test(c)) && cmds.some((c) => /gunicorn/.test(c)), cmds.join('\n')).toBe(true);
    bench.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    const left = livingProcesses().filter((p) => seen.get(p.pid) === p.startTicks || seen.has(p.pgrp));
    expect(left.map((p) => `${p.pid} ${cmdline(p.pid)}`)).toEqual([]);
    const row = rows()[0]!;
    expect(row.manager).toBe('supervisord');
    expect(row.managerConfig?.name).toBe('supervisord.conf');
    expect(row.managerConfig?.text).toMatch(/\[program:gunicorn-sync\]\ncommand=\S+ .*--workers 2/);
    expect(row.deployment).toBe('gunicorn-sync ×2 (supervisord)');
    // The reports show it where they show nginx.conf.
    const report = spawnSync(process.execPath, [BIN, 'report', out], { encoding: 'utf8', timeout: 60_000 });
    expect(report.status, report.stderr).toBe(0);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/<details><summary>supervisord\.conf<\/summary>\n\n```ini\n[^]*\[program:gunicorn-sync\]/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<summary>supervisord\.conf<\/summary><pre><code>[^]*\[program:gunicorn-sync\]/);
  });
});

/** Every living descendant of `pid`. */
function descendants(pid: number) {
  const all = livingProcesses();
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.pop()!;
    for (const p of all.filter((q) => q.ppid === parent)) {
      found.push(p);
      queue.push(p.pid);
    }
  }
  return found;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
