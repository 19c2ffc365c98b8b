import { request } from 'node:http';
import { sleep, type ProcessGroup } from './group.js';

/** One GET; resolves to the status code, or undefined when nothing answered in time. */
export function probe(url: string, timeoutMs = 1000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Polls `url` until it answers 200. Fails early, with the process's last words, when a process the
 * deployment depends on exits first; fails with a clear message when the time is up.
 */
export async function waitUntilHealthy(
  url: string,
  processes: ProcessGroup[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new Error('interrupted while starting');
    const dead = processes.find((p) => !p.running);
    if (dead) {
      const status = dead.exitStatus;
      const how = status?.signal ? `was killed by ${status.signal}` : `exited with code ${status?.code}`;
      throw new Error(`${dead.name} ${how} before it was ready${formatTail(dead)}`);
    }
    if ((await probe(url, 500)) === 200) return;
    if (Date.now() >= deadline) {
      const last = processes[processes.length - 1];
      throw new Error(
        `${url} did not answer 200 within ${(timeoutMs / 1000).toFixed(0)} s${last ? formatTail(last) : ''}`,
      );
    }
    await sleep(50);
  }
}

function formatTail(p: ProcessGroup): string {
  const tail = p.tail(6);
  return tail ? `; its last output:\n${tail.replace(/^/gm, '    ')}` : '';
}
