import { readFileSync } from 'node:fs';
import type { ProcessGroup } from '../process/group.js';
import type { DeployAction, ManagedProgram, ManagerAccount, ManagerStep } from './managed-program.js';

/** The restarts forever has announced ("Script restart attempt #3"): the highest attempt number it printed. */
export function restartsSaid(output: string): number {
  const attempts = [...output.matchAll(/Script restart attempt #(\d+)/g)].map((m) => Number(m[1]));
  return attempts.length > 0 ? Math.max(...attempts) : 0;
}

/** The processes `pid` started, as the kernel lists them; empty once it is gone or off Linux. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const RESTART_TIMEOUT_MS = 30_000;

/**
 * forever in the foreground (`forever SCRIPT`, no `start`): its monitor is the group leader bench
 * started, and the script its only child. A foreground forever registers nowhere that `forever list`
 * reads (its list is of daemonized monitors), so its account is what it printed (each restart it
 * announces) and the one process it runs now, its child.
 */
export function foreverProgram(monitor: ProcessGroup, config: { name: string; text: string }): ManagedProgram {
  const account = (): ManagerAccount => {
    const [pid] = childrenOf(monitor.pid);
    const restarts = restartsSaid(monitor.tail(200));
    const state = !monitor.running ? 'stopped' : pid === undefined ? 'restarting' : 'running';
    return { state, ...(pid !== undefined && { pid }), restarts, said: `forever: ${state}${pid !== undefined ? ` pid ${pid}` : ''}, ${restarts} restart${restarts === 1 ? '' : 's'} announced` };
  };
  return {
    manager: 'forever',
    config,
    status: async () => account(),
    deploy: async (action: DeployAction, signal?: AbortSignal): Promise<ManagerStep[]> => {
      if (action !== 'restart') throw new Error(`forever has no ${action}: restart only`);
      const before = account().pid;
      if (before === undefined) throw new Error('forever runs no script to restart');
      // A foreground forever takes no commands: its restart is the one it does when the script exits.
      process.kill(before, 'SIGTERM');
      const steps: ManagerStep[] = [{ at: performance.now(), what: `SIGTERM to the script (pid ${before}); forever starts it again` }];
      const deadline = Date.now() + RESTART_TIMEOUT_MS;
      for (;;) {
        const now = account();
        if (now.pid !== undefined && now.pid !== before) {
          steps.push({ at: performance.now(), what: now.said });
          return steps;
        }
        if (signal?.aborted) throw new Error('interrupted during forever restart');
        if (Date.now() > deadline) throw new Error(`forever did not start the script again within ${RESTART_TIMEOUT_MS / 1000} s (${now.said})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
