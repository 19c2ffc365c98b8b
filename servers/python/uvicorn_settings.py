"""Prints, as one line of JSON, the settings uvicorn runs with for a command line, read by uvicorn's
own parser (its click command) rather than guessed: bench records them in each row.

    uvicorn_settings.py ARGS…    (the arguments after `-m uvicorn`)

Those that bound or shape a measurement are always there; any other is there when the command line
sets it. "auto" loop and http are resolved as uvicorn resolves them (uvloop and httptools when
installed, else asyncio and h11).
"""
import importlib.util
import json
import sys

from uvicorn.main import main as command

RECORDED = [
    "app", "app_dir", "interface", "loop", "http", "lifespan", "limit_concurrency", "limit_max_requests",
    "backlog", "timeout_keep_alive", "proxy_headers", "access_log", "workers",
]


def resolved(name, value):
    if value != "auto":
        return value
    if name == "loop":
        return "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    if name == "http":
        return "httptools" if importlib.util.find_spec("httptools") else "h11"
    return value


def main():
    params = command.make_context("uvicorn", sys.argv[1:]).params
    named = {arg[2:].split("=")[0].replace("-", "_") for arg in sys.argv[1:] if arg.startswith("--")}
    settings = {}
    for name in [*RECORDED, *sorted(named - set(RECORDED))]:
        if name in params:
            value = params[name]
            settings[name] = list(value) if isinstance(value, tuple) else resolved(name, value)
    print(json.dumps(settings))


if __name__ == "__main__":
    main()
