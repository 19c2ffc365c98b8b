import { readFileSync } from 'node:fs';

/** The soft limit on open files (`ulimit -n`) of this process, from /proc; undefined when unknown or unlimited. */
export function openFilesLimit(): number | undefined {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}
