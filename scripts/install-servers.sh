#!/usr/bin/env bash
# Installs the real servers bench can deploy besides Node, from Debian's (or Ubuntu's) packages:
# `bench install-servers`, which builds the apt-get command from bench's software registry
# (harness/software/catalog.ts), the same list bench doctor checks. Needs the compiled CLI (npm ci).
# Arguments are passed on: --yes runs apt-get without asking.
set -euo pipefail
exec node "$(dirname "$0")/../bin/bench.js" install-servers "$@"
