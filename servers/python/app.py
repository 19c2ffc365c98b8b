"""The app under test, in Python: a Flask (WSGI) app with the same endpoints and bodies as
servers/node/app.ts.

    GET /io?ms=N   time.sleep(N ms): blocks this worker, as blocking I/O would (cooperative under
                   gevent, whose worker monkey-patches the standard library)
    GET /cpu?ms=N  burns CPU for N ms
    GET /db?ms=N   one query, SELECT pg_sleep(N / 1000), on a connection of this process's pool
    GET /db-rows?n=N  reads the first N rows of the table `items`
    GET /hello     answers at once
    GET /health    readiness

/db and /db-rows need the private PostgreSQL of a scenario with database: postgres (database.py).
"""
import json
import os
import re
import time

from flask import Flask, Response, request

import database
from worker_status import count_requests

MAX_MS = 60_000
# bench fills `items` with this many rows (harness/database/connections.ts).
ITEMS = 1000
NO_DATABASE = {"error": "no database: /db and /db-rows need a scenario with database: postgres"}
app = Flask(__name__)
# Which worker is busy, in $BENCH_STATUS_DIR when it is set (worker_status.py).
count_requests(app)


def send(status, body):
    # Compact separators so the bytes match JSON.stringify in the Node app.
    text = json.dumps(body, separators=(",", ":")) + "\n"
    return Response(text, status=status, content_type="application/json",
                    headers={"x-worker-pid": str(os.getpid())})


def parse_ms():
    raw = request.args.get("ms", "0")
    if not re.fullmatch(r"\d+(\.\d+)?", raw) or float(raw) > MAX_MS:
        return None, f'ms must be a number from 0 to {MAX_MS}, got "{raw}"'
    ms = float(raw)
    return (int(ms) if ms.is_integer() else ms), None


def parse_n():
    raw = request.args.get("n", "0")
    if not re.fullmatch(r"\d+", raw) or int(raw) > ITEMS:
        return None, f'n must be a whole number from 0 to {ITEMS}, got "{raw}"'
    return int(raw), None


def from_database(sql, params, body):
    """The answer to a request that queries the database: body(rows), or why there is none."""
    if not database.configured():
        return send(503, NO_DATABASE)
    try:
        rows = database.query(sql, params)
    except Exception as error:  # whatever the driver raises: the client hears why
        return send(500, {"error": f"database: {error}"})
    return send(200, body(rows))


def burn_cpu(ms):
    # This thread's CPU time, not the wall clock: a worker time-sliced with others must not
    # finish early just because the clock ran while it waited for a core.
    end = time.thread_time() + ms / 1000
    x = 0.0
    while time.thread_time() < end:
        x = (x + (x + 1) ** 0.5) % 1e6


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


@app.get("/io")
def io():
    ms, error = parse_ms()
    if error:
        return send(400, {"error": error})
    time.sleep(ms / 1000)
    return send(200, {"endpoint": "io", "ms": ms})


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
