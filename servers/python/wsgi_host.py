"""Hosts any WSGI app (module:callable, imported with --dir on the path) for the kinds that need a
host of bench's own: Python's single-threaded reference server (wsgiref) and CGI.

    wsgi_host.py --dir DIR --app MODULE:CALLABLE serve --host H --port P
    wsgi_host.py --dir DIR --app MODULE:CALLABLE cgi

(app_check.py imports an app and says what it is, before any server starts, with load() and die_with() from here.)
"""
import argparse
import importlib
import os
import sys


def load(directory, target):
    module_name, _, attribute = target.partition(":")
    sys.path.insert(0, directory)
    app = importlib.import_module(module_name)
    for part in (attribute or "application").split("."):
        app = getattr(app, part)
    return app


def die_with(parent):
    """The user's import runs while bench waits on it, before bench's guardian exists: SIGKILL on
    bench's death (prctl PR_SET_PDEATHSIG) is all this one process needs, with no folder to remove.
    Checked against the parent given, in case bench died before the signal was set."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # not Linux: the import check runs unguarded, as servers do without the guardian
    if os.getppid() != parent:
        sys.exit(0)


def serve(app, host, port):
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        # One line per request on stderr would cost more than many a request under test.
        def log_message(self, *args):
            pass

    # One request at a time, as Flask's dev server with threads off: the single blocking worker.
    with make_server(host, port, app, handler_class=QuietHandler) as server:
        server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--app", required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    served = commands.add_parser("serve")
    served.add_argument("--host", required=True)
    served.add_argument("--port", type=int, required=True)
    commands.add_parser("cgi")
    args = parser.parse_args()
    app = load(args.dir, args.app)
    if args.command == "serve":
        serve(app, args.host, args.port)
    else:
        from wsgiref.handlers import CGIHandler
        CGIHandler().run(app)


if __name__ == "__main__":
    main()
