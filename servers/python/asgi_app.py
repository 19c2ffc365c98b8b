"""The app under test as an ASGI app on Starlette, for uvicorn: the same endpoints, bodies and
headers as app.py, with every handler an `async def` run on the event loop.

    GET /io?ms=N           await asyncio.sleep(N ms): the loop serves other requests meanwhile
    GET /io-blocking?ms=N  time.sleep(N ms) inside async def, the classic mistake: the whole event
                           loop stops, so this process serves nothing else while it sleeps
    GET /io-sync?ms=N      time.sleep(N ms) in a plain def route, which Starlette runs in anyio's
                           thread pool (40 threads): the loop keeps serving, 40 of these at a time
    GET /cpu?ms=N          burns CPU for N ms (on the loop, which it holds as long)
    GET /db?ms=N           one query, SELECT pg_sleep(N / 1000), awaited on a connection of this
                           process's asyncpg pool (async_database.py)
    GET /db-rows?n=N       reads the first N rows of the table `items`
    GET /hello             answers at once
    GET /count             this process's counter after one more (counter.py)
    GET /static/NAME       one of the files in servers/static, read in a thread (static_files.py)
    GET /health            readiness
"""
import asyncio
import os
import time

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

import async_database
from counter import next_count
import static_files
from endpoints import NO_DATABASE, answer_headers, body_text, burn_cpu, parse_ms as parse_ms_text, parse_n as parse_n_text, share_imported_objects
from worker_status import count_asgi_requests


def send(status, body, headers=None):
    return Response(body_text(body), status_code=status, media_type="application/json",
                    headers={**answer_headers(), **(headers or {})})


def parse_ms(request):
    # The first ms=, as Flask's request.args.get and Node's URLSearchParams.get take it (Starlette's
    # query_params.get takes the last).
    given = request.query_params.getlist("ms")
    return parse_ms_text(given[0] if given else "0")


def parse_n(request):
    given = request.query_params.getlist("n")
    return parse_n_text(given[0] if given else "0")


async def from_database(sql, params, body):
    """The answer to a request that queries the database: body(rows), or why there is none (as app.py)."""
    if not async_database.configured():
        return send(503, NO_DATABASE)
    try:
        rows = await async_database.query(sql, *params)
    except Exception as error:  # whatever the driver raises: the client hears why
        return send(500, {"error": f"database: {error}"})
    return send(200, body(rows))


async def health(_request):
    # The token bench gave this server at start (BENCH_TOKEN), as in app.py.
    return send(200, {"status": "ok"}, {"x-bench-token": os.environ.get("BENCH_TOKEN", "")})


async def hello(_request):
    return send(200, {"hello": "world"})


async def count(_request):
    return send(200, next_count())


async def io(request):
    ms, error = parse_ms(request)
    if error:
        return send(400, {"error": error})
    await asyncio.sleep(ms / 1000)
    return send(200, {"endpoint": "io", "ms": ms})


async def io_blocking(request):
    ms, error = parse_ms(request)
    if error:
        return send(400, {"error": error})
    # Deliberately blocking: nothing else runs on this loop until it returns.
    time.sleep(ms / 1000)
    return send(200, {"endpoint": "io-blocking", "ms": ms})


def io_sync(request):
    ms, error = parse_ms(request)
    if error:
        return send(400, {"error": error})
    # A plain def: Starlette hands it to a thread of anyio's pool, and the loop runs on meanwhile.
    time.sleep(ms / 1000)
    return send(200, {"endpoint": "io-sync", "ms": ms})


async def static(request):
    found = static_files.static_file(request.path_params["name"])
    if not found:
        return await not_found(request, None)
    path, content_type = found
    # Read off the loop, which keeps serving meanwhile.
    body = await asyncio.to_thread(static_files.read, path)
    # As a header, not media_type, to which Starlette would add a second charset.
    return Response(body, headers={"content-type": content_type, **answer_headers()})


async def cpu(request):
    ms, error = parse_ms(request)
    if error:
        return send(400, {"error": error})
    burn_cpu(ms)
    return send(200, {"endpoint": "cpu", "ms": ms})


async def db(request):
    ms, error = parse_ms(request)
    if error:
        return send(400, {"error": error})
    # float8 as psycopg2 sends it, so that PostgreSQL runs the same pg_sleep.
    return await from_database("SELECT pg_sleep($1::float8)", (ms / 1000,), lambda _rows: {"endpoint": "db", "ms": ms})


async def db_rows(request):
    n, error = parse_n(request)
    if error:
        return send(400, {"error": error})
    return await from_database(
        "SELECT id, name FROM items ORDER BY id LIMIT $1",
        (n,),
        lambda rows: {"endpoint": "db-rows", "n": n, "rows": [{"id": id, "name": name} for id, name in rows]},
    )


async def not_found(request, _exc):
    return send(404, {"error": f"no route {request.url.path}"})


async def not_allowed(_request, _exc):
    return send(405, {"error": "only GET is served"})


starlette = Starlette(
    routes=[
        Route("/health", health),
        Route("/hello", hello),
        Route("/count", count),
        Route("/io", io),
        Route("/io-blocking", io_blocking),
        Route("/io-sync", io_sync),
        Route("/cpu", cpu),
        Route("/static/{name}", static),
        Route("/db", db),
        Route("/db-rows", db_rows),
    ],
    exception_handlers={404: not_found, 405: not_allowed},
)
# Flask answers /io/ with 404 rather than redirecting to /io, as Starlette would by default.
starlette.router.redirect_slashes = False
# Which worker is busy, in $BENCH_STATUS_DIR when it is set (worker_status.py).
app = count_asgi_requests(starlette)
share_imported_objects()
