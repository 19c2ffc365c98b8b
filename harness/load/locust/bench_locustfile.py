"""The locustfile bench runs on the Locust master and on every worker, here or on other machines.

One master serves a whole bench run: it starts no test of its own, but follows the commands bench
appends to the file named by BENCH_LOCUST_CONTROL, one JSON line each ("point": configure the
workers, start the users, keep the window; "quit": tell the workers to leave, and exit). Between
points the users stop and the workers stay connected. The master hands the point's config to every
worker before the users start (so a worker elsewhere needs only this file), and to a worker that
joins later as soon as it says hello.

It writes what happens to the file named by BENCH_LOCUST_LOG, one JSON line each: the workers
connected whenever that changes, every statistics report, and each window's opening and closing.
The figures are Locust's own statistics, collected the way Locust collects them: each worker resets
its stats after every report, so a report holds the requests since the one before.
"""
import json
import os
import time

import gevent
import gevent.event
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

# A worker whose master has said nothing for this long (bench killed, machine gone) leaves, rather
# than wait for a master that will never come back: the master speaks every second.
MASTER_SILENCE_S = 15

_configured = gevent.event.Event()


class BenchUser(FastHttpUser):
    # Filled in from bench's config before any user starts (configure()).
    wait_time = constant(0)
    host = "http://127.0.0.1"

    @task
    def placeholder(self):
        # Users spawned before the config arrived (a worker joining mid-point) wait for it quietly.
        _configured.wait()


def configure(config):
    """Closed loop: the next request as soon as the answer came; open loop: each user keeps its share of the rate."""
    def sender(spec):
        def send(user):
            user.client.request(spec["method"], spec["path"], headers=spec["headers"], data=spec.get("body"), name=spec["name"])
        return send

    BenchUser.host = config["host"]
    BenchUser.tasks = [sender(spec) for spec in config["requests"] for _ in range(spec["weight"])]
    BenchUser.wait_time = constant(0) if config["perUserRps"] is None else constant_throughput(config["perUserRps"])
    BenchUser.network_timeout = config["timeoutS"]
    BenchUser.connection_timeout = config["timeoutS"]
    _configured.set()


_log = None


def _write(record):
    _log.write(json.dumps(record) + "\n")
    _log.flush()


@events.init.add_listener
def _on_init(environment, **_kwargs):
    global _log
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        _worker(runner)
        return
    if not isinstance(runner, MasterRunner):
        return
    _log = open(os.environ["BENCH_LOCUST_LOG"], "a")
    current = {}

    def on_hello(environment, msg, **_):
        if "config" in current:
            runner.send_message("bench_config", current["config"], client_id=msg.node_id)

    runner.register_message("bench_hello", on_hello)

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

    gevent.spawn(_membership, runner)
    gevent.spawn(_heartbeat, runner)
    gevent.spawn(_control, environment, os.environ["BENCH_LOCUST_CONTROL"], current)


def _worker(runner):
    runner.register_message("bench_config", lambda environment, msg, **_: configure(msg.data))
    heard = {"at": None}
    runner.register_message("bench_alive", lambda environment, msg, **_: heard.update(at=time.monotonic()))
    # A worker joining while a point runs gets users at once: it asks for their config too.
    runner.send_message("bench_hello")

    def watch():
        while heard["at"] is None or time.monotonic() - heard["at"] < MASTER_SILENCE_S:
            gevent.sleep(1)
        print(f"bench: the Locust master has said nothing for {MASTER_SILENCE_S} s (its bench run was killed, or its machine is unreachable); leaving", flush=True)
        os._exit(1)

    gevent.spawn(watch)


def _connected(runner):
    return sorted(c.id for c in runner.clients.ready + runner.clients.spawning + runner.clients.running)


def _membership(runner):
    """The workers connected, written down whenever that changes (a worker joined, left or went missing)."""
    last = None
    while True:
        now = _connected(runner)
        if now != last:
            _write({"type": "workers", "t": time.time(), "ids": now})
            last = now
        gevent.sleep(0.1)


def _heartbeat(runner):
    while True:
        runner.send_message("bench_alive")
        gevent.sleep(1)


def _control(environment, path, current):
    runner = environment.runner
    # Headless Locust quits when its last worker quits (a worker's Ctrl-C says quit): this master
    # lives as long as bench's run, whose next point waits for workers and says how to start them.
    # Set here, after Locust's start-up has read the flag (this greenlet runs once main() waits).
    environment.parsed_options.headless = False
    offset = 0
    busy = None
    while True:
        with open(path) as f:
            f.seek(offset)
            text = f.read()
        # Only whole lines: bench may be halfway through writing one.
        complete = text[: text.rfind("\n") + 1]
        offset += len(complete.encode())
        for line in complete.splitlines():
            command = json.loads(line)
            if command["type"] == "quit":
                # At once, window or not: bench is ending its run (Ctrl-C included).
                if busy is not None:
                    busy.kill(block=True)
                runner.quit()
                os._exit(0)
            if busy is not None:
                busy.join()
            current["config"] = command["config"]
            busy = gevent.spawn(_point_then_stop, environment, command)
        gevent.sleep(0.05)


def _point_then_stop(environment, command):
    _point(environment, command)
    # The users stop while bench goes on; the next point waits for that.
    environment.runner.stop()


def _point(environment, command):
    runner = environment.runner
    config = command["config"]
    configure(config)
    environment.host = config["host"]
    # Sent before the spawn messages, on the same connections: every worker is configured first.
    runner.send_message("bench_config", config)
    # Workers that stopped the last point's users rejoin at once: start when they are all back.
    back_by = time.time() + 10
    while len(_connected(runner)) < command["expect"] and time.time() < back_by:
        gevent.sleep(0.05)
    runner.start(command["users"], command["users"])
    gevent.sleep(config["warmupS"])
    _write({"type": "open", "id": command["id"], "t": time.time(), "workers": _connected(runner)})
    cpu = []
    end = time.time() + config["durationS"]
    while time.time() < end:
        cpu.append(sum(w.cpu_usage for w in runner.clients.values()))
        gevent.sleep(min(0.5, max(0.0, end - time.time())))
    _write({"type": "close", "id": command["id"], "t": time.time(), "cpuPercent": sum(cpu) / max(len(cpu), 1), "workers": _connected(runner)})
