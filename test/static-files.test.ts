import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { nginxPlan } from '../harness/deployments/nginx.js';
import { ProcessGroup, sleep } from '../harness/process/group.js';
import { freePort, LOOPBACK } from '../harness/process/ports.js';
import { probe } from '../harness/process/readiness.js';
import { LatencyHistogram } from '../harness/load/histogram.js';
import { projectRoot } from '../harness/files/bench-paths.js';
import { apache2, fcgiwrap, flask, gunicorn, locust, modWsgi, nginx, starlette, uvicorn, uwsgi } from '../harness/software/catalog.js';
import type { MixRequest } from '../harness/load/engine.js';
import { measurePoint, type PointMeasurement } from '../harness/load/measure.js';
import { measure, withDeployment } from './support/deployments.js';
import { benchIn, workFolder } from './support/cli.js';
import { describeWith } from './support/software.js';

const STATIC = join(projectRoot, 'servers', 'static');
const FILES = [
  { name: 'small.txt', size: 4096, type: 'text/plain; charset=utf-8' },
  { name: 'large.bin', size: 1024 * 1024, type: 'application/octet-stream' },
];

/** Every spelling of a way out of /static/ that a client can send, as it is sent (fetch would normalise them away). */
const ESCAPES = [
  '/static/../package.json',
  '/static/%2e%2e/package.json',
  '/static/%2E%2E%2Fpackage.json',
  '/static/..%2fpackage.json',
  '/static/..%5cpackage.json',
  '/static//etc/passwd',
  '/static/%2fetc%2fpasswd',
  '/static/.',
  '/static/',
  '/static/small.txt/',
  '/static/small.txt%00',
  '/static/nope.txt',
];

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** GET `path` exactly as written, on a connection of its own. */
function rawGet(baseUrl: string, path: string): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Each file as the deployment serves it, with its type and length, and what every escape got. */
async function servedFiles(d: RunningDeployment) {
  const files = [];
  /** Only the app names its process (x-worker-pid). */
  const answeredBy: string[] = [];
  for (const file of FILES) {
    const answer = await rawGet(d.baseUrl, `/static/${file.name}`);
    files.push({ name: file.name, status: answer.status, type: answer.headers['content-type'], length: answer.headers['content-length'], sha: sha(answer.body) });
    answeredBy.push(answer.headers['x-worker-pid'] === undefined ? 'web server' : 'app');
  }
  const escapes = [];
  for (const path of ESCAPES) {
    const answer = await rawGet(d.baseUrl, path);
    escapes.push({ path, status: answer.status, leaked: /"name": "bench"|root:/.test(answer.body.toString('latin1')) });
  }
  return { files, escapes, answeredBy };
}

/**
 * What every deployment must answer: the shipped bytes, their type and length, and 404 for every
 * way out (nginx in front refuses a NUL in the URI itself, with 400, before any app sees it).
 */
function expected(nginxInFront = false, answeredBy = 'app') {
  return {
    answeredBy: FILES.map(() => answeredBy),
    files: FILES.map((f) => ({ name: f.name, status: 200, type: f.type, length: String(f.size), sha: sha(readFileSync(join(STATIC, f.name))) })),
    escapes: ESCAPES.map((path) => ({ path, status: nginxInFront && path.includes('%00') ? 400 : 404, leaked: false })),
  };
}

it('bench ships a 4 KB text file and a 1 MB binary one for /static', () => {
  for (const file of FILES) expect(readFileSync(join(STATIC, file.name)).length, file.name).toBe(file.size);
});

it("the Node app serves /static/ with the shipped bytes, streaming or blocking, and refuses every way out with 404", async () => {
  for (const kind of ['node-async', 'node-blocking', 'node-prefork']) {
    await withDeployment({ kind, workers: 2 }, async (d) => expect(await servedFiles(d), kind).toEqual(expected()));
  }
});

const describePython = await describeWith([flask, gunicorn, uwsgi, uvicorn, starlette, nginx, fcgiwrap]);

