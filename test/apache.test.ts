import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { UsageError } from '../harness/cli/errors.js';
import { findKind } from '../harness/deployments/kinds.js';
import { predictCapacity } from '../harness/model/predict.js';
import { buildPlan } from '../harness/plan/build-plan.js';
import { parseScenario } from '../harness/scenario/load.js';
import type { RunResults } from '../harness/results/types.js';
import { livingProcesses } from '../harness/process/procfs.js';
import { apache2, flask, gunicorn, modWsgi } from '../harness/software/catalog.js';
import { expectLittle, groupAlive, measure, withDeployment } from './support/deployments.js';
import { benchIn, BIN, workFolder } from './support/cli.js';
import { rowsWritten } from './support/results.js';
import { describeWith } from './support/software.js';

// ms each request waits; Little's law: K in flight → K·12.5 req/s. Each request also pays the
// hops (client → Apache → app) and, on a busy 2-core machine, some scheduling delay: a few ms
// that would be 10% of a 40 ms wait.
const D = 80;
const IO = `/io?ms=${D}`;
// 2 s: K in flight answer 25·K times a window, and a closed loop's count is off by at most K at its edges (4%);
// measured 0.96–1.00 of Little's law on a loaded 2-core machine (3 s windows: 0.947–0.987).
const WINDOW_S = 2;

const describeApache = await describeWith([apache2, flask, gunicorn, modWsgi]);

/** Every apache2 process on the machine now (the system's Apache never runs here; another run's might). */
export function apacheProcesses(): Set<number> {
  const apache = new Set<number>();
  for (const p of livingProcesses()) {
    try {
      if (readFileSync(`/proc/${p.pid}/comm`, 'utf8').trim() === 'apache2') apache.add(p.pid);
    } catch {
      // gone meanwhile
    }
  }
  return apache;
}

/** Runs `body` on a real deployment, then checks that none of its process groups, and no apache2 it started, outlive it. */
async function deployed(spec: Parameters<typeof withDeployment>[0], body: (d: RunningDeployment) => Promise<void>) {
  const before = apacheProcesses();
  let pids: number[] = [];
  let started: number[] = [];
  await withDeployment(spec, async (d) => {
    pids = d.processes.map((p) => p.pid);
    started = [...apacheProcesses()].filter((pid) => !before.has(pid));
    await body(d);
  });
  expect(started.length, 'apache2 processes while it ran').toBeGreaterThan(0);
  for (const pid of pids) expect(groupAlive(pid), `process group ${pid} after teardown`).toBe(false);
  expect([...apacheProcesses()].filter((pid) => !before.has(pid)), 'apache2 processes left').toEqual([]);
}

describeApache("Apache in front of gunicorn, measured against Little's law", () => {
  it('gunicorn sync workers behind Apache event serve min(clients, W) at a time', async () => {
    await deployed({ kind: 'gunicorn-sync', workers: 3, proxy: 'apache' }, async (d) => {
      expect(d.apacheConfig).toMatch(/LoadModule mpm_event_module/);
      expectLittle(await measure(d, IO, 2, WINDOW_S), 2, D);
      expectLittle(await measure(d, IO, 9, WINDOW_S), 3, D);
    });
  });

  it('gunicorn sync workers behind Apache prefork serve the same, one Apache process per connection', async () => {
    await deployed({ kind: 'gunicorn-sync', workers: 2, proxy: 'apache', mpm: 'prefork' }, async (d) => {
      expect(d.apacheConfig).toMatch(/LoadModule mpm_prefork_module/);
      expectLittle(await measure(d, IO, 2, WINDOW_S), 2, D);
      const clients = 11;
      expectLittle(await measure(d, IO, clients, WINDOW_S), 2, D);
      // prefork holds a process for each open connection: it keeps one ready for each of up to 256.
      const apache = d.processes[1]!;
      const children = livingProcesses().filter((p) => p.pgrp === apache.pid && p.pid !== apache.pid);
      expect(children.length).toBeGreaterThanOrEqual(clients);
    });
  });
});

