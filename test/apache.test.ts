import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { livingProcesses } from '../harness/process/procfs.js';
import { apache2, flask, gunicorn, modWsgi } from '../harness/software.js';
import { expectLittle, groupAlive, measure, withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

// ms each request waits; Little's law: K in flight → K·12.5 req/s. Each request also pays the
// hops (client → Apache → app) and, on a busy 2-core machine, some scheduling delay: a few ms
// that would be 10% of a 40 ms wait.
const D = 80;
const IO = `/io?ms=${D}`;
const WINDOW_S = 3;

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
      // prefork forked a process for each kept-alive connection (and keeps them, up to 64 idle).
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
