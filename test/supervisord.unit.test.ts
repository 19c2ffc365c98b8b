import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import { planRun } from '../harness/commands/run.js';
import { findKind, serverKinds } from '../harness/deployments/kinds.js';
import { parseStatus, Supervisord } from '../harness/managers/supervisord.js';
import { programBlock, supervisorArg } from '../harness/managers/supervisord-conf.js';
import { takesManager } from '../harness/plan/manager-rules.js';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { deathOf } from '../harness/deployments/liveness.js';
import { serverGroup } from '../harness/deployments/server-group.js';
import type { ManagerAccount } from '../harness/managers/managed-program.js';
import { readStat } from '../harness/process/procfs.js';

const work = mkdtempSync(join(tmpdir(), 'bench-supervisord-unit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A scenario file of one deployment, planned as `bench run` plans it; resolves to the refusal's message. */
async function refusal(name: string, deployment: string, extra = ''): Promise<string> {
  const file = join(work, name);
  writeFileSync(file, `path: /io?ms=10\nduration: 1\nconcurrency: [1]\n${extra}deployments:\n${deployment}`);
  try {
    await planRun(file, {});
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe("supervisorctl status, as bench reads it", () => {
  // Lines as supervisorctl 4.2.5 prints them (its columns padded with spaces).
  it('reads the state and the pid of a running program', () => {
    expect(parseStatus('gunicorn-sync                    RUNNING   pid 48211, uptime 0:00:03\n', 'gunicorn-sync')).toEqual({
      state: 'RUNNING',
      pid: 48211,
      said: 'gunicorn-sync RUNNING pid 48211, uptime 0:00:03',
    });
  });

  it('gives no pid while the program is starting, backing off or given up on', () => {
    for (const line of [
      'node-blocking                    STARTING  ',
      'node-blocking                    BACKOFF   Exited too quickly (process log may have details)',
      'node-blocking                    FATAL     Exited too quickly (process log may have details)',
      'node-blocking                    STOPPED   Dec 08 02:45 AM',
      'node-blocking                    EXITED    Dec 08 02:45 AM',
    ]) {
      const account = parseStatus(`${line}\n`, 'node-blocking');
      expect(account.state).toBe(line.split(/\s+/)[1]);
      expect(account.pid).toBeUndefined();
    }
  });

  it('says what supervisorctl said when it names no such program', () => {
    expect(() => parseStatus('node-blocking: ERROR (no such process)\n', 'node-blocking')).toThrow(/supervisorctl status node-blocking said: node-blocking: ERROR \(no such process\)/);
  });
});

describe('the supervisord.conf bench writes', () => {
  const manager = new Supervisord({
    name: 'gunicorn-sync',
    parentDir: work,
    program: { command: ['/usr/bin/python3', '-m', 'gunicorn', '--bind', '127.0.0.1:8000', 'app:app'], cwd: '/srv/app' },
  });
  const text = manager.config.text;

  it('runs supervisord in the foreground with a private Unix socket, never a TCP one', () => {
    expect(text).toMatch(/^\[supervisord\]\nnodaemon=true$/m);
    expect(text).toContain(`file=${manager.files.socket}\nchmod=0700`);
    expect(text).toContain(`serverurl=unix://${manager.files.socket}`);
    expect(text).not.toMatch(/^\[inet_http_server\]/m);
    expect(statSync(manager.files.dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(manager.files.conf, 'utf8')).toBe(text);
  });

  it("holds the program with autorestart, the kind's command and folder, and stops its whole group", () => {
    expect(text).toContain('[program:gunicorn-sync]\ncommand=/usr/bin/python3 -m gunicorn --bind 127.0.0.1:8000 app:app\n');
    expect(text).toContain('directory=/srv/app');
    for (const line of ['autostart=true', 'autorestart=true', 'stopasgroup=true', 'killasgroup=true', 'stopsignal=TERM', 'startsecs=1']) expect(text).toContain(`\n${line}\n`);
    expect(text).toContain(`stderr_logfile=${manager.files.dir}/gunicorn-sync.err.log`);
  });

  it("passes the server's environment, secrets included, through supervisord's own and never writes it into the recorded file", () => {
    const plan = manager.spawnPlan({ PATH: '/usr/bin', API_KEY: 'hunter2-secret' });
    expect(plan.args).toEqual(['-n', '-c', manager.files.conf]);
    expect(plan.env?.API_KEY).toBe('hunter2-secret');
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toMatch(/^environment=/m);
  });

  it('quotes arguments as shlex reads them and doubles % for its expansion', () => {
    expect(supervisorArg("it's 100%")).toBe(`'it'"'"'s 100%%'`);
    expect(() => supervisorArg('a ;comment')).toThrow(UsageError);
  });

  it('writes the same program block bench ran when bench export asks for it, with the export env only there', () => {
    const block = programBlock({ name: 'app', command: ['gunicorn', 'app:app'], environment: { MODE: 'prod' }, stopSignal: 'TERM', stdoutLog: '/var/log/app.out', stderrLog: '/var/log/app.err' }).join('\n');
    expect(block).toContain('environment=MODE="prod"');
    expect(block).not.toContain('startsecs');
  });
});

describe('refusals of manager: and of what replaced supervise:', () => {
  it('refuses supervise: true, naming manager: supervisord', async () => {
    expect(await refusal('supervise.yaml', '  - kind: node-blocking\n    supervise: true\n')).toMatch(/supervise\.yaml:6:16: deployments\[0\]\.supervise: it was bench's own restart loop, now gone; use manager: supervisord/);
  });

  it('refuses manager: supervisord on a CGI kind, naming the kinds it works with', async () => {
    const message = await refusal('cgi.yaml', '  - kind: cgi\n    manager: supervisord\n');
    expect(message).toMatch(/^cgi ×4 \(supervisord\): manager: supervisord runs the server bench starts as one program; cgi is not one: remove manager:, or use one of node-blocking, /);
    expect(message).not.toMatch(/apache-mod-wsgi|external/);
  });

  it('refuses manager: supervisord on Apache hosting the app and on an external server', async () => {
    expect(await refusal('modwsgi.yaml', '  - kind: apache-mod-wsgi\n    manager: supervisord\n')).toMatch(/apache-mod-wsgi is not one/);
    expect(await refusal('external.yaml', '  - kind: external\n    url: http://127.0.0.1:9\n    manager: supervisord\n')).toMatch(/manager/);
  });

  it('refuses a graceful reload under supervisord for a kind that has none on SIGHUP, naming those that do', async () => {
    const message = await refusal('reload.yaml', '  - kind: node-blocking\n    manager: supervisord\n', 'fault: { deploy: reload }\n');
    expect(message).toMatch(/fault: \{ deploy: reload \}: node-blocking does not reload gracefully on SIGHUP \(gunicorn-sync, gunicorn-gthread, gunicorn-gevent, uwsgi, gunicorn-uvicorn do\)/);
  });

  it('lets supervisord run every kind bench starts as one server process', () => {
    const can = serverKinds.filter(takesManager).map((k) => k.name);
    expect(can).toContain('node-cluster');
    expect(can).toContain('gunicorn-sync');
    expect(can).toContain('uwsgi');
    expect(can).not.toContain('cgi');
    expect(takesManager(findKind('external')!)).toBe(false);
  });
});

describe('a deployment under a manager, as liveness and the server-group question see it', () => {
  /** A deployment whose manager says `account`: no process of bench's own (its group would be supervisord's). */
  const managedBy = (account: ManagerAccount): RunningDeployment => ({
    baseUrl: 'http://127.0.0.1:9',
    token: undefined,
    healthPath: '/health',
    processes: [],
    managed: { manager: 'supervisord', status: async () => account, deploy: async () => [], config: { name: 'supervisord.conf', text: '' } },
    stop: async () => {},
  });

  it("is dead when supervisord has given up on the program, in supervisord's words", async () => {
    const said = 'gunicorn-sync FATAL Exited too quickly (process log may have details)';
    expect(await deathOf(managedBy({ state: 'FATAL', said }), 1000)).toBe(`supervisord gave up restarting it: ${said}`);
  });

  it('has as its group the one the pid its manager reports belongs to, and none while the manager runs none', async () => {
    expect(await serverGroup(managedBy({ state: 'RUNNING', pid: process.pid, said: '' }))).toBe(readStat(process.pid)!.pgrp);
    expect(await serverGroup(managedBy({ state: 'BACKOFF', said: '' }))).toBeUndefined();
  });
});
