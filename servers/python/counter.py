"""This process's request counter, for /count: a module global, which is exactly what a pre-fork
pool does not share. Each worker process holds its own copy (forked from the master's, or imported
afresh), so clients of a pool of W see W separate sequences; threads of one process share it, hence
the lock, which keeps each process's sequence exact (1, 2, 3, ... with no number seen twice)."""
import os
import threading

_lock = threading.Lock()
_count = 0


def next_count():
    """The count after this request's increment, and which process counted it."""
    global _count
    with _lock:
        _count += 1
        return {"count": _count, "pid": os.getpid()}
