import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../process/group.js';
import { MANAGER_POLL_MS, type DeployAction, type ManagedProgram, type ManagerAccount, type ManagerStep } from './managed-program.js';

/** One app instance as `pm2 jlist` lists it: the fields bench reads (the rest, the app's whole environment among them, is never kept). */
export interface Pm2Instance {
  pmId: number;
  name: string;
  pid: number | undefined;
  status: string;
  restarts: number;
}

/**
 * Parses `pm2 jlist`. Only the fields bench needs are kept: jlist also prints every instance's
 * environment, which may hold a deployment's secrets, and none of it may reach a report.
 */
export function parseJlist(text: string): Pm2Instance[] {
  // pm2 may print notice lines before the JSON ("[PM2] …", an update of its in-memory version).
  const start = text.search(/^\s*\[\s*(\{|\])/m);
  if (start < 0) throw new Error(`pm2 jlist printed no list: ${text.trim().slice(0, 200)}`);
  const list = JSON.parse(text.slice(start)) as unknown;
  if (!Array.isArray(list)) throw new Error('pm2 jlist printed something other than a list');
  return list.map((entry: { pid?: number; name?: string; pm_id?: number; pm2_env?: { status?: string; restart_time?: number } }) => ({
    pmId: entry.pm_id ?? -1,
    name: entry.name ?? '',
    // pm2 reports pid 0 for an instance that is not running.
    pid: entry.pid ? entry.pid : undefined,
    status: entry.pm2_env?.status ?? 'unknown',
    restarts: entry.pm2_env?.restart_time ?? 0,
  }));
}

/** pm2's account in one line: "online pid 123 restarts 0; online pid 124 restarts 0", the first instance's pid and state foremost. */
export function accountOf(instances: readonly Pm2Instance[]): ManagerAccount {
  const first = instances[0];
  if (!first) return { state: 'stopped', said: 'pm2 jlist: no app' };
  return {
    state: instances.every((i) => i.status === first.status) ? first.status : instances.map((i) => i.status).join(','),
    ...(first.pid !== undefined && { pid: first.pid }),
    restarts: instances.reduce((sum, i) => sum + i.restarts, 0),
    said: `pm2 jlist: ${instances.map((i) => `${i.name}[${i.pmId}] ${i.status} pid ${i.pid ?? '-'} restarts ${i.restarts}`).join('; ')}`,
  };
}

export interface Pm2Options {
  /** The pm2 CLI (node-tools' node_modules/.bin/pm2). */
  pm2: string;
  /** The deployment's private PM2_HOME, where pm2-runtime's God listens (rpc.sock). */
  home: string;
  /** The app's name in the process file. */
  name: string;
  /** The process file bench wrote, as recorded in each row. */
  config: { name: string; text: string };
}

const RELOAD_TIMEOUT_MS = 30_000;

/**
 * pm2 running one app in the foreground (pm2-runtime), asked through its CLI with the same
 * private PM2_HOME, which talks to that God over its rpc.sock. The CLI starts a daemon of its own
 * when it finds no God there, outside every group bench stops: so bench never calls it once the
 * socket is gone.
 */
export function pm2Program(options: Pm2Options): ManagedProgram {
  const run = (args: string[]): Promise<string> => {
    if (!existsSync(join(options.home, 'rpc.sock'))) return Promise.reject(new Error(`pm2 is not running (no rpc.sock in ${options.home})`));
    return new Promise((resolve, reject) =>
      execFile(options.pm2, args, { env: { ...process.env, PM2_HOME: options.home }, timeout: RELOAD_TIMEOUT_MS, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
        err ? reject(new Error(`pm2 ${args.join(' ')} failed: ${`${stderr}`.trim() || err.message}`)) : resolve(`${stdout}`),
      ),
    );
  };
  const instances = async () => parseJlist(await run(['jlist']));
  return {
    manager: 'pm2',
    config: options.config,
    status: async () => {
      try {
        return accountOf(await instances());
      } catch (err) {
        return { state: 'stopped', said: (err as Error).message };
      }
    },
    deploy: async (action: DeployAction, signal?: AbortSignal): Promise<ManagerStep[]> => {
      if (action === 'update') throw new Error('pm2 has no update: restart or reload');
      const before = await instances();
      const steps: ManagerStep[] = [{ at: performance.now(), what: `pm2 ${action} ${options.name}` }];
      await run([action, options.name]);
      steps.push({ at: performance.now(), what: `pm2 ${action} returned` });
      // Done when pm2 says every instance is online in a process that is not the one before it.
      const old = new Set(before.map((i) => i.pid));
      const deadline = Date.now() + RELOAD_TIMEOUT_MS;
      for (;;) {
        const now = await instances();
        if (now.length >= before.length && now.every((i) => i.status === 'online' && i.pid !== undefined && !old.has(i.pid))) {
          // Its whole account (each instance's pid) is the row's managerSaid; the timeline needs the moment.
          steps.push({ at: performance.now(), what: `every instance online in a new process (${now.length})` });
          return steps;
        }
        if (signal?.aborted) throw new Error(`interrupted during pm2 ${action}`);
        if (Date.now() > deadline) throw new Error(`pm2 ${action} ${options.name}: not every instance online again within ${RELOAD_TIMEOUT_MS / 1000} s (${accountOf(now).said})`);
        await sleep(MANAGER_POLL_MS, signal);
      }
    },
  };
}
