"""What the demo app's endpoints compute, whichever framework serves them (app.py on Flask,
asgi_app.py on Starlette), so that both answer with the same bytes."""
import gc
import json
import os
import re
import time

MAX_MS = 60_000
# bench fills the database's `items` with this many rows (harness/database/connections.ts).
ITEMS = 1000
NO_DATABASE = {"error": "no database: /db and /db-rows need a scenario with database: postgres"}


def _announced_version():
    """The version bench wrote in $BENCH_VERSION_FILE, read once, as the process imports the app: a
    process started after a deploy began (a restart, a reload's new workers) announces the new one,
    an old process the old one, so that clients can see which served them. None without the file."""
    path = os.environ.get("BENCH_VERSION_FILE")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as file:
            return file.read().strip() or None
    except OSError:
        return None


_VERSION = _announced_version()


def answer_headers():
    """What every answer says besides its body: which process served it, and the app's version."""
    headers = {"x-worker-pid": str(os.getpid())}
    if _VERSION:
        headers["x-bench-version"] = _VERSION
    return headers


def body_text(body):
    # Compact separators so the bytes match JSON.stringify in the Node app.
    return json.dumps(body, separators=(",", ":")) + "\n"


def parse_ms(raw):
    """The ms=N of a query as (ms, None), or (None, the error to answer 400 with)."""
    if not re.fullmatch(r"\d+(\.\d+)?", raw) or float(raw) > MAX_MS:
        return None, f'ms must be a number from 0 to {MAX_MS}, got "{raw}"'
    ms = float(raw)
    return (int(ms) if ms.is_integer() else ms), None


def parse_n(raw):
    """The n=N of /db-rows as (n, None), or (None, the error to answer 400 with)."""
    if not re.fullmatch(r"\d+", raw) or int(raw) > ITEMS:
        return None, f'n must be a whole number from 0 to {ITEMS}, got "{raw}"'
    return int(raw), None


def burn_cpu(ms):
    # This thread's CPU time, not the wall clock: a worker time-sliced with others must not
    # finish early just because the clock ran while it waited for a core.
    end = time.thread_time() + ms / 1000
    x = 0.0
    while time.thread_time() < end:
        x = (x + (x + 1) ** 0.5) % 1e6


def share_imported_objects():
    """Called once the app is imported. A master that imports the app and forks its workers from it
    (gunicorn --preload, uWSGI without --lazy-apps) shares its pages with them copy-on-write, until a
    worker writes to one: and a worker's garbage collector writes to every object it scans. Frozen,
    the objects made so far are never scanned again, so they stay shared (Python's docs for
    gc.freeze advise it for a parent that forks). Without preload each worker freezes its own."""
    gc.freeze()
