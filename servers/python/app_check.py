"""Imports a user's Python app and says what it is, before any server starts:

    app_check.py --dir DIR --app MODULE:ATTRIBUTE [--parent PID]

prints one line of JSON on stdout:

    {"shape": "wsgi" | "asgi", "framework": "FastAPI",
     "routes": [{"path": "/sync", "pattern": "^/sync$", "runs": "thread-pool"}],
     "threadPool": {"size": 40, "startup": true}}

An import that fails, or names no callable, exits non-zero with Python's own message last on stderr, which bench quotes.
`shape` tells a WSGI callable (environ, start_response) from an ASGI one (an async callable of
scope, receive, send), so that bench can refuse a kind that cannot host it. For Starlette and
FastAPI, `routes` says how each route runs, which bounds how many requests it holds at once:
"event-loop" (an async def, awaiting), "blocks-loop" (an async def that calls a blocking function
bench recognises, such as time.sleep, stopping the loop while it waits) or "thread-pool" (a plain
def, run in anyio's thread pool). For Django's ASGIHandler, `routes` are the URLconf's views, and
a plain def view runs "one-thread": Django runs them all on one thread per process. `threadPool.size` is anyio's default limiter as the installed
anyio makes it; `startup` says the app runs startup code, which may resize it where bench cannot see.
`paths` are the app's own GET routes without parameters (Flask, Starlette, FastAPI, Django), which
a first look can measure where `/` may answer 404.
"""
import argparse
import asyncio
import dis
import inspect
import json
import re
import sys
import types

from wsgi_host import die_with, load

# Blocking calls an async def may make directly, by module and function ("*": any function).
BLOCKING = {
    "time": {"sleep"},
    "requests": {"*"},
    "urllib.request": {"urlopen"},
    "subprocess": {"run", "call", "check_call", "check_output"},
    "socket": {"create_connection", "getaddrinfo"},
    "psycopg2": {"connect"},
}


def is_async_callable(obj):
    if inspect.iscoroutinefunction(obj):
        return True
    call = getattr(type(obj), "__call__", None)
    return call is not None and inspect.iscoroutinefunction(call)


def shape_of(app, target):
    if not callable(app):
        raise TypeError(f"{target} is a {type(app).__name__}, not a WSGI or ASGI callable")
    # Any other callable is taken for WSGI's (environ, start_response), as gunicorn takes it; ASGI 2's
    # double callable, app(scope) returning the coroutine function, is rare enough to leave so.
    return "asgi" if is_async_callable(app) else "wsgi"


def framework_of(app):
    for cls in type(app).__mro__:
        root = cls.__module__.split(".")[0]
        if root in ("fastapi", "starlette", "django", "flask"):
            return cls.__name__ if root != "django" else f"Django {cls.__name__}"
    return None


def blocking_calls(function, depth=1):
    """The blocking functions a function's own code calls by name (time.sleep, from time import sleep),
    and those of the functions of its own module it names, one level down ("time.sleep in fetch"):
    a helper that blocks holds the loop as much as the route's own call. Deeper calls, and calls
    into other modules, are not followed."""
    found = []
    code = getattr(function, "__code__", None)
    if code is None:
        return found
    names = function.__globals__
    previous = None
    for instruction in dis.get_instructions(code):
        if instruction.opname == "LOAD_GLOBAL":
            value = names.get(instruction.argval)
            if callable(value) and not isinstance(value, type):
                module = getattr(value, "__module__", None) or ""
                allowed = BLOCKING.get(module, set())
                if getattr(value, "__name__", None) in allowed or "*" in allowed:
                    found.append(f"{module}.{value.__name__}")
                elif depth > 0 and inspect.isfunction(value) and module == function.__module__ and value is not function:
                    found.extend(f"{call} in {value.__name__}" for call in blocking_calls(value, depth - 1))
            previous = value
            continue
        if instruction.opname in ("LOAD_ATTR", "LOAD_METHOD") and isinstance(previous, types.ModuleType):
            allowed = BLOCKING.get(previous.__name__, set())
            if instruction.argval in allowed or "*" in allowed:
                found.append(f"{previous.__name__}.{instruction.argval}")
        previous = None
    return found


def endpoint_of(route):
    # FastAPI's APIRoute keeps the function it calls in dependant.call; Starlette's Route in endpoint.
    dependant = getattr(route, "dependant", None)
    return getattr(dependant, "call", None) or getattr(route, "endpoint", None)


def routes_of(app):
    routes = []
    for route in getattr(app, "routes", None) or []:
        endpoint = endpoint_of(route)
        pattern = getattr(route, "path_regex", None)
        if endpoint is None or pattern is None or not (inspect.isfunction(endpoint) or inspect.ismethod(endpoint)):
            continue
        if inspect.iscoroutinefunction(endpoint):
            calls = blocking_calls(endpoint)
            runs = {"runs": "blocks-loop", "blocks": calls} if calls else {"runs": "event-loop"}
        else:
            runs = {"runs": "thread-pool"}
        routes.append({"path": route.path, "pattern": pattern.pattern, **runs})
    return routes


