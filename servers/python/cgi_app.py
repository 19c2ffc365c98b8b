#!/usr/bin/python3
"""CGI entry point of the same app: the web server starts this program afresh for every request
(fork + exec, interpreter start-up, Flask import), which is the cost CGI pays and WSGI avoids."""
import os
import sys
from wsgiref.handlers import CGIHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from app import app  # noqa: E402
from worker_status import remove_status_file  # noqa: E402

try:
    CGIHandler().run(app)
finally:
    # One process per request: its status file lasts as long as the request.
    remove_status_file()
