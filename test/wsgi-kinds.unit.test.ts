import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import { planRun } from '../harness/commands/run.js';
import { exportFiles } from '../harness/export/files.js';
import { parseModuleCommand } from '../harness/export/server-args.js';
import { exportTarget } from '../harness/export/target.js';
import { predict, predictCapacity } from '../harness/model/predict.js';
import { expandDeployment, type PlannedDeployment } from '../harness/plan/build-plan.js';
import type { DeploymentEntry } from '../harness/scenario/schema.js';
import type { AppUnderTest } from '../harness/results/types.js';
import { row, run } from './support/results.js';

/** A Django project as `django-admin startproject mysite` lays it out: the settings beside wsgi.py. */
const project = mkdtempSync(join(tmpdir(), 'bench-wsgi-kinds-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));
mkdirSync(join(project, 'mysite'));
for (const file of ['__init__.py', 'settings.py', 'wsgi.py']) writeFileSync(join(project, 'mysite', file), '');

// Planning never runs the interpreter: any path will do.
const djangoApp: AppUnderTest = { kind: 'wsgi', wsgi: 'mysite.wsgi:application', dir: project, python: '/usr/bin/python3', health: '/' };
const ctx = { host: '127.0.0.1', port: 8123, tmpDir: project, behindNginx: false };

/** The deployment planned for the Django project, or for bench's demo app (app: null). */
function deploy(entry: DeploymentEntry, app: AppUnderTest | null = djangoApp, threads?: number): PlannedDeployment {
  const [planned] = expandDeployment(entry, 'deployments[0]', threads === undefined ? {} : { threads }, app ?? undefined);
  return planned!;
}

function refusal(attempt: () => unknown): string {
  try {
    attempt();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

const capacity = (p: PlannedDeployment, path: string, slowClients = 0) => predictCapacity(p.kind, p.spec, path, 2, slowClients);

describe('waitress', () => {
  it('runs one process of 4 threads unless threads: says otherwise, and the model holds T requests at once', () => {
    const four = deploy('waitress', null);
    expect(four.label).toBe('waitress (4 threads)');
    expect(capacity(four, '/io?ms=50')).toMatchObject({ capacity: 4, bound: '1 process × 4 threads' });
    const eight = deploy({ kind: 'waitress', threads: 8 }, null);
    expect(predict(capacity(eight, '/io?ms=50'), { concurrency: 16 })).toEqual({ predictedThroughputRps: 160, predictedLatencyMs: 100 });
    // One process, one GIL: CPU-bound work runs on one core however many threads wait.
    expect(capacity(eight, '/cpu?ms=10').capacity).toBe(1);
  });

  it('holds no thread for a slow client, whose request its event loop reads first', () => {
    expect(capacity(deploy('waitress', null), '/io?ms=50', 3).capacity).toBe(4);
  });

  it("starts waitress on bench's address with the deployment's threads and the app last, from the app's folder", async () => {
    const planned = deploy({ kind: 'waitress+nginx', threads: 6, args: ['--connection-limit=50'] });
    expect(planned.label).toBe('waitress+nginx (6 threads)');
    const plan = await planned.kind.plan(planned.spec, ctx);
    expect(plan.command).toBe('/usr/bin/python3');
    expect(plan.args).toEqual(['-u', '-m', 'waitress', '--listen=127.0.0.1:8123', '--threads=6', '--connection-limit=50', 'mysite.wsgi:application']);
    expect(plan.cwd).toBe(project);
  });

  it('refuses args that set the address or the threads, abbreviated as getopt takes them too', () => {
    expect(refusal(() => deploy({ kind: 'waitress', args: ['--listen=0.0.0.0:80'] }))).toMatch(/deployments\[0\]: args: "--listen=0.0.0.0:80": bench sets it \(the loopback address it measures\); remove it/);
    expect(refusal(() => deploy({ kind: 'waitress', args: ['--thr=8'] }))).toMatch(/args: "--thr=8" \(waitress reads it as --threads\): bench sets it \(threads:\)/);
  });
});

describe('django-runserver', () => {
  it("refuses bench's demo app, saying how to name the user's", () => {
    expect(refusal(() => deploy('django-runserver', null))).toMatch(
      /deployments\[0\]: django-runserver cannot host bench's demo app; the kinds that can: .*; to measure your own app under django-runserver, name it with --app module:callable/,
    );
  });

  it('starts a thread per connection, which the model bounds by the clients alone, slow ones included', () => {
    const threaded = deploy('django-runserver');
    expect(threaded.label).toBe('django-runserver');
    expect(capacity(threaded, '/io?ms=50', 4)).toMatchObject({ capacity: null, bound: 'a thread per connection: unbounded' });
    expect(predict(capacity(threaded, '/io?ms=50'), { concurrency: 8 })).toEqual({ predictedThroughputRps: 160, predictedLatencyMs: 50 });
  });

  it('serves one request at a time with threads: 1, passing --nothreading, and a slow client then holds the one thread', async () => {
    const one = deploy({ kind: 'django-runserver', threads: 1 });
    expect(one.label).toBe('django-runserver (1 thread)');
    expect(capacity(one, '/io?ms=50')).toMatchObject({ capacity: 1, bound: '1 process' });
    expect(capacity(one, '/io?ms=50', 1).capacity).toBe(0);
    const plan = await one.kind.plan(one.spec, ctx);
    expect(plan.args).toEqual(['-u', '-m', 'django', 'runserver', '--noreload', '--nothreading', '--settings', 'mysite.settings', '127.0.0.1:8123']);
    expect(plan.cwd).toBe(project);
  });

  it('refuses a pool of threads, from threads: or --threads, and --nothreading among its args', () => {
    expect(refusal(() => deploy({ kind: 'django-runserver', threads: 4 }))).toMatch(
      /deployments\[0\]: django-runserver starts a thread for each connection, or serves one request at a time with threads: 1; it has no pool of 4 threads to size/,
    );
    expect(refusal(() => deploy('django-runserver', djangoApp, 8))).toMatch(/no pool of 8 threads/);
    expect(refusal(() => deploy({ kind: 'django-runserver', args: ['--nothreading'] }))).toMatch(/args: "--nothreading": bench sets it \(threads: 1\)/);
  });

  it("takes the settings beside the WSGI module unless the deployment names them, and refuses settings it cannot find", async () => {
    const named = deploy({ kind: 'django-runserver', env: { DJANGO_SETTINGS_MODULE: 'mysite.production' } });
    expect((await named.kind.plan(named.spec, ctx)).args).not.toContain('--settings');
    const elsewhere: AppUnderTest = { ...djangoApp, wsgi: 'deploy.wsgi:application' };
    expect(refusal(() => deploy('django-runserver', elsewhere))).toMatch(
      /deployments\[0\]: django-runserver loads the project's settings, which bench takes to be deploy\.settings .* has no deploy\/settings\.py; name them with env: \{ DJANGO_SETTINGS_MODULE: mysite\.settings \} or args: \[--settings, mysite\.settings\]/,
    );
    expect(deploy({ kind: 'django-runserver', args: ['--settings', 'mysite.settings'] }, elsewhere).label).toBe('django-runserver');
  });

  it('is refused with exit 2 by bench run, before anything starts, when the scenario has no app', async () => {
    const file = join(project, 'runserver.yaml');
    writeFileSync(file, 'path: /\nduration: 1\nconcurrency: [1]\ndeployments: [django-runserver]\n');
    await expect(planRun(file, { out: join(project, 'never') })).rejects.toThrow(/django-runserver cannot host bench's demo app/);
  });
});

describe("waitress's exported command", () => {
  const measured = ['/usr/bin/python3', '-u', '-m', 'waitress', '--listen=127.0.0.1:41234', '--threads=8', '--channel-timeout', '30', '--expose-tracebacks', 'app:app'];
  const waitressRow = row({ deployment: 'waitress', server: 'waitress', workers: 1, concurrency: 8, throughputRps: 150, serverArgs: measured });

  function exported(app: AppUnderTest | undefined, bind: string): Record<string, string> {
    const results = run([waitressRow], { settings: { ...(app && { app }) } });
    return Object.fromEntries(exportFiles(exportTarget(results, 'runs/waitress/results.json', { to: 'out', deployment: 'waitress', bind })));
  }

  it('takes the measured command line apart: long options with their values, and the app last', () => {
    expect(parseModuleCommand(measured, 'waitress')).toEqual({
      program: ['/usr/bin/python3', '-u', '-m', 'waitress'],
      options: [{ flag: '--listen', value: '127.0.0.1:41234' }, { flag: '--threads', value: '8' }, { flag: '--channel-timeout', value: '30' }, { flag: '--expose-tracebacks' }],
      positionals: ['app:app'],
    });
  });

  it("keeps every measured setting, listening where --bind says and running the user's app in its interpreter, from the app's folder", () => {
    const app: AppUnderTest = { kind: 'wsgi', dir: project, wsgi: 'mysite.wsgi:application', python: '/srv/venv/bin/python', health: '/' };
    const out = exported(app, '127.0.0.1:8000');
    expect(Object.keys(out).sort()).toEqual(['README.md', 'mysite.service', 'nginx-site.conf', 'supervisor-mysite.conf']);
    expect(out['supervisor-mysite.conf']).toMatch(/^command=\/srv\/venv\/bin\/python -m waitress --listen=127\.0\.0\.1:8000 --threads=8 --channel-timeout=30 --expose-tracebacks mysite\.wsgi:application$/m);
    expect(out['supervisor-mysite.conf']).toContain(`\ndirectory=${project}\n`);
    expect(out['mysite.service']).toContain(`\nWorkingDirectory=${project}\n`);
    expect(exported(undefined, '/run/bench-demo.sock')['supervisor-bench-demo.conf']).toMatch(
      /^command=\/usr\/bin\/python3 -u -m waitress --unix-socket=\/run\/bench-demo\.sock --threads=8 --channel-timeout=30 --expose-tracebacks app:app$/m,
    );
  });
});
