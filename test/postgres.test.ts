import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPostgres, type RunningPostgres } from '../harness/database/postgres.js';
import { serverEnvironment } from '../harness/process/server-env.js';
import { tcpListeners } from '../harness/process/listeners.js';
import type { RunResults } from '../harness/results/types.js';
import { flask, gevent, gunicorn, postgresql, psycogreen, psycopg2 } from '../harness/software/catalog.js';
import { benchIn, BIN, workFolder } from './support/cli.js';
import { postgresFolders, postgresProcesses, withDatabaseDeployment } from './support/database.js';
import { expectLittle, measure, withDeployment } from './support/deployments.js';
import { rowsWritten } from './support/results.js';
import { describeWith } from './support/software.js';

// ms each /db query sleeps in PostgreSQL: K connections busy at once serve K·25 req/s. Long enough
// that a request's own 1–2 ms (HTTP, the driver, a busy shared machine) stays well inside 10%.
const D = 40;
const DB = `/db?ms=${D}`;

const describeDatabase = await describeWith([postgresql, flask, gunicorn, gevent, psycopg2, psycogreen]);
const work = workFolder('db-run');

describeDatabase('a private PostgreSQL', () => {
  let db: RunningPostgres;
  let logDir: string;
  let startedInS: number;
  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'bench-pgtest-logs-'));
    const startedAt = performance.now();
    db = await startPostgres({ logDir, timeoutMs: 10_000 });
    startedInS = (performance.now() - startedAt) / 1000;
  });
  afterAll(async () => {
    await db?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('starts in under 5 s, listening on a Unix socket in a private folder of its own and on no TCP port', async () => {
    expect(startedInS).toBeLessThan(5);
    expect(tcpListeners([db.server.pid])).toEqual([]);
    const folder = statSync(db.address.host);
    expect(folder.mode & 0o777).toBe(0o700);
    // PostgreSQL refuses root: as root, bench runs it as another user, who owns its folder.
    if (process.getuid?.() === 0) expect(folder.uid).not.toBe(0);
    const client = new pg.Client(db.address);
    await client.connect();
    try {
      const setting = async (name: string) => (await client.query(`SHOW ${name}`)).rows[0][name];
      expect(await setting('listen_addresses')).toBe('');
      expect([await setting('fsync'), await setting('synchronous_commit'), await setting('full_page_writes')]).toEqual(['off', 'off', 'off']);
      expect((await client.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(1000);
      // An ordinary role: the apps' connections count against max_connections less the reserved ones.
      expect((await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0].rolsuper).toBe(false);
    } finally {
      await client.end();
    }
  });

  it('serves /db?ms=40 on gunicorn sync ×4 at 8 clients at 4 × 25 = 100 req/s, within 10%', async () => {
    await withDatabaseDeployment(db, { kind: 'gunicorn-sync', workers: 4 }, async (d) => {
      expectLittle(await measure(d, DB, 8), 4, D, 0.1);
    });
  });

  it('serves gevent ×2 without psycogreen like 2 sync workers (50 req/s, within 15%), and with it at least 3 times that', async () => {
    let blocking = 0;
    // One request per connection: a kept-alive client stays with the worker that accepted it, and a
    // worker that blocks on every query may have accepted all 8 (then the pool serves like one worker).
    await withDatabaseDeployment(db, { kind: 'gunicorn-gevent', workers: 2, cooperativeDriver: false, args: ['--keep-alive', '0'] }, async (d) => {
      const measured = await measure(d, DB, 8);
      expectLittle(measured, 2, D, 0.15);
      blocking = measured.throughputRps;
    });
    await withDatabaseDeployment(db, { kind: 'gunicorn-gevent', workers: 2 }, async (d) => {
      const measured = await measure(d, DB, 16);
      expect(measured.errors).toBe(0);
      expect(measured.throughputRps).toBeGreaterThan(3 * blocking);
    });
  });

  it('caps node-async at its pool: 2 connections at d = 40 ms serve 50 req/s at 16 clients, within 10%', async () => {
    await withDatabaseDeployment(db, { kind: 'node-async', pool: 2 }, async (d) => {
      expectLittle(await measure(d, DB, 16), 2, D, 0.1);
    });
  });

  it('blocks a blocking Node worker on its query: node-blocking serves one at a time, 20 req/s on /db?ms=50 at 4 clients (within 15%), not 80', async () => {
    // 50 ms rather than 20: the query's hop to its thread and back costs a single process more of each request than a pool pays.
    await withDatabaseDeployment(db, { kind: 'node-blocking' }, async (d) => {
      expectLittle(await measure(d, '/db?ms=50', 4), 1, 50, 0.15);
    });
  });

  it('answers /db-rows?n=N with the first N rows of items, the same bytes from Flask and Node, and refuses an n beyond them', async () => {
    const paths = ['/db-rows?n=3', '/db-rows?n=0', '/db-rows?n=1001', '/db-rows?n=two', '/db?ms=1'];
    const bodies = async (d: { baseUrl: string }) =>
      Promise.all(paths.map(async (p) => { const r = await fetch(d.baseUrl + p); return `${r.status} ${await r.text()}`; }));
    const node = await withDatabaseDeployment(db, { kind: 'node-async' }, bodies);
    expect(node[0]).toBe('200 {"endpoint":"db-rows","n":3,"rows":[{"id":1,"name":"item 1"},{"id":2,"name":"item 2"},{"id":3,"name":"item 3"}]}\n');
    expect(node[2]).toMatch(/^400 .*n must be a whole number from 0 to 1000/);
    expect(await withDatabaseDeployment(db, { kind: 'flask-dev' }, bodies)).toEqual(node);
  });
});

describeDatabase('the demo apps without a database', () => {
  it('answer /db with 503 and say what to add', async () => {
    for (const kind of ['node-async', 'flask-dev']) {
      await withDeployment({ kind }, async (d) => {
        const r = await fetch(`${d.baseUrl}${DB}`);
        expect(r.status).toBe(503);
        expect(await r.text()).toMatch(/database: postgres/);
      });
    }
  });
});

it("keeps the caller's BENCH_PG* variables from the servers: only a database: postgres run points them at a database", () => {
  expect(serverEnvironment({ PATH: '/bin', BENCH_PGHOST: '/var/run/postgresql', BENCH_PGPOOL: '64' })).toEqual({ PATH: '/bin' });
});

it('bench serve refuses a database: postgres scenario, which it would serve without its database, and says to use bench run', () => {
  const { code, stderr } = benchIn(work)('serve', 'db-pool');
  expect(code).toBe(2);
  expect(stderr).toMatch(/db-pool\.yaml: database: bench serve starts no database .*; use bench run/);
});

const runOf = (dir: string) => JSON.parse(readFileSync(join(work, dir, 'results.json'), 'utf8')) as RunResults;

describeDatabase('a database: postgres run', () => {
  writeFileSync(
    join(work, 'db.yaml'),
    'database: postgres\npath: /db?ms=20\nduration: 1\nwarmup: 0.3\nconcurrency: [1, 8]\n' +
      'deployments:\n  - kind: node-async\n    pool: 2\n  - kind: gunicorn-gthread\n    workers: 1\n    threads: 4\n    pool: 1\n',
  );

  it('says how soon PostgreSQL was ready, records its version and the pool bound, and leaves no postgres process or data folder', async () => {
    const processes = postgresProcesses();
    const folders = postgresFolders();
    const { code, stderr } = await bench('run', 'db.yaml', '--out', 'done');
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/starting PostgreSQL \d+ \(private, Unix socket\)… ready in \d+\.\d s/);
    const run = runOf('done');
    expect(run.settings.database).toBe('postgres');
    expect(run.environment.software.postgresql).toMatch(/^\d+\.\d+/);
    expect(run.environment.software.psycopg2).toMatch(/^2\./);
    const at8 = run.results.filter((row) => row.concurrency === 8);
    expect(at8.map((row) => [row.deployment, row.pool, row.model.bound, row.predictedThroughputRps])).toEqual([
      ['node-async (pool 2)', 2, 'pool: 1 process × 2 connections', 100],
      ['gunicorn-gthread ×1 (4 threads, pool 1)', 1, 'pool: 1 worker × 1 connection', 50],
    ]);
    for (const row of at8) expect(row.throughputRatio).toBeGreaterThan(0.85);
    expect([...postgresProcesses()].filter((pid) => !processes.has(pid)), 'postgres processes left').toEqual([]);
    expect([...postgresFolders()].filter((f) => !folders.has(f)), 'data folders left').toEqual([]);
  });

  it('leaves no postgres process or data folder when interrupted with SIGINT', async () => {
    const processes = postgresProcesses();
    const folders = postgresFolders();
    const child = spawn(process.execPath, [BIN, 'run', 'db.yaml', '--out', 'interrupted'], { cwd: work, stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const rows = await rowsWritten(join(work, 'interrupted'), 1, 30_000);
    expect(rows, 'a point measured before the interruption').toBeGreaterThan(0);
    expect([...postgresProcesses()].filter((pid) => !processes.has(pid)).length, 'PostgreSQL running').toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect([...postgresProcesses()].filter((pid) => !processes.has(pid)), 'postgres processes left').toEqual([]);
    expect([...postgresFolders()].filter((f) => !folders.has(f)), 'data folders left').toEqual([]);
  });
});

function bench(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => done({ code, stderr }));
  });
}
