import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchContext } from './kind.js';

/** uWSGI refuses longer Unix socket names (fcgiwrap takes 107 bytes): the shorter limit holds for both. */
const MAX_SOCKET_PATH_BYTES = 102;

/**
 * Where a server meant for nginx alone listens: a Unix socket in the run's private folder. fcgiwrap
 * executes whatever file its client names, and uWSGI's uwsgi socket believes every request variable
 * its client sends; on loopback TCP any local user could be that client. In a 0700 folder only this
 * user can, and nginx's workers run as this user (nginx.ts). Refuses a folder others can enter.
 */
export function privateSocket(ctx: LaunchContext, server: string): string {
  const folder = statSync(ctx.tmpDir);
  if ((folder.mode & 0o077) !== 0 || folder.uid !== process.getuid?.()) {
    throw new Error(`${ctx.tmpDir} is not a private (0700) folder of this user; ${server} would listen in it`);
  }
  // The port keeps each deployment's socket apart, as it does their logs.
  const path = join(ctx.tmpDir, `${server}-${ctx.port}.sock`);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `${server}'s socket path ${path} is longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket may have here; set TMPDIR to a shorter folder`,
    );
  }
  return path;
}
