import type { RunningDeployment } from '../../harness/deployments/launch.js';
import type { ManagedProgram, ManagerStep } from '../../harness/managers/managed-program.js';
import { sleep } from '../../harness/process/group.js';
import { groupMembers } from '../../harness/process/procfs.js';

/**
 * For a test of the measuring side alone: the test itself carries out a gunicorn graceful reload
 * (SIGHUP to the arbiter, what `supervisorctl signal HUP` sends), with no process manager, and
 * resolves once every worker has been replaced. It says what it saw in the process table: no
 * manager speaks here, and no test that uses it claims one works.
 */
export function hupReloader(deployment: RunningDeployment): ManagedProgram {
  const arbiter = () => deployment.processes[0]!.pid;
  const workers = () => groupMembers(arbiter()).filter((p) => p.pid !== arbiter()).map((p) => p.pid);
  return {
    manager: 'supervisord',
    config: { name: 'none', text: 'the test sends SIGHUP itself' },
    status: async () => ({ state: 'RUNNING', pid: arbiter(), said: `arbiter ${arbiter()}, workers ${workers().join(' ')}` }),
    async deploy(action): Promise<ManagerStep[]> {
      if (action !== 'reload') throw new Error(`the test's stand-in only reloads, not ${action}`);
      const before = workers();
      process.kill(arbiter(), 'SIGHUP');
      const steps: ManagerStep[] = [{ at: performance.now(), what: `SIGHUP to the arbiter (pid ${arbiter()})` }];
      for (let waited = 0; waited < 10_000; waited += 20) {
        const now = workers();
        if (now.length === before.length && now.every((pid) => !before.includes(pid))) {
          steps.push({ at: performance.now(), what: `${now.length} new workers` });
          return steps;
        }
        await sleep(20);
      }
      throw new Error('the workers were not all replaced within 10 s');
    },
  };
}