describeApache("mod_wsgi, the app inside Apache, measured against Little's law", () => {
  it('in embedded mode serves min(clients, W) at a time, in W prefork processes', async () => {
    await deployed({ kind: 'apache-mod-wsgi', workers: 3 }, async (d) => {
      expect(d.apacheConfig).toMatch(/LoadModule mpm_prefork_module/);
      expectLittle(await measure(d, IO, 2, WINDOW_S), 2, D);
      expectLittle(await measure(d, IO, 9, WINDOW_S), 3, D);
      const leader = d.processes[0]!.pid;
      expect(livingProcesses().filter((p) => p.pgrp === leader && p.pid !== leader)).toHaveLength(3);
    });
  });

  it('in daemon mode serves min(clients, W × T) at a time, behind Apache event', async () => {
    await deployed({ kind: 'apache-mod-wsgi', workers: 2, threads: 3, wsgiMode: 'daemon' }, async (d) => {
      expect(d.apacheConfig).toMatch(/WSGIDaemonProcess bench processes=2 threads=3/);
      expectLittle(await measure(d, IO, 4, WINDOW_S), 4, D);
      expectLittle(await measure(d, IO, 14, WINDOW_S), 6, D);
    });
  });

  it("hosts a user's WSGI app, with the environment bench gives it", async () => {
    const app = { kind: 'wsgi', wsgi: 'fixture_app:application', dir: resolve('test/fixtures/wsgi-app'), python: '/usr/bin/python3', health: '/healthz' } as const;
    await deployed({ kind: 'apache-mod-wsgi', workers: 2, app, env: { FIXTURE_GREETING: 'hello from bench' } }, async (d) => {
      const answer = await fetch(`${d.baseUrl}/work?ms=1`);
      expect(await answer.text()).toBe('done\n');
      expect(answer.headers.get('x-fixture-greeting')).toBe('hello from bench');
    });
  });
});

