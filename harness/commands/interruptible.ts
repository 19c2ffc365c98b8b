import { EXIT } from '../cli/errors.js';
import { killAllNow, onStopSignals } from '../process/registry.js';
import type { Progress } from '../run/progress.js';

/**
 * Runs work with Ctrl-C, SIGTERM and SIGHUP turned into an abort signal: the work stops
 * measuring, tears down and keeps what it measured in outDir; a second Ctrl-C kills at once.
 */
export async function whileInterruptible<T>(progress: Progress, outDir: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      // A second Ctrl-C: no more waiting for graceful shutdown.
      killAllNow();
      process.exit(EXIT.interrupted);
    }
    progress.say(`\n${signal}: stopping the servers; finished points are kept in ${outDir}`);
    abort.abort();
  };
  const stopListening = onStopSignals(onSignal);
  try {
    return await work(abort.signal);
  } finally {
    stopListening();
  }
}
