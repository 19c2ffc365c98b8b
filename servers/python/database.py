"""The demo app's database: the private PostgreSQL bench starts for a scenario with
`database: postgres`, which it tells the servers about in BENCH_PG* (harness/database/connections.ts):

    BENCH_PGHOST, BENCH_PGPORT   its Unix socket's folder and port (nothing listens on TCP)
    BENCH_PGDATABASE, BENCH_PGUSER
    BENCH_PGPOOL                 connections in this process's pool
    BENCH_PGCOOPERATIVE          gevent workers: 1 makes psycopg2 wait cooperatively (psycogreen)

Read once, at import. Without them the app imports no driver, so it runs where psycopg2 is missing.
"""
import os
import threading
from contextlib import contextmanager

HOST = os.environ.get("BENCH_PGHOST")

if HOST and os.environ.get("BENCH_PGCOOPERATIVE") == "1":
    # Before any connection exists: psycopg2 then hands every wait for the server to gevent's hub,
    # so other greenlets run meanwhile. Without it a query blocks the whole worker, greenlets and all.
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()


def configured():
    return HOST is not None


class Pool:
    """At most `size` connections of this process, each request waiting for a free one.

    psycopg2's ThreadedConnectionPool refuses a request when every connection is out (PoolError)
    instead of making it wait, as a web app's pool would: the semaphore does the waiting (a gevent
    one under gevent, which patches threading).
    """

    def __init__(self, size):
        from psycopg2.pool import ThreadedConnectionPool

        self._free = threading.BoundedSemaphore(size)
        # minconn = maxconn: psycopg2's pool closes a returned connection beyond minconn, so
        # anything less would pay a new connection for many requests. All open at the first query.
        self._pool = ThreadedConnectionPool(
            size,
            size,
            host=HOST,
            port=os.environ["BENCH_PGPORT"],
            dbname=os.environ["BENCH_PGDATABASE"],
            user=os.environ["BENCH_PGUSER"],
        )

    @contextmanager
    def connection(self):
        with self._free:
            conn = self._pool.getconn()
            try:
                # Each statement its own transaction: no BEGIN round trip, and no connection left
                # idle in a transaction between requests.
                conn.autocommit = True
                yield conn
            finally:
                self._pool.putconn(conn)


_pool = None
_pool_lock = threading.Lock()


def _this_process_pool():
    # Made on the first query, in the process that serves it: a pool's connections must not be
    # shared with processes forked later (uWSGI's master imports the app, then forks its workers).
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = Pool(int(os.environ["BENCH_PGPOOL"]))
        return _pool


def query(sql, params):
    """The rows of one statement, on a connection of this process's pool."""
    with _this_process_pool().connection() as conn, conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
