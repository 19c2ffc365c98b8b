"""The ASGI app's database: the same private PostgreSQL as database.py (BENCH_PG*, set by bench for a
scenario with `database: postgres`), reached with asyncpg, whose queries the event loop awaits: while
one waits for PostgreSQL, the loop serves other requests, up to the pool's BENCH_PGPOOL connections
of this process. Without the variables the app imports no driver.
"""
import asyncio
import os

HOST = os.environ.get("BENCH_PGHOST")

_pool = None
_pool_lock = None


def configured():
    return HOST is not None


async def _this_process_pool():
    # Made on the first query, on this process's own loop: a pool belongs to the loop that made it
    # (gunicorn's uvicorn workers each run their own, after the fork).
    global _pool, _pool_lock
    if _pool_lock is None:
        _pool_lock = asyncio.Lock()
    async with _pool_lock:
        if _pool is None:
            import asyncpg

            size = int(os.environ["BENCH_PGPOOL"])
            # min = max: all connections opened at once, as database.py's pool does, so that no
            # request pays for a new connection. acquire() waits for a free one.
            _pool = await asyncpg.create_pool(
                host=HOST,
                port=int(os.environ["BENCH_PGPORT"]),
                database=os.environ["BENCH_PGDATABASE"],
                user=os.environ["BENCH_PGUSER"],
                min_size=size,
                max_size=size,
            )
        return _pool


async def query(sql, *params):
    """The rows of one statement (asyncpg's $1 placeholders), as tuples."""
    pool = await _this_process_pool()
    async with pool.acquire() as conn:
        return [tuple(row) for row in await conn.fetch(sql, *params)]
