"""The app under test, in Python: a Flask (WSGI) app with the same endpoints and bodies as
servers/node/app.ts.

    GET /io?ms=N   time.sleep(N ms): blocks this worker, as blocking I/O would (cooperative under
                   gevent, whose worker monkey-patches the standard library)
    GET /io-blocking?ms=N  the same: in a sync view every wait blocks the worker (it differs in
                   asgi_app.py, where /io awaits and /io-blocking blocks the event loop)
    GET /io-sync?ms=N  the same again (in asgi_app.py a plain def route, run in the thread pool)
    GET /cpu?ms=N  burns CPU for N ms
    GET /db?ms=N   one query, SELECT pg_sleep(N / 1000), on a connection of this process's pool
    GET /db-rows?n=N  reads the first N rows of the table `items`
    GET /hello     answers at once
    GET /count     this process's counter after one more: {"count": N, "pid": P} (counter.py)
    GET /static/NAME  one of the files in servers/static (static_files.py)
    GET /health    readiness

/db and /db-rows need the private PostgreSQL of a scenario with database: postgres (database.py).
"""
import os
import time

from flask import Flask, Response, request

import database
from counter import next_count
import static_files
from endpoints import NO_DATABASE, answer_headers, body_text, burn_cpu, parse_ms as parse_ms_text, parse_n as parse_n_text, share_imported_objects
from worker_status import count_requests

# static_folder=None: Flask's own /static route would answer with other headers; static_files.py serves it.
app = Flask(__name__, static_folder=None)
# Which worker is busy, in $BENCH_STATUS_DIR when it is set (worker_status.py).
count_requests(app)


def send(status, body):
    return Response(body_text(body), status=status, content_type="application/json",
                    headers=answer_headers())


def parse_ms():
    return parse_ms_text(request.args.get("ms", "0"))


def parse_n():
    return parse_n_text(request.args.get("n", "0"))


def from_database(sql, params, body):
    """The answer to a request that queries the database: body(rows), or why there is none."""
    if not database.configured():
        return send(503, NO_DATABASE)
    try:
        rows = database.query(sql, params)
    except Exception as error:  # whatever the driver raises: the client hears why
        return send(500, {"error": f"database: {error}"})
    return send(200, body(rows))


@app.get("/health")
def health():
    # The token bench gave this server at start (BENCH_TOKEN): proof, for readiness, that the
    # answer comes from the server bench started and not from whatever else took the port.
    response = send(200, {"status": "ok"})
    response.headers["x-bench-token"] = os.environ.get("BENCH_TOKEN", "")
    return response


@app.get("/hello")
def hello():
    return send(200, {"hello": "world"})


@app.get("/count")
def count():
    return send(200, next_count())


@app.get("/io")
@app.get("/io-blocking")
@app.get("/io-sync")
def io():
    ms, error = parse_ms()
    if error:
        return send(400, {"error": error})
    time.sleep(ms / 1000)
    return send(200, {"endpoint": request.path[1:], "ms": ms})


@app.get("/static/<name>")
def static(name):
    found = static_files.static_file(name)
    if not found:
        return not_found(None)
    path, content_type = found
    return Response(static_files.read(path), content_type=content_type, headers=answer_headers())


@app.get("/cpu")
def cpu():
    ms, error = parse_ms()
    if error:
        return send(400, {"error": error})
    burn_cpu(ms)
    return send(200, {"endpoint": "cpu", "ms": ms})


@app.get("/db")
def db():
    ms, error = parse_ms()
    if error:
        return send(400, {"error": error})
    return from_database("SELECT pg_sleep(%s)", (ms / 1000,), lambda _rows: {"endpoint": "db", "ms": ms})


@app.get("/db-rows")
def db_rows():
    n, error = parse_n()
    if error:
        return send(400, {"error": error})
    return from_database(
        "SELECT id, name FROM items ORDER BY id LIMIT %s",
        (n,),
        lambda rows: {"endpoint": "db-rows", "n": n, "rows": [{"id": row_id, "name": name} for row_id, name in rows]},
    )


@app.errorhandler(404)
def not_found(_error):
    return send(404, {"error": f"no route {request.path}"})


@app.errorhandler(405)
def not_allowed(_error):
    return send(405, {"error": "only GET is served"})


share_imported_objects()
