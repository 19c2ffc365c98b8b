import { livingProcesses, readStat } from '../process/procfs.js';
import type { ManagedProgram } from '../managers/managed-program.js';
import type { ProcessGroup } from '../process/group.js';

/** What the server's group is asked of: what launch() has, and what a RunningDeployment holds. */
export interface ServerProcesses {
  processes: ProcessGroup[];
  managed?: ManagedProgram;
}

/**
 * The process group of the server now (a pool's master and its workers), or undefined while none
 * runs: the group bench started, or, under a manager, the group of the pid the manager reports
 * (supervisord starts each program in a group of its own, and a restart makes a new one). The one
 * way readiness, liveness and the worker-crash victim ask for it.
 */
export async function serverGroup(d: ServerProcesses): Promise<number | undefined> {
  if (!d.managed) return d.processes[0]?.pid;
  const { pid } = await d.managed.status();
  return pid === undefined ? undefined : readStat(pid)?.pgrp;
}

/**
 * The groups a manager's programs lead (supervisord's setpgrp puts each in its own; pm2 starts a
 * fork-mode app in a session of its own): whose CPU and memory are the deployment's, and what
 * teardown ends if the manager left them. Every group but the manager's own that a descendant of
 * its leader is in, or that is in its session (where a killed master's orphaned workers stay,
 * no longer anyone's descendants), read from /proc, synchronously, because sampling and the exit guard cannot
 * wait for the manager's answer; what the manager reports (serverGroup) is what bench acts on.
 */
export function programGroups(manager: ProcessGroup): number[] {
  const living = livingProcesses();
  const byParent = new Map<number, number[]>();
  for (const p of living) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p.pid]);
  const descendants = new Set<number>();
  const pending = [manager.pid];
  while (pending.length > 0) {
    for (const child of byParent.get(pending.pop()!) ?? []) {
      if (!descendants.has(child)) {
        descendants.add(child);
        pending.push(child);
      }
    }
  }
  const groups = living.filter((p) => (descendants.has(p.pid) || p.sid === manager.pid) && p.pgrp !== manager.pid).map((p) => p.pgrp);
  return [...new Set(groups)];
}
