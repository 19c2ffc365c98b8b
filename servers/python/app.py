"""The app under test, in Python: a Flask (WSGI) app with the same endpoints and bodies as
servers/node/app.ts.

    GET /io?ms=N   time.sleep(N ms): blocks this worker, as blocking I/O would (cooperative under
                   gevent, whose worker monkey-patches the standard library)
    GET /io-blocking?ms=N  the same: in a sync view every wait blocks the worker (it differs in
                   asgi_app.py, where /io awaits and /io-blocking blocks the event loop)
    GET /cpu?ms=N  burns CPU for N ms
    GET /hello     answers at once
    GET /health    readiness
"""
import os
import time

from flask import Flask, Response, request

from endpoints import body_text, burn_cpu, parse_ms as parse_ms_text
from worker_status import count_requests

app = Flask(__name__)
# Which worker is busy, in $BENCH_STATUS_DIR when it is set (worker_status.py).
count_requests(app)


def send(status, body):
    return Response(body_text(body), status=status, content_type="application/json",
                    headers={"x-worker-pid": str(os.getpid())})


def parse_ms():
    return parse_ms_text(request.args.get("ms", "0"))


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
@app.get("/io-blocking")
def io():
    ms, error = parse_ms()
    if error:
        return send(400, {"error": error})
    time.sleep(ms / 1000)
    return send(200, {"endpoint": request.path[1:], "ms": ms})


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
