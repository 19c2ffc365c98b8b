import { spawn } from 'node:child_process';
import { builtinEngineEntry } from '../../files/bench-paths.js';
import { guardChild } from '../../process/registry.js';
import { findExecutable } from '../../software/catalog.js';
import type { EngineEvents, EngineLoad, EngineMeasurement, LiveFigures, LoadEngine } from '../engine.js';
import { progressTicker } from '../progress-ticker.js';

type ChildMessage =
  | { type: 'window-open' }
  | { type: 'live'; figures: LiveFigures }
  | { type: 'done'; measurement: EngineMeasurement }
  | { type: 'error'; message: string };

/**
 * bench's own engine (npm only): driver.ts in a child process, pinned to the generator's cores
 * when the run separates them from the server's. A process of its own gives the generator a CPU
 * figure that is its own, and keeps bench's sampler and progress off the load path's event loop.
 */
export const builtinEngine: LoadEngine = {
  name: 'builtin',
  unavailable: () => undefined,
  run: (load, events, signal) => runChild(load, events, signal),
};

function runChild(load: EngineLoad, events: EngineEvents, signal?: AbortSignal): Promise<EngineMeasurement> {
  const taskset = load.cpus ? findExecutable('taskset') : undefined;
  const [command, args] = taskset
    ? [taskset, ['-c', load.cpus!, process.execPath, builtinEngineEntry]]
    : [process.execPath, [builtinEngineEntry]];
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], detached: true });
  guardChild(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let live: LiveFigures | undefined;
  const stopTicking = progressTicker(load, events.onProgress, () => live);
  const stop = () => child.connected && child.send({ type: 'stop' });
  signal?.addEventListener('abort', stop);
  return new Promise<EngineMeasurement>((resolve, reject) => {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'window-open') events.onWindowOpen?.();
      else if (message.type === 'live') live = message.figures;
      else if (message.type === 'done') resolve(message.measurement);
      else reject(new Error(`the load generator failed: ${message.message}`));
    });
    child.on('error', (err) => reject(new Error(`the load generator did not start: ${err.message}`)));
    // 'close' comes after the last IPC message has been read ('exit' may come before it).
    child.on('close', (code, sig) =>
      reject(new Error(`the load generator exited (${sig ?? `code ${code}`}) before it reported${stderr ? `: ${stderr.trim()}` : ''}`)),
    );
    child.send({ type: 'run', load });
  }).finally(async () => {
    stopTicking();
    signal?.removeEventListener('abort', stop);
    // Wait until it has exited and been reaped: a generator still running would take CPU from
    // the next point, and its CPU would be counted as the next reaped child's (wrk's).
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    }
  });
}
