#!/usr/bin/env bash
# Installs the real servers bench can deploy besides Node, from Debian's (or Ubuntu's) packages:
# nginx, gunicorn, Flask, gevent, uvicorn and Starlette (the ASGI kinds), uWSGI with its Python 3
# plugin, and fcgiwrap for CGI; PostgreSQL and the Flask app's driver for scenarios with a database;
# and supervisor.
# Nothing is started or enabled: bench runs each one itself, as the current user, when it needs it.
set -euo pipefail
packages=(nginx gunicorn python3-flask python3-gevent python3-uvicorn python3-starlette uwsgi uwsgi-plugin-python3 fcgiwrap)
# `database: postgres` runs initdb and postgres itself, in a private folder on a Unix socket: it
# never uses the cluster the package makes (which systemd also starts, on localhost:5432;
# `sudo pg_dropcluster --stop 15 main` removes it).
packages+=(postgresql python3-psycopg2 python3-psycogreen python3-asyncpg)
# A developer tool, not a server: wrk is the native load generator that `npm run bench:crosscheck`
# (and `bench run --generator wrk`) checks bench's own engine against.
packages+=(wrk)
# Not started by bench: the tests run the files `bench export` writes under supervisord, each with a
# config of its own. (Debian's package enables its own supervisord service, on a Unix socket only.)
packages+=(supervisor)
# A load engine, not a server: --generator locust runs a Locust master and its workers.
packages+=(python3-locust)
# Not a server either: the browser tests of `bench serve` drive it (through playwright-core).
packages+=(chromium)
# Not started by bench (nor its service): the --server-host tests run an sshd of their own on loopback.
packages+=(openssh-server)
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