describePython('the Python apps', () => {
  it('behind nginx with static: web-server, nginx answers /static/ from the folder itself, with the same bytes, type and length, and refuses every way out', async () => {
    for (const kind of ['gunicorn-sync', 'node-async']) {
      await withDeployment({ kind, workers: 2, proxy: 'nginx', static: 'web-server' }, async (d) => {
        expect(d.nginxConfig).toMatch(/location \/static\/ \{\s+alias "[^"]+\/servers\/static\/";/);
        expect(await servedFiles(d), kind).toEqual(expected(true, 'web server'));
      });
    }
    await withDeployment({ kind: 'gunicorn-sync', workers: 2, proxy: 'nginx', static: 'app' }, async (d) => {
      expect(d.nginxConfig).not.toMatch(/location \/static\//);
      expect(await servedFiles(d)).toEqual(expected(true, 'app'));
    });
  });

  it('serve /static/ with the same bytes, type and length as the Node app, under WSGI, ASGI and CGI, and refuse every way out with 404', async () => {
    for (const spec of [{ kind: 'flask-dev' }, { kind: 'gunicorn-sync', workers: 2 }, { kind: 'uwsgi', workers: 1 }, { kind: 'uvicorn' }, { kind: 'cgi', workers: 1 }]) {
      await withDeployment(spec, async (d) => expect(await servedFiles(d), spec.kind).toEqual(expected(spec.kind === 'cgi')));
    }
  });
});

const describeNginx = await describeWith([flask, gunicorn, nginx]);

const W = 4;
const D = 20; // ms each /io request waits
const IO = `/io?ms=${D}`;
const IO_RATE = 40; // req/s of /io: 40 × 20 ms keeps 0.8 of the 4 workers busy
const get = (path: string, weight: number): MixRequest => ({ method: 'GET', path, headers: {}, weight });

/** Open loop, so that /io arrives at the same rate whatever the static requests beside it do (a closed loop would slow it down with them). */
function offered(d: RunningDeployment, requests: MixRequest[], rps: number): Promise<PointMeasurement> {
  return measurePoint({ url: d.baseUrl, requests, offeredRps: rps, maxConnections: 1000, warmupS: 0.5, durationS: 2.5, timeoutS: 30 });
}

/** The /io requests' own figures in a mix (the first request of every mix here). */
function io(m: PointMeasurement) {
  const figures = m.byRequest?.[0];
  expect(figures?.name).toBe(`GET ${IO}`);
  return figures!;
}

const p50 = (m: PointMeasurement) => LatencyHistogram.decode(io(m).histogram).percentileMs(50);

describeNginx('static files beside /io on gunicorn sync ×4 behind nginx', () => {
  it('served by nginx they leave /io as fast as alone; passed through the pool, once they need more than its spare workers, /io queues behind them', async () => {
    // Little's law: /io keeps IO_RATE × D of the W workers busy. Offer twice what the rest can pass
    // of the 1 MB file, so that through the pool the queue grows all window long; the pool's
    // capacity is measured just before, on the same deployment (the machine's speed varies).
    const spare = 1 - (IO_RATE * D) / 1000 / W;
    let poolCapacity = 0;
    let throughPool = 0;
    let mix: MixRequest[] = [];
    let rate = 0;
    await withDeployment({ kind: 'gunicorn-sync', workers: W, proxy: 'nginx', static: 'app' }, async (d) => {
      // How many 1 MB files a second the pool passes with all W workers busy with them: each holds
      // its worker while it reads the file and writes it into nginx.
      poolCapacity = (await measure(d, '/static/large.bin', 2 * W)).throughputRps;
      const perIo = Math.ceil((2 * poolCapacity * spare) / IO_RATE);
      mix = [get(IO, 1), get('/static/large.bin', perIo)];
      rate = IO_RATE * (1 + perIo);
      throughPool = p50(await offered(d, mix, rate));
    });
    let alone = 0;
    let besideNginx = 0;
    await withDeployment({ kind: 'gunicorn-sync', workers: W, proxy: 'nginx', static: 'web-server' }, async (d) => {
      alone = p50(await offered(d, [get(IO, 1)], IO_RATE));
      const m = await offered(d, mix, rate);
      expect(m.errors + m.non2xx).toBe(0);
      // Every answer is one of the mix's, and /io came at its rate.
      expect(m.byRequest!.reduce((sum, r) => sum + r.ok, 0)).toBe(m.samples);
      expect(io(m).throughputRps / IO_RATE).toBeGreaterThan(0.9);
      besideNginx = p50(m);
    });
    const figures = `/io p50 alone ${alone} ms, beside ${rate - IO_RATE} large files/s from nginx ${besideNginx} ms, through the pool ${throughPool} ms (pool capacity ${poolCapacity} files/s)`;
    expect(alone, figures).toBeGreaterThan(D);
    expect(alone, figures).toBeLessThan(1.5 * D);
    expect(besideNginx, figures).toBeLessThan(1.25 * alone + 2);
    expect(throughPool, figures).toBeGreaterThan(1.5 * alone);
  });
});

describeNginx('bench export of a row whose nginx answered /static/ itself', () => {
  const dir = workFolder('static-export');

  it("writes that location into the nginx site, measured, saying to point it at the app's folder", () => {
    const bench = benchIn(dir);
    writeFileSync(
      join(dir, 'static.yaml'),
      'path: /static/small.txt\nduration: 0.5\nwarmup: 0.2\nconcurrency: [1]\ndeployments:\n  - { kind: gunicorn-sync+nginx, workers: 2, static: web-server }\n',
    );
    const run = bench('run', 'static.yaml', '--out', 'run');
    expect(run.code, run.stderr).toBe(0);
    const exported = bench('export', 'run', '--to', 'deploy');
    expect(exported.code, exported.stderr).toBe(0);
    const site = readFileSync(join(dir, 'deploy', 'nginx-site.conf'), 'utf8');
    expect(site).toMatch(/point alias at your app's static folder[^\n]*\n[^\n]*mime\.types\.\n\s+location \/static\/ \{\n\s+alias "[^"]+\/servers\/static\/";  # measured: /);
    expect(site).toContain('charset utf-8;  # measured');
  });
});

// A quote, spaces, `$` (a variable to nginx, and alias expands variables), `;`, braces and a backslash.
const ODD = 'bench static "q" $x; y \\ {z}-';

describeNginx(`nginx answering /static/ from a folder named like ${ODD}`, () => {
  it('serves the same bytes from it: the alias is quoted, and its $ stays a dollar', async () => {
    const folder = mkdtempSync(join(tmpdir(), ODD));
    const tmpDir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    cpSync(STATIC, folder, { recursive: true });
    const port = await freePort();
    // Nothing listens upstream: /static/ must be answered without it.
    const plan = nginxPlan({ host: LOOPBACK, port, upstreamPort: await freePort(), protocol: 'http', tmpDir, staticDir: folder });
    const nginxGroup = new ProcessGroup('nginx', plan, join(tmpDir, 'nginx.log'));
    try {
      const url = `http://${LOOPBACK}:${port}`;
      for (let tries = 0; (await probe(`${url}/static/small.txt`)) !== 200; tries++) {
        if (tries > 50) throw new Error(`nginx did not answer: ${nginxGroup.tail()}`);
        await sleep(100);
      }
      for (const file of FILES) {
        const answer = await rawGet(url, `/static/${file.name}`);
        expect({ status: answer.status, type: answer.headers['content-type'], sha: sha(answer.body) }).toEqual({ status: 200, type: file.type, sha: sha(readFileSync(join(STATIC, file.name))) });
      }
    } finally {
      await nginxGroup.stop();
      rmSync(folder, { recursive: true, force: true });
      rmSync(tmpDir, { recursive: true, force: true });
    }
  });
});

const describeApache = await describeWith([apache2, modWsgi, flask, gunicorn]);

describeApache('Apache', () => {
  it('with the Flask app inside it (mod_wsgi) serves /static/ with the same bytes, type and length as the Node app, and refuses every way out', async () => {
    await withDeployment({ kind: 'apache-mod-wsgi', workers: 1 }, async (d) => expect(await servedFiles(d)).toEqual(expected()));
  });

  it('in front with static: web-server answers /static/ from the folder itself (Alias), with the same bytes, type and length, and refuses every way out', async () => {
    await withDeployment({ kind: 'gunicorn-sync', workers: 2, proxy: 'apache', static: 'web-server' }, async (d) => {
      expect(d.apacheConfig).toMatch(/ProxyPass "\/static\/" "!"\nAlias "\/static\/" "[^"]+\/servers\/static\/"/);
      expect(await servedFiles(d)).toEqual(expected(false, 'web server'));
    });
  });
});

const describeLocust = await describeWith([locust]);

describeLocust('--generator locust with a mix', () => {
  it("keeps each request of the mix apart too, under the names bench gave them, in the mix's proportions", async () => {
    await withDeployment({ kind: 'node-async' }, async (d) => {
      const mix = [get(IO, 1), get('/static/small.txt', 3)];
      const m = await measurePoint({ url: d.baseUrl, requests: mix, concurrency: 4, warmupS: 1, durationS: 3, timeoutS: 30, generator: 'locust', locust: { workers: 1 } });
      const [ioFigures, smallFigures] = m.byRequest!;
      expect([ioFigures?.name, smallFigures?.name]).toEqual([`GET ${IO}`, 'GET /static/small.txt']);
      expect(ioFigures!.ok + smallFigures!.ok).toBe(m.samples);
      // Locust picks each task at random by weight, whatever it takes to answer.
      expect(smallFigures!.ok / ioFigures!.ok).toBeGreaterThan(2.4);
      expect(smallFigures!.ok / ioFigures!.ok).toBeLessThan(3.6);
      expect(LatencyHistogram.decode(ioFigures!.histogram).percentileMs(50)).toBeGreaterThanOrEqual(D);
      expect(LatencyHistogram.decode(smallFigures!.histogram).percentileMs(50)).toBeLessThan(D / 2);
    });
  });
});