/** The plan's error for a scenario with one deployment entry (YAML lines under `- `). */
function planError(entry: string[]): string {
  const text = ['path: /hello', 'duration: 1', 'concurrency: [1]', 'deployments:', ...entry.map((line, i) => `${i === 0 ? '  - ' : '    '}${line}`)].join('\n');
  try {
    buildPlan(parseScenario(text, 'my.yaml'), {});
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('Apache settings in a scenario', () => {
  it('rejects mpm: on a deployment without Apache, naming the field', () => {
    expect(planError(['kind: gunicorn-sync', 'mpm: prefork'])).toMatch(/deployments\[0\]: mpm: .*gunicorn-sync has no Apache; use gunicorn-sync\+apache/);
    expect(planError(['kind: gunicorn-sync+nginx', 'mpm: event'])).toMatch(/deployments\[0\]: mpm: /);
  });

  it("rejects mode: outside apache-mod-wsgi, and threads: or mpm: event in mod_wsgi's embedded mode", () => {
    expect(planError(['kind: gunicorn-sync+apache', 'mode: daemon'])).toMatch(/deployments\[0\]: mode: .*apache-mod-wsgi only/);
    expect(planError(['kind: apache-mod-wsgi', 'threads: 4'])).toMatch(/deployments\[0\]: threads: .*use mode: daemon/);
    expect(planError(['kind: apache-mod-wsgi', 'mpm: event'])).toMatch(/deployments\[0\]: mpm: event: .*use mode: daemon/);
  });

  it('rejects Apache in front of CGI and of mod_wsgi, and two MPMs at once', () => {
    expect(planError(['kind: cgi+apache'])).toMatch(/cgi\+apache: cgi runs behind nginx/);
    expect(planError(['kind: apache-mod-wsgi+apache'])).toMatch(/is Apache itself/);
    expect(planError(['kind: gunicorn-sync+apache-prefork', 'mpm: event'])).toMatch(/mpm: event and "gunicorn-sync\+apache-prefork" name two MPMs/);
  });

  it('labels each MPM and mode, and sizes daemon mode by workers and threads', () => {
    const text = ['path: /io?ms=10', 'duration: 1', 'concurrency: [1]', 'deployments:', '  - gunicorn-sync+apache', '  - gunicorn-sync+apache-prefork',
      '  - kind: apache-mod-wsgi', '    workers: 5', '  - kind: apache-mod-wsgi', '    mode: daemon', '    workers: 3', '    threads: 7'].join('\n');
    const plan = buildPlan(parseScenario(text, 'my.yaml'), {});
    expect(plan.deployments.map((d) => [d.label, d.spec.proxy, d.spec.mpm, d.spec.wsgiMode, d.spec.threads])).toEqual([
      ['gunicorn-sync+apache ×4', 'apache', undefined, undefined, undefined],
      ['gunicorn-sync+apache-prefork ×4', 'apache', 'prefork', undefined, undefined],
      ['apache-mod-wsgi ×5', 'none', 'prefork', 'embedded', undefined],
      ['apache-mod-wsgi daemon ×3 (7 threads)', 'none', 'event', 'daemon', 7],
    ]);
  });
});

describe('the model of Apache with slow clients', () => {
  const gunicorn = findKind('gunicorn-sync')!;
  const modWsgiKind = findKind('apache-mod-wsgi')!;

  it("keeps the pool's workers free in front, until the slow clients hold all of Apache's own", () => {
    const spec = { kind: 'gunicorn-sync', workers: 4, proxy: 'apache' as const };
    expect(predictCapacity(gunicorn, spec, '/io?ms=50', 2, 64).capacity).toBe(4);
    expect(predictCapacity(gunicorn, { ...spec, mpm: 'prefork' as const }, '/io?ms=50', 2, 254).capacity).toBe(2);
    expect(predictCapacity(gunicorn, spec, '/io?ms=50', 2, 320)).toMatchObject({ capacity: 0, bound: "Apache's 256 workers, 256 held by slow clients" });
  });

  it("gives mod_wsgi's embedded processes to the slow clients, and not its daemons", () => {
    const embedded = { kind: 'apache-mod-wsgi', workers: 4, proxy: 'none' as const, wsgiMode: 'embedded' as const };
    expect(predictCapacity(modWsgiKind, embedded, '/io?ms=50', 2, 3).capacity).toBe(1);
    const daemon = { ...embedded, wsgiMode: 'daemon' as const, threads: 2 };
    expect(predictCapacity(modWsgiKind, daemon, '/io?ms=50', 2, 3).capacity).toBe(8);
  });
});

describeApache('bench run through Apache', () => {
  const work = workFolder('apache-run');

  it("reports Apache's own CPU and memory apart from the pool's, and its httpd.conf", () => {
    writeFileSync(
      join(work, 'fronts.yaml'),
      'path: /hello\nduration: 0.5\nwarmup: 0.2\nconcurrency: [4]\n' +
        'deployments:\n  - kind: gunicorn-sync+apache\n    workers: 2\n  - kind: gunicorn-sync+apache-prefork\n    workers: 2\n',
    );
    const r = benchIn(work)('run', 'fronts.yaml', '--out', 'fronts');
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(work, 'fronts', 'results.json'), 'utf8')) as RunResults;
    const [event, prefork] = run.results;
    // Event: the parent and its 4 children of 64 threads; prefork: the parent and 256 children.
    expect(event!.frontResources?.processes).toBe(5);
    expect(prefork!.frontResources?.processes).toBe(257);
    for (const row of [event!, prefork!]) {
      expect(row.frontResources!.cpuPercent).toBeGreaterThan(0);
      expect(row.frontResources!.peakRssMb).toBeLessThan(row.resources.peakRssMb);
      expect(row.resources.processes).toBe(row.frontResources!.processes + 3); // gunicorn's arbiter and 2 workers
    }
    const report = readFileSync(join(work, 'fronts', 'report.md'), 'utf8');
    expect(report).toMatch(/web server CPU %.*web server PSS MB/);
    expect(report).toContain('<summary>httpd.conf</summary>');
    expect(report).toContain('MaxRequestWorkers 256');
  });

  it('interrupted with Ctrl-C during Apache prefork and mod_wsgi daemon mode, leaves no apache2 process and exits 130', async () => {
    writeFileSync(
      join(work, 'apache.yaml'),
      'path: /io?ms=20\nduration: 1\nwarmup: 0.2\nconcurrency: [2, 4]\n' +
        'deployments:\n  - kind: gunicorn-sync+apache-prefork\n    workers: 2\n  - kind: apache-mod-wsgi\n    mode: daemon\n    workers: 2\n    threads: 2\n',
    );
    const before = apacheProcesses();
    const wsgiFolders = () => readdirSync(tmpdir()).filter((f) => f.startsWith('bench-wsgi-'));
    const foldersBefore = new Set(wsgiFolders());
    const out = join(work, 'out');
    const bench = spawn(process.execPath, [BIN, 'run', 'apache.yaml', '--out', out], { cwd: work, stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => bench.on('exit', (code) => done(code)));
    // Interrupted while mod_wsgi's daemons serve, after the prefork front's points.
    const rows = await rowsWritten(out, 3, 60_000);
    expect(rows, 'points measured before the interruption').toBeGreaterThanOrEqual(2);
    expect([...apacheProcesses()].filter((pid) => !before.has(pid)).length, 'Apache running when interrupted').toBeGreaterThan(0);
    bench.kill('SIGINT');
    expect(await exited).toBe(130);
    expect([...apacheProcesses()].filter((pid) => !before.has(pid)), 'apache2 processes left').toEqual([]);
    expect(wsgiFolders().filter((f) => !foldersBefore.has(f)), "mod_wsgi's socket folders left").toEqual([]);
  });
});
