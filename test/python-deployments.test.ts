import { expect, it } from 'vitest';
import { fcgiwrap, flask, gevent, gunicorn, nginx, uwsgi } from '../harness/software.js';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { expectLittle, groupAlive, measure, withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

const D = 40; // ms each request waits; Little's law: K in flight → K·25 req/s
const IO = `/io?ms=${D}`;

const describeStack = await describeWith([flask, gunicorn, gevent, uwsgi, nginx, fcgiwrap]);

/** Runs `body` on a real deployment and checks that none of its processes outlive it. */
async function deployed(spec: Parameters<typeof withDeployment>[0], body: (d: RunningDeployment) => Promise<void>) {
  let pids: number[] = [];
  await withDeployment(spec, async (d) => {
    pids = d.processes.map((p) => p.pid);
    await body(d);
  });
  for (const pid of pids) expect(groupAlive(pid), `process group ${pid} after teardown`).toBe(false);
}

describeStack('the Flask app', () => {
  it('answers with the same bytes as the Node app', async () => {
    const paths = ['/health', '/hello', '/io?ms=5', '/io-blocking?ms=5', '/cpu?ms=5', '/io?ms=2.5', '/io?ms=soon', '/nope'];
    const bodies = async (d: RunningDeployment) =>
      Promise.all(paths.map(async (p) => { const r = await fetch(d.baseUrl + p); return `${r.status} ${await r.text()}`; }));
    let node: string[] = [];
    await withDeployment({ kind: 'node-async' }, async (d) => void (node = await bodies(d)));
    await deployed({ kind: 'flask-dev' }, async (d) => expect(await bodies(d)).toEqual(node));
  });
});

describeStack("Python deployments measured against Little's law", () => {
  it("Flask's dev server with threads off serves one request at a time", async () => {
    await deployed({ kind: 'flask-dev' }, async (d) => {
      expectLittle(await measure(d, IO, 1), 1, D);
      expectLittle(await measure(d, IO, 6), 1, D);
    });
  });

  it('gunicorn sync workers serve min(clients, W) at a time', async () => {
    await deployed({ kind: 'gunicorn-sync', workers: 3 }, async (d) => {
      expectLittle(await measure(d, IO, 2), 2, D);
      expectLittle(await measure(d, IO, 12), 3, D);
    });
  });

  it('gunicorn sync workers behind nginx serve the same min(clients, W)', async () => {
    await deployed({ kind: 'gunicorn-sync', workers: 3, proxy: 'nginx' }, async (d) => {
      expectLittle(await measure(d, IO, 3), 3, D);
      expectLittle(await measure(d, IO, 12), 3, D);
    });
  });

  it('gunicorn gthread given one connection per thread serves W × T at a time', async () => {
    // Under gunicorn's defaults kept-alive clients crowd one worker (scenario gthread-keepalive).
    const oneConnectionPerThread = ['--worker-connections', '3', '--keep-alive', '0'];
    await deployed({ kind: 'gunicorn-gthread', workers: 2, threads: 3, args: oneConnectionPerThread }, async (d) => {
      expectLittle(await measure(d, IO, 6), 6, D);
      expectLittle(await measure(d, IO, 18), 6, D);
    });
  });

  it('gunicorn gevent serves every client at once', async () => {
    await deployed({ kind: 'gunicorn-gevent', workers: 1 }, async (d) => {
      expectLittle(await measure(d, IO, 32), 32, D);
    });
  });

  it('uWSGI processes serve min(clients, W), directly and behind nginx over the uwsgi protocol', async () => {
    await deployed({ kind: 'uwsgi', workers: 3 }, async (d) => {
      expectLittle(await measure(d, IO, 12), 3, D);
    });
    await deployed({ kind: 'uwsgi', workers: 2, proxy: 'nginx' }, async (d) => {
      expectLittle(await measure(d, IO, 8), 2, D);
    });
  });

  it('uWSGI with threads serves W × T at a time', async () => {
    await deployed({ kind: 'uwsgi', workers: 1, threads: 3 }, async (d) => {
      expectLittle(await measure(d, IO, 9), 3, D);
    });
  });

  it('a Node pre-fork pool behind nginx serves min(clients, W)', async () => {
    await deployed({ kind: 'node-prefork', workers: 3, proxy: 'nginx' }, async (d) => {
      expectLittle(await measure(d, IO, 12), 3, D);
    });
  });

  it('CGI serves /hello without errors, far slower than gunicorn, because it starts a process per request', async () => {
    let cgiRps = 0;
    await deployed({ kind: 'cgi', workers: 2 }, async (d) => {
      const m = await measure(d, '/hello', 2);
      expect(m.errors + m.non2xx).toBe(0);
      expect(m.requests).toBeGreaterThan(0);
      cgiRps = m.throughputRps;
    });
    await deployed({ kind: 'gunicorn-sync', workers: 2 }, async (d) => {
      const m = await measure(d, '/hello', 2);
      expect(m.throughputRps).toBeGreaterThan(cgiRps * 5);
    });
  });
});
