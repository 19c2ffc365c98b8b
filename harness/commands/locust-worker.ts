import { spawn } from 'node:child_process';
import { EXIT, UsageError } from '../cli/errors.js';
import { locustfile } from '../files/bench-paths.js';
import { onStopSignals } from '../process/registry.js';
import { findExecutable } from '../software/catalog.js';

/**
 * `bench locust-worker --master HOST:PORT`: a Locust worker on this machine for a run whose master
 * another machine started with --locust-master-bind. The worker needs only bench's locustfile: the
 * master sends it what to request before each point's users start. It stays for every point of the
 * run and leaves when the run ends (the master says quit), or when the master has been silent for
 * 15 s (its bench killed, its machine unreachable).
 */
export async function locustWorkerCommand(master: { host: string; port: number }): Promise<number> {
  const locust = findExecutable('locust');
  if (!locust) throw new UsageError('Locust is not installed here; install it with: sudo apt-get install python3-locust (or bench install-servers)');
  const args = ['-f', locustfile, '--worker', '--master-host', master.host, '--master-port', String(master.port)];
  process.stderr.write(`bench locust-worker: running ${[locust, ...args].join(' ')}\n`);
  const child = spawn(locust, args, { stdio: 'inherit' });
  // Ctrl-C reaches the worker too (same terminal); it leaves the master and exits.
  const stopListening = onStopSignals((signal) => child.kill(signal));
  try {
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    return code === 0 ? EXIT.ok : EXIT.runFailed;
  } finally {
    stopListening();
  }
}
