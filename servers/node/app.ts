import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nextCount } from './counter.js';
import { asyncDatabase, blockingDatabase, databaseConfig, statements, type Row, type Statement } from './database.js';
import { sendStatic, staticFile } from './static-files.js';
import { requestCounter } from './worker-status.js';

/**
 * The app under test: the same endpoints and bodies in every deployment (the Python app mirrors it).
 *   GET /io?ms=N   waits N ms the way blocking I/O would
 *   GET /io-blocking?ms=N  waits N ms blocking the thread in every mode: in the async mode it
 *                  stops the event loop, like time.sleep inside an async def handler
 *   GET /io-sync?ms=N  the same as /io-blocking: Node has no thread pool for a sync handler (the
 *                  Starlette app runs this one in its thread pool)
 *   GET /cpu?ms=N  burns CPU for N ms
 *   GET /db?ms=N   one query, SELECT pg_sleep(N / 1000)
 *   GET /db-rows?n=N  reads the first N rows of the table `items`
 *   GET /hello     answers at once
 *   GET /count     this process's counter after one more: { count, pid } (counter.ts)
 *   GET /static/NAME  one of the files in servers/static (static-files.ts)
 *   GET /health    readiness
 * `blocking` decides how /io and the queries wait: a blocked thread (like time.sleep, or psycopg2,
 * in a sync Flask view) or an awaited timer or pool (an event loop that keeps serving while it
 * waits). /db and /db-rows need the private PostgreSQL of a scenario with database: postgres.
 */
export type WaitMode = 'blocking' | 'async';

const MAX_MS = 60_000;
/** bench fills `items` with this many rows (harness/database/connections.ts). */
const ITEMS = 1000;
const NO_DATABASE = { error: 'no database: /db and /db-rows need a scenario with database: postgres' };
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the whole thread, event loop included, for `ms` milliseconds. */
function blockFor(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Spends `ms` of this process's CPU time (not wall-clock time: a worker time-sliced with others
 * must not finish early just because the clock ran while it waited for a core).
 */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 2000; i++) x = (x + Math.sqrt(x + i)) % 1e6;
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

/**
 * The version bench wrote in $BENCH_VERSION_FILE, read once as the process loads the app: a process
 * started after a deploy began (a restart, pm2's reloaded instances) announces the new one, an old
 * process the old one, so that clients can see which served them. Undefined without the file.
 */
function announcedVersion(): string | undefined {
  const path = process.env.BENCH_VERSION_FILE;
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

const VERSION = announcedVersion();

/** What every response says besides its body: which process answered, the app's version, and whether the connection stays. */
function commonHeaders(keepAlive: boolean): Record<string, string> {
  return { 'x-worker-pid': String(process.pid), ...(VERSION && { 'x-bench-version': VERSION }), ...(!keepAlive && { connection: 'close' }) };
}

function send(res: ServerResponse, status: number, body: unknown, keepAlive: boolean, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { ...extra, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...commonHeaders(keepAlive) });
  res.end(text);
}

function parseMs(url: URL): number | string {
  const raw = url.searchParams.get('ms') ?? '0';
  const ms = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || ms > MAX_MS) return `ms must be a number from 0 to ${MAX_MS}, got "${raw}"`;
  return ms;
}

function parseCount(url: URL): number | string {
  const raw = url.searchParams.get('n') ?? '0';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > ITEMS) return `n must be a whole number from 0 to ${ITEMS}, got "${raw}"`;
  return n;
}

/** How this process queries: blocked until each answer, or through a pool while the event loop serves others. */
type Database = { blocking: (statement: Statement) => Row[] } | { pooled: (statement: Statement) => Promise<Row[]> };

/**
 * `keepAlive: false` closes the connection after each response, as gunicorn's sync workers do.
 * A pre-fork pool needs that: a kept-alive connection stays with the worker that accepted it, and
 * Node's cluster deals a burst of new connections mostly to whichever worker answers first, so some
 * workers would hold more clients than others and the pool would serve fewer than W at a time. A
 * new connection per request goes to a worker that is free.
 */
export function createHandler(mode: WaitMode, keepAlive: boolean) {
  const reply = (res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>) => send(res, status, body, keepAlive, extra);
  const countRequest = requestCounter();
  const database: Database | undefined =
    databaseConfig && (mode === 'blocking' ? { blocking: blockingDatabase(databaseConfig) } : { pooled: asyncDatabase(databaseConfig) });
  const fromDatabase = (res: ServerResponse, statement: Statement, body: (rows: Row[]) => unknown): void => {
    if (!database) return reply(res, 503, NO_DATABASE);
    const failed = (err: Error) => reply(res, 500, { error: `database: ${err.message}` });
    if ('pooled' in database) {
      database.pooled(statement).then((rows) => reply(res, 200, body(rows)), failed);
      return;
    }
    let rows: Row[];
    try {
      rows = database.blocking(statement);
    } catch (err) {
      return failed(err as Error);
    }
    reply(res, 200, body(rows));
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    countRequest?.(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return reply(res, 405, { error: 'only GET is served' });
    switch (url.pathname) {
      case '/health':
        // The token bench gave this server at start: proof, for readiness, that the answer comes
        // from the server bench started and not from whatever else took the port.
        return reply(res, 200, { status: 'ok' }, { 'x-bench-token': process.env.BENCH_TOKEN ?? '' });
      case '/hello':
        return reply(res, 200, { hello: 'world' });
      case '/count':
        return reply(res, 200, nextCount());
      case '/io':
      case '/io-blocking':
      case '/io-sync':
      case '/cpu': {
        const ms = parseMs(url);
        if (typeof ms === 'string') return reply(res, 400, { error: ms });
        const endpoint = url.pathname.slice(1);
        if (endpoint === 'cpu') {
          burnCpu(ms);
        } else if (mode === 'async' && endpoint === 'io') {
          setTimeout(() => reply(res, 200, { endpoint, ms }), ms);
          return;
        } else {
          blockFor(ms);
        }
        return reply(res, 200, { endpoint, ms });
      }
      case '/db': {
        const ms = parseMs(url);
        if (typeof ms === 'string') return reply(res, 400, { error: ms });
        return fromDatabase(res, statements.sleep(ms), () => ({ endpoint: 'db', ms }));
      }
      case '/db-rows': {
        const n = parseCount(url);
        if (typeof n === 'string') return reply(res, 400, { error: n });
        return fromDatabase(res, statements.rows(n), (rows) => ({ endpoint: 'db-rows', n, rows }));
      }
      default: {
        const file = staticFile(url.pathname);
        if (file) return sendStatic(res, file, mode === 'blocking', commonHeaders(keepAlive));
        return reply(res, 404, { error: `no route ${url.pathname}` });
      }
    }
  };
}
