#!/bin/bash
# Runs a command (e.g. npx vitest run) as on a machine with Node only, to find the tests that fail
# where they should skip: in a private mount namespace, every program bench can deploy, drive load
# with or reach another machine through is covered by /dev/null (no longer executable), and the
# folders Python, PostgreSQL and Apache keep their parts in by an empty tmpfs. Needs root for
# unshare -m; nothing outside the command's own namespace changes.
#   sudo test/setup/node-only.sh npx vitest run
set -e
if [ -z "$BENCH_NODE_ONLY" ]; then exec env BENCH_NODE_ONLY=1 unshare -m --propagation private "$0" "$@"; fi
for dir in /usr/lib/postgresql /usr/lib/apache2/modules /usr/lib/python3/dist-packages "$HOME/.pyenv"; do
  if [ -d "$dir" ]; then mount -t tmpfs none "$dir"; fi
done
for name in python3 python3.11 python gunicorn uwsgi uwsgi-core uwsgi_python3 uwsgi_python311 wrk locust nginx apache2 apachectl \
  a2enmod chromium chromium-browser supervisord supervisorctl fcgiwrap psql initdb pg_ctl postgres sshd ssh hypercorn waitress-serve daphne django-admin; do
  for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    if [ -e "$dir/$name" ]; then mount --bind /dev/null "$dir/$name" 2>/dev/null || true; fi
  done
done
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec "$@"
