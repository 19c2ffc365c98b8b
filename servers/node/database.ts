import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import pg from 'pg';

/**
 * The demo app's database: the private PostgreSQL bench starts for a scenario with
 * `database: postgres`, which it tells the servers about in BENCH_PG* (harness/database/connections.ts):
 * BENCH_PGHOST and BENCH_PGPORT (its Unix socket's folder and port), BENCH_PGDATABASE, BENCH_PGUSER
 * and BENCH_PGPOOL (connections in this process's pool). Read once, at load.
 */
const env = process.env;
export const databaseConfig: pg.ClientConfig | undefined = env.BENCH_PGHOST
  ? { host: env.BENCH_PGHOST, port: Number(env.BENCH_PGPORT), database: env.BENCH_PGDATABASE, user: env.BENCH_PGUSER }
  : undefined;

/** One statement: what both ways of querying send. */
export interface Statement {
  text: string;
  values: unknown[];
}

export type Row = Record<string, unknown>;

/** The two statements the app sends, the same as the Flask app's. */
export const statements = {
  sleep: (ms: number): Statement => ({ text: 'SELECT pg_sleep($1)', values: [ms / 1000] }),
  rows: (n: number): Statement => ({ text: 'SELECT id, name FROM items ORDER BY id LIMIT $1', values: [n] }),
};

/**
 * The event loop's way: node-postgres's Pool of BENCH_PGPOOL connections, a request waiting in
 * its queue for a free one while the loop serves others.
 */
export function asyncDatabase(config: pg.ClientConfig): (statement: Statement) => Promise<Row[]> {
  const pool = new pg.Pool({ ...config, max: Number(env.BENCH_PGPOOL) });
  // An idle connection the server dropped: the pool opens another for the next query, which says why if it cannot.
  pool.on('error', () => {});
  return async (statement) => (await pool.query(statement)).rows;
}

/** What the query worker sends back: the rows, or why there are none. */
export type Answer = { rows: Row[] } | { error: string };

/** How long a blocked worker waits for an answer: longer than the longest /db the app accepts. */
const ANSWER_TIMEOUT_MS = 90_000;

/**
 * The blocking worker's way, as a blocking driver (psycopg2 in a sync worker) does it: the process
 * waits for each answer and serves nothing meanwhile. node-postgres only speaks asynchronously,
 * so one connection lives in a worker thread (query-worker.ts) that runs each statement; this
 * thread hands it over and sleeps in Atomics.wait, its event loop stopped as it is for /io, until
 * the worker posts the answer and wakes it. One connection per blocking process, which never has
 * a use for a second; the thread starts with the first statement.
 */
export function blockingDatabase(config: pg.ClientConfig): (statement: Statement) => Row[] {
  let connection: { worker: Worker; port: MessagePort; done: Int32Array } | undefined;
  return (statement) => {
    connection ??= queryWorker(config);
    const { worker, port, done } = connection;
    Atomics.store(done, 0, 0);
    port.postMessage(statement);
    if (Atomics.wait(done, 0, 0, ANSWER_TIMEOUT_MS) === 'timed-out') {
      // Its late answer would pass for the next statement's: start afresh.
      void worker.terminate();
      connection = undefined;
      throw new Error(`no answer within ${ANSWER_TIMEOUT_MS / 1000} s`);
    }
    // Posted before the worker woke this thread.
    const answer = receiveMessageOnPort(port)!.message as Answer;
    if ('error' in answer) throw new Error(answer.error);
    return answer.rows;
  };
}

function queryWorker(config: pg.ClientConfig) {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./query-worker.js', import.meta.url), { workerData: { config, port: port2, done }, transferList: [port2] });
  // It never keeps the server's process alive by itself.
  worker.unref();
  return { worker, port: port1, done };
}
