import { rmSync } from 'node:fs';
import type { ProcessGroup } from './group.js';

/**
 * Every process group the harness has started and not yet stopped, and every private temporary
 * folder it has made and not yet removed. The last line of defence: whatever way the harness
 * exits, what is left here is killed and removed synchronously.
 */
export const liveGroups = new Set<ProcessGroup>();
export const liveTempDirs = new Set<string>();

export function killAllNow(): void {
  for (const group of liveGroups) group.signal('SIGKILL');
  liveGroups.clear();
  for (const dir of liveTempDirs) rmSync(dir, { recursive: true, force: true });
  liveTempDirs.clear();
}

let installed = false;

/** Kills every live group and removes temp folders when the process exits, however it exits (short of SIGKILL). */
export function installExitGuard(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
}

/**
 * The signals that end a run: Ctrl-C, kill, a closed terminal or dropped ssh (SIGHUP: the servers
 * run in sessions of their own, so they would not get it themselves), and Ctrl-\.
 */
export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** Calls `handler` on any stop signal until the returned function is called. */
export function onStopSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, handler);
  };
}
