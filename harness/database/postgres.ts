import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pinned } from '../deployments/launch.js';
import { ProcessGroup, sleep, type SpawnPlan } from '../process/group.js';
import { tcpListeners } from '../process/listeners.js';
import { checkStillStarting } from '../process/readiness.js';
import { liveTempDirs } from '../process/registry.js';
import { unprivilegedUser } from '../process/unprivileged.js';
import { postgresBinDir } from '../software/catalog.js';
import { ITEMS, MAX_CONNECTIONS, RESERVED_CONNECTIONS, type DatabaseAddress } from './connections.js';

/** A private PostgreSQL, ready: where the apps reach it, and how to stop it. */
export interface RunningPostgres {
  address: DatabaseAddress;
  /** Its postmaster, leader of its own process group. */
  server: ProcessGroup;
  /**
   * Stops the server (fast shutdown: the postmaster ends its children, then itself) and removes
   * its folder, data and socket included. Each child of the postmaster leads a process group of
   * its own, so a SIGKILL to the postmaster's (the registry's last resort) reaches the postmaster
   * alone; its children see it die and exit by themselves a moment later.
   */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Where its output is logged: the run's private folder. */
  logDir: string;
  /** taskset CPU list: the server's cores, like the deployments'; undefined: any CPU. */
  cpus?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The port only names the socket file (.s.PGSQL.5432): nothing listens on TCP. */
const PORT = 5432;
/** The superuser initdb makes, which only bench uses (to make the role, the database and the table). */
const SUPERUSER = 'postgres';
/** The database and the ordinary role the apps use. */
const DATABASE = 'bench';
/** PostgreSQL's limit on a socket's path (sizeof sun_path, less the final NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Starts a PostgreSQL of bench's own for one run: initdb into a new folder, then the server on a
 * Unix socket in that folder and on no TCP port, with durability off (fsync, synchronous_commit
 * and full_page_writes: the data is thrown away at the end, and a commit need not wait for a
 * disk), in a process group of its own so that every way a run ends takes it down (the registry
 * kills what is left). Resolves once it answers, its role, database and `items` table made.
 *
 * The folder is not inside the run's private folder: PostgreSQL refuses to run as root, so when
 * bench is root it runs as an unprivileged user, which must own its data and socket folder and
 * could not enter a 0700 folder of root's. Opening the run's folder to it (o+x) would open it to
 * every local user who guesses a socket's name in it, so this folder is a private (0700) one of
 * its own, owned by that user; root's servers reach its socket all the same.
 */
export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed; install it with: sudo apt-get install postgresql');
  // PostgreSQL refuses root: Debian's postgres user then, else nobody.
  const user = await unprivilegedUser(['postgres', 'nobody'], 'PostgreSQL');
  const folder = mkdtempSync(join(tmpdir(), 'bench-postgres-')); // 0700
  liveTempDirs.add(folder);
  let server: ProcessGroup | undefined;
  const stop = async () => {
    await server?.stop();
    rmSync(folder, { recursive: true, force: true });
    liveTempDirs.delete(folder);
  };
  try {
    if (user) chownSync(folder, user.uid, user.gid);
    const socket = join(folder, `.s.PGSQL.${PORT}`);
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
      throw new Error(`its socket path ${socket} is longer than the ${MAX_SOCKET_PATH_BYTES} bytes PostgreSQL allows; set TMPDIR to a shorter folder`);
    }
    const data = join(folder, 'data');
    const as = (command: string, args: string[]): SpawnPlan => ({
      command: join(bin, command),
      args,
      // The cwd must be one the user may enter. None of the caller's PG* variables: PGPORT would
      // move the socket, PGDATA the data. The C locale, whatever the caller's, is on every machine.
      cwd: folder,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      ...(user && { uid: user.uid, gid: user.gid }),
    });
    // Trust on the socket: only its owner and root can enter the folder. --no-sync: the data is thrown away.
    const initdb = new ProcessGroup(
      'initdb',
      as('initdb', ['-D', data, '-U', SUPERUSER, '--auth-local=trust', '--auth-host=reject', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']),
      join(options.logDir, 'initdb.log'),
    );
    // Under a second: Ctrl-C meanwhile is heard once it is done (a second Ctrl-C kills it at once).
    const initialized = await initdb.exited;
    await initdb.stop(); // out of the registry
    if (initialized.code !== 0) throw new Error(initdb.describeExit());
    const settings = {
      port: PORT,
      listen_addresses: '',
      // A list, whose items may be double-quoted (a quote inside doubled): a folder may hold a comma.
      unix_socket_directories: `"${folder.replace(/"/g, '""')}"`,
      max_connections: MAX_CONNECTIONS,
      superuser_reserved_connections: RESERVED_CONNECTIONS,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
    };
    const args = ['-D', data, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
    // SIGINT is PostgreSQL's fast shutdown; SIGTERM's smart shutdown would wait for every client to leave.
    server = new ProcessGroup('PostgreSQL', { ...pinned(as('postgres', args), options.cpus), stopSignal: 'SIGINT' }, join(options.logDir, 'postgres.log'));
    const admin = await connectWhenReady({ host: folder, port: PORT, user: SUPERUSER, database: 'postgres' }, server, options);
    const listening = tcpListeners([server.pid]);
    if (listening.length > 0) throw new Error(`it listens on TCP (${listening.map((l) => l.text).join(', ')}), where bench runs it on a Unix socket only`);
    try {
      // An ordinary role, not a superuser: the apps' connections count against max_connections less the reserved ones.
      await admin.query(`CREATE ROLE ${DATABASE} LOGIN`);
      await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${DATABASE}`);
    } finally {
      await admin.end();
    }
    const address = { host: folder, port: PORT, database: DATABASE, user: DATABASE };
    const owner = new pg.Client(address);
    await owner.connect();
    try {
      await owner.query('CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)');
      await owner.query(`INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, ${ITEMS}) AS i`);
      await owner.query('ANALYZE items');
    } finally {
      await owner.end();
    }
    return { address, server, stop };
  } catch (err) {
    await stop();
    throw new Error(`PostgreSQL did not start: ${(err as Error).message}`);
  }
}

/** Connects as soon as the server accepts connections (it prints nothing bench could wait for instead). */
async function connectWhenReady(config: pg.ClientConfig, server: ProcessGroup, options: PostgresOptions): Promise<pg.Client> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    checkStillStarting([server], options.signal);
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() >= deadline) throw new Error(`it did not accept connections within ${(options.timeoutMs / 1000).toFixed(0)} s (${(err as Error).message})${server.lastWords()}`);
    }
    await sleep(50, options.signal);
  }
}
