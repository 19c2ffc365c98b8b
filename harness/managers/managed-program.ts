import type { DeployAction, ManagerName } from '../results/types.js';

export type { DeployAction, ManagerName };

/**
 * How often bench asks a manager while it waits on it (a restart, a deploy). Each ask starts the
 * manager's own tool (supervisorctl: about 0.14 s of CPU; pm2: about 0.2 s) on the cores the
 * measured window shares: asked back to back, they would take a core from the server under test.
 */
export const MANAGER_POLL_MS = 250;

/** Something the manager or bench did, at a performance.now() time, for the point's timeline. */
export interface ManagerStep {
  at: number;
  what: string;
}

/** The manager's own account of the program, as its tool printed it. */
export interface ManagerAccount {
  /** supervisord's state (RUNNING, STARTING, BACKOFF, EXITED, FATAL), pm2's status (online, launching, errored, stopped), forever's. */
  state: string;
  /** The server's pid (a pool's master) as the manager reports it; undefined while none runs. */
  pid?: number;
  /** How many times the manager has started the program again, where it counts them (pm2's restart_time). */
  restarts?: number;
  /** The tool's own words, verbatim (a `supervisorctl status` line, a summary of `pm2 jlist`). */
  said: string;
}

/**
 * A process manager bench runs a server under, for real: supervisord (`manager: supervisord` on a
 * Python or Node kind), or pm2 and forever (kinds of their own). The manager, not bench, restarts
 * the server when it dies and carries out a deploy; bench only asks it, through its own tool
 * (supervisorctl on supervisord's private socket, pm2 with the run's private PM2_HOME), and
 * records what it says.
 *
 * A running server as its manager sees it: what RunningDeployment.managed holds.
 */
export interface ManagedProgram {
  manager: ManagerName;
  /** Asks the manager now, never guesses from the process table. */
  status(): Promise<ManagerAccount>;
  /** Carries out a deploy the way this manager does; resolves when the manager says it is done, with the steps and their times. */
  deploy(action: DeployAction, signal?: AbortSignal): Promise<ManagerStep[]>;
  /** The manager's config as bench wrote it (supervisord.conf, pm2's process file), recorded in each row like nginx.conf. */
  config: { name: string; text: string };
}
