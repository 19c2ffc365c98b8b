import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { measurePoint } from '../harness/load/measure.js';
import { fcgiwrap, flask, gevent, gunicorn, nginx, uwsgi } from '../harness/software/catalog.js';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { expectLittle, groupAlive, measure, withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

const D = 40; // ms each request waits; Little's law: K in flight → K·25 req/s
const IO = `/io?ms=${D}`;

/** Runs a CGI program five times on a GET of /hello and prints its mean CPU (user + system) in ms. */
const CPU_OF_FIVE_RUNS = `
import os, resource, subprocess, sys
env = dict(os.environ, REQUEST_METHOD="GET", PATH_INFO="/hello", QUERY_STRING="", SERVER_NAME="127.0.0.1",
           SERVER_PORT="80", SERVER_PROTOCOL="HTTP/1.1", GATEWAY_INTERFACE="CGI/1.1", SCRIPT_NAME="")
for _ in range(5):
    subprocess.run([sys.argv[1]], env=env, stdout=subprocess.DEVNULL, check=True)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print((ru.ru_utime + ru.ru_stime) / 5 * 1000)
`;

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

  it("CGI's CPU counts each program's own, though fcgiwrap never waits for them: about what the program takes run by hand", async () => {
    await deployed({ kind: 'cgi', workers: 1 }, async (d) => {
      const m = await measurePoint({
        url: d.baseUrl + '/hello',
        concurrency: 1,
        warmupS: 0.5,
        durationS: 2,
        timeoutS: 30,
        processGroups: () => d.processes.map((p) => p.pid),
        ...(d.exitCpuLog && { exitCpuLog: d.exitCpuLog }),
      });
      const sampledMs = ((m.resources.cpuPercent / 100) * 1000) / m.throughputRps;
      // The same program outside bench, timed by the kernel's count of the children a parent waited for.
      const launcher = join(dirname(d.exitCpuLog ?? ''), 'cgi-app.py');
      const byHandMs = Number(execFileSync('python3', ['-c', CPU_OF_FIVE_RUNS, launcher], { encoding: 'utf8' }));
      const figures = `sampled ${sampledMs.toFixed(1)} ms of CPU per request at ${m.throughputRps} req/s, by hand ${byHandMs.toFixed(1)} ms`;
      expect(byHandMs, figures).toBeGreaterThan(20);
      expect(sampledMs / byHandMs, figures).toBeGreaterThan(0.6);
      expect(sampledMs / byHandMs, figures).toBeLessThan(2);
    });
  });
});
