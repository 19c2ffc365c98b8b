import { Supervisord } from '../managers/supervisord.js';
import type { ProcessGroup } from '../process/group.js';
import { liveGroups, type Guarded } from '../process/registry.js';
import { takesWorkers, type DeploymentSpec, type KindPlan, type LaunchContext, type ServerKind } from './kind.js';
import { programGroups } from './server-group.js';

/** A server under supervisord, and the guard that ends its programs' groups however bench ends. */
export interface ManagedServer {
  program: Supervisord;
  /** Records supervisord's group, and guards the groups of its programs with it. */
  started(supervisor: ProcessGroup): ProcessGroup;
  /** After teardown: SIGKILL to any program supervisord left, and the guard goes. */
  stopped(): void;
}

/**
 * The kind's server as supervisord's one program (manager: supervisord). supervisord starts it in a
 * process group of its own, which a SIGKILL to supervisord's group would miss: a guard in the
 * registry (exit guard, and the guardian's record) signals those groups too.
 */
export function underSupervisord(kind: ServerKind, spec: DeploymentSpec, kindPlan: KindPlan, ctx: LaunchContext): ManagedServer {
  const command = (p: KindPlan) => ({ command: [p.command, ...p.args], ...(p.cwd && { cwd: p.cwd }), ...(p.stopSignal && { stopSignal: p.stopSignal }) });
  const program = new Supervisord({
    name: kind.name,
    parentDir: ctx.tmpDir,
    program: command(kindPlan),
    ...(takesWorkers(kind) && { replan: async () => command(await kind.plan({ ...spec, workers: spec.workers + 1 }, ctx)) }),
  });
  let guard: Guarded | undefined;
  return {
    program,
    started(supervisor) {
      guard = {
        pid: supervisor.pid,
        stopSignal: supervisor.stopSignal,
        signal: (sig) => {
          const groups = programGroups(supervisor);
          for (const group of groups) {
            try {
              process.kill(-group, sig);
            } catch {
              // gone meanwhile
            }
          }
          return groups.length > 0;
        },
      };
      liveGroups.add(guard);
      return supervisor;
    },
    stopped() {
      if (!guard) return;
      guard.signal('SIGKILL');
      liveGroups.delete(guard);
    },
  };
}
