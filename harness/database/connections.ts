import { choosesDriver, defaultThreads, takesThreads, type DeploymentSpec, type ServerKind } from '../deployments/kind.js';

/**
 * How many connections the private PostgreSQL takes (`max_connections`) and how many of them only
 * superusers may use (`superuser_reserved_connections`): PostgreSQL's own defaults, which bench
 * sets on its command line all the same, because the model's bound rests on them. The apps
 * connect as an ordinary role, so they get the difference.
 */
export const MAX_CONNECTIONS = 100;
export const RESERVED_CONNECTIONS = 3;

/** Rows bench puts in the `items` table, which /db-rows?n=N reads N of (the apps refuse a larger n). */
export const ITEMS = 1000;

/**
 * An event loop's pool when `pool:` does not size it: node-postgres's own default (`Pool` max
 * 10), for gevent's greenlets too, which like an event loop hold as many requests as arrive.
 */
const EVENT_LOOP_POOL = 10;

/** The demo app's endpoints that query the database: /db?ms=N (one pg_sleep) and /db-rows?n=N. */
export function queriesDatabase(spec: DeploymentSpec, path: string): boolean {
  const { pathname } = new URL(path, 'http://localhost');
  return spec.database !== undefined && !spec.app && (pathname === '/db' || pathname === '/db-rows');
}

/** Requests one process serves at once when it waits: its threads, or one (an event loop holds any number). */
function threadsPerProcess(kind: ServerKind, spec: Pick<DeploymentSpec, 'threads'>): number {
  return takesThreads(kind) ? (spec.threads ?? defaultThreads(kind) ?? 1) : 1;
}

/**
 * Whether a process of the deployment serves several requests at once (threads, or an event
 * loop), so that a pool of several connections means something. A process that serves one
 * request at a time (a sync worker, a blocking Node worker, a CGI process) holds one connection.
 */
export function takesPool(kind: ServerKind, spec: Pick<DeploymentSpec, 'threads'>): boolean {
  return kind.model === 'async' || threadsPerProcess(kind, spec) > 1;
}

/** Connections in each process's pool: `pool:`, else one per thread, or EVENT_LOOP_POOL for an event loop. */
export function poolSize(kind: ServerKind, spec: DeploymentSpec): number {
  return spec.pool ?? (kind.model === 'async' ? EVENT_LOOP_POOL : threadsPerProcess(kind, spec));
}

/** A kind that chooses its driver waits cooperatively unless the deployment says `cooperativeDriver: false`. */
export function cooperativeDriver(kind: ServerKind, spec: DeploymentSpec): boolean | undefined {
  return choosesDriver(kind) ? (spec.cooperativeDriver ?? true) : undefined;
}

/** Where the apps find the private PostgreSQL: a Unix socket's folder and port, the database and the role. */
export interface DatabaseAddress {
  host: string;
  port: number;
  database: string;
  user: string;
}

/**
 * What a deployment's servers are told, on purpose, like a scenario's `env:` (and removed from
 * the caller's environment like other variables that reconfigure servers: server-env.ts):
 *   BENCH_PGHOST         the folder of PostgreSQL's Unix socket (libpq's host)
 *   BENCH_PGPORT         the port in the socket's name (.s.PGSQL.PORT); nothing listens on TCP
 *   BENCH_PGDATABASE     the database that holds `items`
 *   BENCH_PGUSER         the ordinary role the apps connect as
 *   BENCH_PGPOOL         connections in each process's pool
 *   BENCH_PGCOOPERATIVE  gevent only: 1 makes psycopg2 wait cooperatively (psycogreen), 0 leaves it blocking
 * Any app may read them: an ASGI app's async driver needs no more than the first five.
 */
export function databaseEnvironment(address: DatabaseAddress, kind: ServerKind, spec: DeploymentSpec): Record<string, string> {
  const cooperative = cooperativeDriver(kind, spec);
  return {
    BENCH_PGHOST: address.host,
    BENCH_PGPORT: String(address.port),
    BENCH_PGDATABASE: address.database,
    BENCH_PGUSER: address.user,
    BENCH_PGPOOL: String(poolSize(kind, spec)),
    ...(cooperative !== undefined && { BENCH_PGCOOPERATIVE: cooperative ? '1' : '0' }),
  };
}
