#!/usr/bin/env bash
# Draws the charts in docs/ again from real runs: each `figures` line below runs the built-in
# scenario a chart comes from and copies the charts bench drew into docs/ under the names the
# README and docs/ pages use. `npm run docs:figures` builds bench and runs every line (about
# 15 minutes, with every server installed); `npm run docs:figures -- throughput.png` runs only the
# scenarios that draw the files named (and all the charts those runs give).
#
# --strict makes a deployment whose software is missing fail the run instead of being skipped, so
# a chart is never replaced by one missing some of its lines (`bench install-servers` installs
# them). docs/serve.png is a screenshot of a `bench serve` session, not a run:
# scripts/serve-figure.mjs takes it in Debian's chromium.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d -t bench-figures-XXXXXX)"
trap 'rm -rf "$work"' EXIT
wanted=("$@")
drawn=()

# wants DOCS_FILE... : whether this call draws any of them (every file when none was named).
wants() {
  ((${#wanted[@]} == 0)) && return 0
  local file name
  for file in "$@"; do
    for name in "${wanted[@]}"; do [[ "$file" == "$name" ]] && return 0; done
  done
  return 1
}

# figures SCENARIO CHART:DOCS_FILE... : run SCENARIO once, then copy each CHART it drew to docs/DOCS_FILE.
figures() {
  local scenario="$1"; shift
  local pair targets=()
  for pair in "$@"; do targets+=("${pair#*:}"); done
  wants "${targets[@]}" || return 0
  echo "== bench run $scenario" >&2
  node "$root/bin/bench.js" run "$scenario" --strict --out "$work/$scenario"
  local chart target
  for pair in "$@"; do
    chart="${pair%%:*}"; target="${pair#*:}"
    if [[ ! -f "$work/$scenario/$chart" ]]; then
      echo "readme-figures: bench run $scenario drew no $chart (for docs/$target)" >&2
      exit 1
    fi
    cp "$work/$scenario/$chart" "$root/docs/$target"
    drawn+=("docs/$target")
  done
}

# The README's chart, and the latency and memory charts of the same run (docs/model.md).
figures blocking-vs-workers throughput.png:throughput.png latency.png:latency.png memory.png:memory.png
# docs/measured/2026-12-02-scenario-runs.md and docs/deployments.md: what each family shows.
figures static-files mix-latency.png:static-files-io-latency.png
figures web-servers memory.png:web-servers-memory.png
figures web-servers-slow-clients throughput.png:web-servers-slow-clients.png
figures cgi-vs-wsgi throughput.png:cgi-vs-wsgi-throughput.png
figures shared-state count.png:shared-state-count.png memory.png:shared-state-memory.png
figures async-python throughput.png:async-python-throughput.png
figures db-pool throughput.png:db-pool-throughput.png
# docs/workshop.md: the bench serve session it describes, in a real browser.
if wants serve.png; then
  echo "== bench serve, in chromium" >&2
  node "$root/scripts/serve-figure.mjs"
  drawn+=("docs/serve.png")
fi

if ((${#wanted[@]} > 0 && ${#drawn[@]} == 0)); then
  echo "readme-figures: no scenario draws ${wanted[*]}; the files it draws are listed in $0" >&2
  exit 2
fi
printf 'drew %s\n' "${drawn[@]}"
