"""The locustfile bench runs on the Locust master and on every worker, here or on other machines.

The master reads what to send from the JSON file named by BENCH_LOCUST_CONFIG and hands it to each
worker in a message before the users start (so a worker elsewhere needs only this file), and it
writes what the workers report to the file named by BENCH_LOCUST_LOG, one JSON line per report,
with the window's opening and closing.

The figures are Locust's own statistics, collected the way Locust collects them: each worker resets
its stats after every report, so a report holds the requests since the one before. bench cuts its
window at report times and builds latencies from the reports' response-time buckets.
"""
import json
import os
import time

import gevent
import locust.runners
from locust import FastHttpUser, constant, constant_throughput, events, task
from locust.runners import MasterRunner, WorkerRunner

# Debian's python3-locust 2.12 has an empty version string, and a master takes a worker that says
# so for a pre-2.0 one and refuses it: every bench master and worker says the same instead.
if not locust.runners.__version__:
    locust.runners.__version__ = "2.12-unversioned"

# Four reports a second instead of one every 3 s: the window's edges are cut at report times.
REPORT_INTERVAL_S = 0.25
locust.runners.WORKER_REPORT_INTERVAL = REPORT_INTERVAL_S


class BenchUser(FastHttpUser):
    # Filled in from bench's config before any user starts (configure()).
    wait_time = constant(0)

    @task
    def placeholder(self):
        raise RuntimeError("bench's config never arrived from the Locust master")


def configure(config):
    """Closed loop: the next request as soon as the answer came; open loop: each user keeps its share of the rate."""
    def sender(spec):
        def send(user):
            user.client.request(spec["method"], spec["path"], headers=spec["headers"], data=spec.get("body"), name=spec["name"])
        return send

    BenchUser.tasks = [sender(spec) for spec in config["requests"] for _ in range(spec["weight"])]
    BenchUser.wait_time = constant(0) if config["perUserRps"] is None else constant_throughput(config["perUserRps"])
    BenchUser.network_timeout = config["timeoutS"]
    BenchUser.connection_timeout = config["timeoutS"]


_log = None


def _write(record):
    _log.write(json.dumps(record) + "\n")
    _log.flush()


@events.init.add_listener
def _on_init(environment, **_kwargs):
    global _log
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message("bench_config", lambda environment, msg, **_: configure(msg.data))
        return
    if not isinstance(environment.runner, MasterRunner):
        return
    with open(os.environ["BENCH_LOCUST_CONFIG"]) as f:
        config = json.load(f)
    configure(config)
    _log = open(os.environ["BENCH_LOCUST_LOG"], "a")

    @environment.events.test_start.add_listener
    def _on_start(environment, **_kwargs):
        # Sent before the spawn messages, on the same connection: every worker is configured first.
        environment.runner.send_message("bench_config", config)

    @environment.events.worker_report.add_listener
    def _on_report(client_id, data):
        total = data["stats_total"]
        _write({
            "type": "report",
            "t": time.time(),
            "worker": client_id,
            "requests": total["num_requests"],
            "failures": total["num_failures"],
            "responseTimes": total["response_times"],
            # Each request of a mix apart, under the name bench gave it ("GET /io?ms=20").
            "byName": {
                entry["name"]: {"requests": entry["num_requests"], "failures": entry["num_failures"], "responseTimes": entry["response_times"]}
                for entry in data["stats"]
            },
        })

    @environment.events.spawning_complete.add_listener
    def _on_spawned(user_count, **_kwargs):
        gevent.spawn(_window, environment, config)


def _window(environment, config):
    gevent.sleep(config["warmupS"])
    _write({"type": "open", "t": time.time()})
    cpu = []
    end = time.time() + config["durationS"]
    while time.time() < end:
        cpu.append(sum(w.cpu_usage for w in environment.runner.clients.values()))
        gevent.sleep(min(0.5, max(0.0, end - time.time())))
    _write({"type": "close", "t": time.time(), "cpuPercent": sum(cpu) / max(len(cpu), 1), "workers": len(environment.runner.clients)})
    environment.runner.quit()
