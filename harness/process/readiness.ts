import { request } from 'node:http';
import { sleep, type ProcessGroup } from './group.js';

/** What answered one GET: its status, the pid of the worker that served it (x-worker-pid), and the server's token (x-bench-token). */
interface Answer {
  status: number;
  workerPid: number | undefined;
  token: string | undefined;
}

/** One GET; resolves to what answered, or undefined when nothing answered in time. */
function getAnswer(url: string, timeoutMs = 1000): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const pid = Number(res.headers['x-worker-pid']);
      const token = res.headers['x-bench-token'];
      res.on('end', () => resolve({ status: res.statusCode ?? 0, workerPid: pid > 0 ? pid : undefined, token: typeof token === 'string' ? token : undefined }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** One GET; resolves to the status code, or undefined when nothing answered in time. */
export async function probe(url: string, timeoutMs = 1000): Promise<number | undefined> {
  return (await getAnswer(url, timeoutMs))?.status;
}

/**
 * What shows that a server with no token to echo is up: any 2xx at its health path (a user's app
 * bench started, an external server's `health:`), or any HTTP answer at all ('any': an external
 * server asked at the path it is measured on, where a 404 is as alive as a 200 and only a refusal
 * or silence is not).
 */
export type AcceptedAnswer = '2xx' | 'any';

/**
 * One GET of the health path: 'ours' when it answers 200 with `token`; 'stranger' when something
 * answers 200 without it; undefined when nothing answers, or not yet with a 200 (a proxy's 502
 * while the queue behind it drains is no proof of anything). A server without a token (`token`
 * undefined) is 'ours' on the answer `accepts` names.
 */
export async function whoAnswers(
  healthUrl: string,
  token: string | undefined,
  timeoutMs = 1000,
  accepts: AcceptedAnswer = '2xx',
): Promise<'ours' | 'stranger' | undefined> {
  const answer = await getAnswer(healthUrl, timeoutMs);
  if (token === undefined) return answer && (accepts === 'any' || (answer.status >= 200 && answer.status < 300)) ? 'ours' : undefined;
  if (answer?.status !== 200) return undefined;
  return answer.token === token ? 'ours' : 'stranger';
}

/** The worker pids that served `count` GETs of `url` sent at once (those that answered 200 in time). */
export async function answeringPids(url: string, count: number, timeoutMs: number): Promise<number[]> {
  const answers = await Promise.all(Array.from({ length: count }, () => getAnswer(url, timeoutMs)));
  return answers.flatMap((a) => (a?.status === 200 && a.workerPid !== undefined ? [a.workerPid] : []));
}

/**
 * Polls `url` until it answers 200 with the server's token, so that a program that took the port
 * between bench choosing it and the server binding it never passes for the server. Fails early,
 * with the process's last words, when a process the deployment depends on exits first (a server
 * that found its port taken exits, and launch retries on another); fails with a clear message
 * when the time is up.
 */
export async function waitUntilHealthy(
  url: string,
  processes: ProcessGroup[],
  timeoutMs: number,
  token: string | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stranger = false;
  for (;;) {
    checkStillStarting(processes, signal);
    const who = await whoAnswers(url, token, 500);
    if (who === 'ours') return;
    stranger ||= who === 'stranger';
    if (Date.now() >= deadline) {
      const last = processes[processes.length - 1];
      throw new Error(
        (stranger
          ? `something else answers at ${url}, not the server bench started (no token of this run): another program took the port`
          : `${url} did not answer ${token === undefined ? '2xx' : '200'} within ${(timeoutMs / 1000).toFixed(0)} s`) + (last?.lastWords() ?? ''),
      );
    }
    await sleep(50);
  }
}

/**
 * Fails when starting was interrupted, or, with the process's last words, when a process the
 * deployment depends on has exited.
 */
export function checkStillStarting(processes: ProcessGroup[], signal?: AbortSignal): void {
  if (signal?.aborted) throw new Error('interrupted while starting');
  const dead = processes.find((p) => !p.running);
  if (dead) throw new Error(dead.describeExit(' before it was ready'));
}