def django_view_runs(callback):
    # Django's ASGIHandler awaits a coroutine view on the loop (an async class-based view, from
    # Django 4.1, says so with view_is_async), and runs any other through asgiref's
    # sync_to_async(thread_sensitive=True): on one thread shared by the whole process.
    view_class = getattr(callback, "view_class", None)
    if not (asyncio.iscoroutinefunction(callback) or getattr(view_class, "view_is_async", False)):
        return {"runs": "one-thread"}
    calls = blocking_calls(inspect.unwrap(callback))
    return {"runs": "blocks-loop", "blocks": calls} if calls else {"runs": "event-loop"}


def django_routes():
    """Each view of the project's URLconf, its pattern anchored at the path's leading slash."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def regex(pattern):
        # Django matches the path without its leading slash, and ends a route with Python's \Z.
        return pattern.regex.pattern.lstrip("^").replace("\\Z", "$")

    def walk(patterns, prefix, route):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + regex(entry.pattern), route + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                pattern = prefix + regex(entry.pattern)
                yield {"path": "/" + route + str(entry.pattern), "pattern": "^/" + pattern, **django_view_runs(entry.callback), "own": own(entry.callback)}

    return list(walk(get_resolver().url_patterns, "", ""))


PLAIN_PATH = re.compile(r"/[\w\-./]*")


def own(function):
    """Code of the app's own, not a view the framework adds (FastAPI's /docs, Django's admin)."""
    module = getattr(inspect.unwrap(function), "__module__", None) or ""
    return module.split(".")[0] not in ("fastapi", "starlette", "django", "flask", "werkzeug")


def plain_get_paths(app):
    """The app's own GET routes that take no parameters, in the router's order: paths bench can
    measure without knowing anything else of the app. Empty where bench cannot read the routes."""
    paths = []
    if hasattr(app, "url_map") and hasattr(app, "view_functions"):  # Flask
        for rule in app.url_map.iter_rules():
            view = app.view_functions.get(rule.endpoint)
            if not rule.arguments and "GET" in (rule.methods or ()) and view is not None and own(view):
                paths.append(rule.rule)
    elif hasattr(app, "routes"):  # Starlette, FastAPI
        for route in app.routes:
            methods = getattr(route, "methods", None)
            endpoint = endpoint_of(route)
            if endpoint is not None and own(endpoint) and (methods is None or "GET" in methods) and hasattr(route, "path_regex"):
                paths.append(route.path)
    elif any(cls.__module__.startswith("django.core.handlers") for cls in type(app).__mro__):
        from django.conf import settings

        if hasattr(settings, "ROOT_URLCONF"):
            paths = [r["path"] for r in django_routes() if r.pop("own")]
    return [p for p in paths if PLAIN_PATH.fullmatch(p)]


def thread_pool(app):
    """anyio's default limiter as the installed anyio makes it, on a loop of its own."""
    try:
        import anyio
        import anyio.to_thread
    except ImportError:
        return None

    async def size():
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    router = getattr(app, "router", app)
    # Starlette's own lifespan, when the app gives none, is a _DefaultLifespan that runs on_startup.
    startup = bool(getattr(router, "on_startup", None)) or type(getattr(router, "lifespan_context", None)).__name__ not in ("_DefaultLifespan", "NoneType")
    try:
        return {"size": int(anyio.run(size)), "startup": startup}
    except Exception:  # an anyio that sizes it otherwise: bench says it could not read it
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--app", required=True)
    parser.add_argument("--parent", type=int)
    args = parser.parse_args()
    if args.parent:
        die_with(args.parent)
    app = load(args.dir, args.app)
    shape = shape_of(app, args.app)
    report = {"shape": shape, "framework": framework_of(app)}
    if shape == "asgi" and hasattr(app, "routes"):
        report["routes"] = routes_of(app)
        pool = thread_pool(app)
        if pool:
            report["threadPool"] = pool
    elif shape == "asgi" and any(cls.__module__ == "django.core.handlers.asgi" for cls in type(app).__mro__):
        # get_asgi_application() has run django.setup() with the project's settings by now; settings
        # without a URLconf (settings.configure() alone) have no views to read.
        from django.conf import settings

        if hasattr(settings, "ROOT_URLCONF"):
            report["routes"] = [{k: v for k, v in r.items() if k != "own"} for r in django_routes()]
    try:
        report["paths"] = plain_get_paths(app)
    except Exception:  # routes bench reads wrongly must not refuse an app that imports
        pass
    # What the app printed at import went to stdout before: the report is the last line.
    sys.stdout.write("\n" + json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
