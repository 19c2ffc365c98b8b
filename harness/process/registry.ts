import type { ProcessGroup } from './group.js';

/**
 * Every process group the harness has started and not yet stopped. The last line of defence:
 * whatever way the harness exits, what is left here is killed synchronously.
 */
export const liveGroups = new Set<ProcessGroup>();

export function killAllNow(): void {
  for (const group of liveGroups) group.signal('SIGKILL');
  liveGroups.clear();
}

let installed = false;

/** Kills every live group when the process exits, however it exits (short of SIGKILL). */
export function installExitGuard(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
}
