import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeploymentSpec } from '../harness/deployments/kind.js';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { sleep } from '../harness/process/group.js';
import { groupMembers } from '../harness/process/procfs.js';
import { fcgiwrap, flask, gevent, gunicorn, nginx, uwsgi, type Software } from '../harness/software/catalog.js';
import { readWorkerStatus, STATUS_DIR_ENV, type WorkerStatus } from '../harness/status/worker-status.js';
import { withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

const N = 6; // requests sent at once
const IO = '/io?ms=600';

const total = (statuses: WorkerStatus[]) => statuses.reduce((sum, s) => sum + s.busy, 0);

/** Runs `body` on a deployment whose spec sets BENCH_STATUS_DIR to a fresh private folder. */
async function withStatus(spec: Partial<DeploymentSpec> & { kind: string }, body: (d: RunningDeployment, dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-status-'));
  try {
    await withDeployment({ ...spec, env: { [STATUS_DIR_ENV]: dir } }, (d) => body(d, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sends `count` requests at once; resolves with them all answered. */
function sendAtOnce(d: RunningDeployment, count: number, path: string): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, () => fetch(d.baseUrl + path).then(async (r) => (await r.text(), r.status))));
}

/** Reads until `done` holds of a reading or `ms` pass; returns the last reading. */
async function readUntil(dir: string, done: (s: WorkerStatus[]) => boolean, ms: number): Promise<WorkerStatus[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const statuses = readWorkerStatus(dir);
    if (done(statuses) || Date.now() >= deadline) return statuses;
    await sleep(20);
  }
}

interface PoolCase {
  spec: Partial<DeploymentSpec> & { kind: string };
  needs: Software[];
  title: string;
  /** Requests the deployment serves at once (K), and each process at most. */
  serves: number;
  perProcess: number;
  /** Processes that serve: the pool's workers, never its arbiter or primary (the group's leader). */
  processes: number;
  pool: boolean;
}

const cases: PoolCase[] = [
  { spec: { kind: 'node-blocking' }, needs: [], title: 'a blocking Node process shows one busy request while six wait', serves: 1, perProcess: 1, processes: 1, pool: false },
  { spec: { kind: 'node-prefork', workers: 4 }, needs: [], title: 'a Node pre-fork pool of 4 shows each worker busy with one, and no file for its primary', serves: 4, perProcess: 1, processes: 4, pool: true },
  { spec: { kind: 'node-async' }, needs: [], title: 'an event loop shows every request busy at once', serves: N, perProcess: N, processes: 1, pool: false },
  { spec: { kind: 'flask-dev' }, needs: [flask], title: "Flask's dev server with threads off shows one busy request", serves: 1, perProcess: 1, processes: 1, pool: false },
  { spec: { kind: 'gunicorn-sync', workers: 2 }, needs: [flask, gunicorn], title: 'gunicorn with 2 sync workers shows both busy, and no file for its arbiter', serves: 2, perProcess: 1, processes: 2, pool: true },
  {
    spec: { kind: 'gunicorn-sync', workers: 2, preload: true },
    needs: [flask, gunicorn],
    title: 'gunicorn with preload (--preload), whose arbiter imports the app before forking, still shows only its 2 workers',
    serves: 2, perProcess: 1, processes: 2, pool: true,
  },
  { spec: { kind: 'gunicorn-gthread', workers: 1, threads: 4 }, needs: [flask, gunicorn], title: 'one gthread worker of 4 threads shows 4 busy while 6 wait', serves: 4, perProcess: 4, processes: 1, pool: true },
  { spec: { kind: 'gunicorn-gevent', workers: 2 }, needs: [flask, gunicorn, gevent], title: 'gunicorn with 2 gevent workers shows every request busy at once', serves: N, perProcess: N, processes: 2, pool: true },
  { spec: { kind: 'uwsgi', workers: 2 }, needs: [flask, uwsgi], title: 'uWSGI with 2 processes (--lazy-apps) shows both busy, and no file for its master', serves: 2, perProcess: 1, processes: 2, pool: true },
  { spec: { kind: 'uwsgi', workers: 2, preload: true }, needs: [flask, uwsgi], title: 'uWSGI with preload, whose master imports the app before forking, still shows only its 2 workers', serves: 2, perProcess: 1, processes: 2, pool: true },
  { spec: { kind: 'gunicorn-sync', workers: 2, proxy: 'nginx' }, needs: [flask, gunicorn, nginx], title: 'gunicorn with 2 sync workers behind nginx shows both busy', serves: 2, perProcess: 1, processes: 2, pool: true },
];

for (const c of cases) {
  (await describeWith(c.needs))(`worker status of ${c.spec.kind}`, () => {
    it(`${c.title}, then none busy once all are answered`, async () => {
      await withStatus(c.spec, async (d, dir) => {
        const leader = d.processes[0]!.pid;
        const answered = sendAtOnce(d, N, IO);
        await sleep(300);
        const during = readWorkerStatus(dir);
        expect(total(during), JSON.stringify(during)).toBe(Math.min(N, c.serves));
        for (const s of during) expect(s.busy, `pid ${s.pid}`).toBeLessThanOrEqual(c.perProcess);
        expect(during).toHaveLength(c.processes);
        const members = groupMembers(leader).map((p) => p.pid);
        for (const { pid } of during) {
          expect(members).toContain(pid);
          if (c.pool) expect(pid, 'the leader (arbiter, primary, master) serves nothing').not.toBe(leader);
          else expect(pid).toBe(leader);
        }
        expect(await answered).toEqual(Array(N).fill(200));
        const after = await readUntil(dir, (s) => total(s) === 0, 1000);
        expect(total(after), JSON.stringify(after)).toBe(0);
        expect(after.map((s) => s.pid)).toEqual(during.map((s) => s.pid));
      });
    });
  });
}

(await describeWith([flask, nginx, fcgiwrap]))('worker status of cgi', () => {
  it('CGI shows one file per request, the CGI process serving it, gone once it is answered', async () => {
    await withStatus({ kind: 'cgi', workers: 4 }, async (d, dir) => {
      const answered = sendAtOnce(d, 3, '/io?ms=1500');
      // Each CGI process starts Python and imports Flask before it counts its request.
      const during = await readUntil(dir, (s) => total(s) === 3, 1200);
      expect(during.map((s) => s.busy), JSON.stringify(during)).toEqual([1, 1, 1]);
      const fcgiwrapGroup = groupMembers(d.processes[0]!.pid).map((p) => p.pid);
      for (const { pid } of during) expect(fcgiwrapGroup).toContain(pid);
      expect(await answered).toEqual([200, 200, 200]);
      expect(await readUntil(dir, (s) => s.length === 0, 1000)).toEqual([]);
    });
  });
});
