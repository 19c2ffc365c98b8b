import { takesThreads, takesWorkers, type ServerKind } from '../deployments/kind.js';
import { findKind } from '../deployments/kinds.js';
import type { TunedConfiguration } from '../results/types.js';

/**
 * A kind whose pool is threads in one process (waitress): its size is its thread count, so tune
 * sweeps threads and draws them on the x axis, one line for the kind. A kind with workers keeps
 * workers as its axis, with a line per thread count (gthread ×W × T, even at one worker).
 */
export const sweepsThreads = (kind: ServerKind): boolean => takesThreads(kind) && !takesWorkers(kind);

/** Thread counts a threads-axis kind steps through when --threads names none: doubling past waitress's default 4. */
export const DEFAULT_THREADS = [1, 2, 4, 8, 16, 32];

const onThreadsAxis = (c: Pick<TunedConfiguration, 'server'>): boolean => {
  const kind = findKind(c.server);
  return kind !== undefined && sweepsThreads(kind);
};

/** Where a configuration sits on tune's axis: its threads for a threads-axis kind, else its workers. */
export function poolAxisValue(c: Pick<TunedConfiguration, 'server' | 'workers' | 'threads'>): number {
  return onThreadsAxis(c) ? (c.threads ?? 1) : c.workers;
}

/** The thread count belongs in a class's name only where it is not the axis. */
export function threadsInClass(c: Pick<TunedConfiguration, 'server' | 'threads'>): number | undefined {
  return onThreadsAxis(c) ? undefined : c.threads;
}

/** The axis's name for the configurations drawn. */
export function poolAxisTitle(configurations: Pick<TunedConfiguration, 'server'>[]): string {
  const threads = configurations.filter(onThreadsAxis).length;
  if (threads === 0) return 'workers';
  return threads === configurations.length ? 'threads' : 'workers, or threads for a one-process thread pool';
}
