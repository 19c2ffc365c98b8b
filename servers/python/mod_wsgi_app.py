"""mod_wsgi's WSGI script for bench (apache-mod-wsgi): the app named by BENCH_WSGI_APP
(module:callable), imported from BENCH_WSGI_DIR, through wsgi_host.load as the other hosts do.

mod_wsgi takes a file, not module:callable, and Apache's processes inherit bench's environment,
so the one script serves the demo app (app:app from servers/python) and a user's app alike.
"""
import importlib.util
import os

_spec = importlib.util.spec_from_file_location("bench_wsgi_host", os.path.join(os.path.dirname(__file__), "wsgi_host.py"))
_host = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_host)

application = _host.load(os.environ["BENCH_WSGI_DIR"], os.environ["BENCH_WSGI_APP"])
