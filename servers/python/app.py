"""The app under test, in Python: a Flask (WSGI) app with the same endpoints and bodies as
servers/node/app.ts.

    GET /io?ms=N   time.sleep(N ms): blocks this worker, as blocking I/O would (cooperative under
                   gevent, whose worker monkey-patches the standard library)
    GET /cpu?ms=N  burns CPU for N ms
    GET /hello     answers at once
    GET /health    readiness
"""
import json
import os
import re
import time

from flask import Flask, Response, request

from worker_status import count_requests

MAX_MS = 60_000
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


@app.errorhandler(404)
def not_found(_error):
    return send(404, {"error": f"no route {request.path}"})


@app.errorhandler(405)
def not_allowed(_error):
    return send(405, {"error": "only GET is served"})
