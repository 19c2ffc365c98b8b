"""Which worker is busy, for a live page (issue 11). With BENCH_STATUS_DIR set, every process that
serves the app keeps one file, $BENCH_STATUS_DIR/<pid>, holding how many requests it is serving:
ASCII digits padded with spaces to WIDTH bytes, newline included, rewritten in place at offset 0
(no truncation, no rename), so that once written a reader never finds it empty or half-grown
(harness/status/worker-status.ts reads them; servers/node/worker-status.ts writes the same for the
Node app). Read once, at import: without the variable the app is left as it is.
"""
import os
import threading

STATUS_DIR = os.environ.get("BENCH_STATUS_DIR")
WIDTH = 8


class BusyFile:
    """This process's count of requests in progress and the file that mirrors it."""

    def __init__(self, directory):
        self._directory = directory
        self._fd = None

    def open(self):
        # Also run in a forked child, which must not write its parent's file or wait on a lock
        # another of the parent's threads held at the fork.
        if self._fd is not None:
            os.close(self._fd)
        self._lock = threading.Lock()
        self._busy = 0
        self._path = os.path.join(self._directory, str(os.getpid()))
        self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._write()

    def remove(self):
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        os.unlink(self._path)

    def add(self, delta):
        # Under the lock, so that two threads' writes land in the order of their counts.
        with self._lock:
            self._busy += delta
            self._write()

    def _write(self):
        os.pwrite(self._fd, f"{self._busy:>{WIDTH - 1}}\n".encode("ascii"), 0)


class _CountedBody:
    """The response's iterable, uncounted once the server closes it (finished or aborted)."""

    def __init__(self, body, busy):
        self._body = body
        self._busy = busy
        self._counted = True

    def __iter__(self):
        return iter(self._body)

    def close(self):
        try:
            if hasattr(self._body, "close"):
                self._body.close()
        finally:
            if self._counted:
                self._counted = False
                self._busy.add(-1)


def _counting(wsgi_app, busy):
    def counted(environ, start_response):
        busy.add(1)
        try:
            body = wsgi_app(environ, start_response)
        except BaseException:
            busy.add(-1)
            raise
        return _CountedBody(body, busy)

    return counted


def _open_in_each_worker(busy):
    """Opens the file now, in the process that will serve, or in each worker forked from this one."""
    try:
        import uwsgi
    except ImportError:
        uwsgi = None
    if uwsgi is not None and uwsgi.worker_id() == 0:
        # uWSGI's master imports the app and forks its workers from C, which skips Python's fork
        # hooks; its post-fork hook runs in each worker instead. The master serves nothing.
        uwsgi.post_fork_hook = busy.open
        return
    busy.open()
    # A master that imported the app before forking (gunicorn --preload) serves nothing either:
    # each child starts its own file and the master drops its.
    os.register_at_fork(after_in_child=busy.open, after_in_parent=busy.remove)


BUSY = BusyFile(STATUS_DIR) if STATUS_DIR else None


def count_requests(app):
    """Counts the Flask (WSGI) app's requests in this process's status file, when BENCH_STATUS_DIR is set."""
    if BUSY is not None:
        app.wsgi_app = _counting(app.wsgi_app, BUSY)
        _open_in_each_worker(BUSY)


def count_asgi_requests(app):
    """The ASGI app, counting its HTTP requests in this process's status file when BENCH_STATUS_DIR
    is set: from the call until it returns, which is once it has sent the whole response (or failed)."""
    if BUSY is None:
        return app

    async def counted(scope, receive, send):
        # Lifespan events are the server starting and stopping, not requests.
        if scope["type"] != "http":
            return await app(scope, receive, send)
        BUSY.add(1)
        try:
            return await app(scope, receive, send)
        finally:
            BUSY.add(-1)

    _open_in_each_worker(BUSY)
    return counted


def remove_status_file():
    """Removes this process's file (a CGI process, which serves one request and exits)."""
    if BUSY is not None:
        BUSY.remove()
