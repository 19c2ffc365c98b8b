"""GET /static/NAME: the files bench ships in servers/static, with the same bytes and headers as
servers/node/static-files.ts (and as nginx serves that folder when a scenario says
`static: web-server`). Only a name listed in the folder at start is served, so no spelling of
`..`, an encoded slash or an absolute path can reach another file. The app reads the file on every
request, as an app that serves its own static files does: that read and the send are the worker's."""
import os

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "static")
# The types servers/static holds, as the Node app and nginx name them.
TYPES = {".txt": "text/plain; charset=utf-8", ".bin": "application/octet-stream"}
FILES = {name for name in os.listdir(FOLDER) if os.path.isfile(os.path.join(FOLDER, name))}


def static_file(name):
    """(path, content type) of one of the folder's own files, or None for any other name."""
    if name not in FILES:
        return None
    return os.path.join(FOLDER, name), TYPES.get(os.path.splitext(name)[1], "application/octet-stream")


def read(path):
    with open(path, "rb") as file:
        return file.read()
