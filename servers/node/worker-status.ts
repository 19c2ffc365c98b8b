import { openSync, writeSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

/**
 * Which worker is busy, for a live page (issue 11). With BENCH_STATUS_DIR set, every process that
 * serves the app keeps one file, $BENCH_STATUS_DIR/<pid>, holding how many requests it is serving:
 * ASCII digits padded with spaces to WIDTH bytes, newline included, rewritten in place at offset 0
 * (no truncation, no rename), so that once written a reader never finds it empty or half-grown
 * (harness/status/worker-status.ts reads them; servers/python/worker_status.py writes the same for
 * the Flask app). Read once, at load: without the variable the handler does not touch the file
 * system.
 */
const STATUS_DIR = process.env.BENCH_STATUS_DIR;
const WIDTH = 8;

type CountRequest = (res: ServerResponse) => void;
let counter: CountRequest | undefined;

/**
 * What the handler calls as each request starts; the request counts until its response closes
 * (finished or aborted). Undefined without BENCH_STATUS_DIR. The file is opened on the first call,
 * when a serving process makes its handler at start-up (a cluster primary makes none), so an idle
 * worker shows 0.
 */
export function requestCounter(): CountRequest | undefined {
  if (!STATUS_DIR) return undefined;
  if (!counter) {
    const fd = openSync(join(STATUS_DIR, String(process.pid)), 'w', 0o600);
    let busy = 0;
    const write = () => writeSync(fd, `${String(busy).padStart(WIDTH - 1)}\n`, 0);
    write();
    counter = (res) => {
      busy++;
      write();
      res.once('close', () => {
        busy--;
        write();
      });
    };
  }
  return counter;
}
