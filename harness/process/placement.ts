import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Placement } from '../results/types.js';
import { findExecutable } from '../software/catalog.js';

/** `--placement`: keep the generator off the server's cores, or let them share every core. */
export type PlacementMode = 'separate' | 'shared';

/**
 * Where the deployment and the load generator run. On a machine they share, every bit of CPU the
 * generator uses is taken from the server, and a JS generator costs more per request than wrk:
 * figures would measure the generator's efficiency as much as the server. Separate placement pins
 * the generator (one thread, so one core is all it can use) to the last CPU bench may use and
 * the deployment to the others, with taskset; the server then has a known number of cores
 * (`serverCores`, the model's bound for CPU-bound paths). It needs two CPUs and taskset; without
 * them, or with `--placement shared`, both run wherever the OS puts them.
 */
export function planPlacement(mode: PlacementMode): Placement {
  const cpus = allowedCpus();
  if (mode === 'shared' || cpus.length < 2 || !findExecutable('taskset')) {
    return { mode: 'shared', serverCpus: null, generatorCpus: null, serverCores: cpus.length };
  }
  const server = cpus.slice(0, -1);
  return { mode: 'separate', serverCpus: server.join(','), generatorCpus: String(cpus[cpus.length - 1]), serverCores: server.length };
}

/** The CPUs this process may run on (a container or taskset may allow fewer than the machine has). */
function allowedCpus(): number[] {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1];
    if (list) return parseCpuList(list);
  } catch {
    // no procfs: fall through
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}

/** "0-2,5" → [0, 1, 2, 5]. */
export function parseCpuList(list: string): number[] {
  return list
    .trim()
    .split(',')
    .flatMap((part) => {
      const [from, to] = part.split('-').map(Number);
      if (to === undefined) return [from!];
      return Array.from({ length: to - from! + 1 }, (_, i) => from! + i);
    });
}
