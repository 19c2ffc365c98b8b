import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * GET /static/NAME: the files bench ships in servers/static (the same bytes nginx serves from that
 * folder when a scenario says `static: web-server`). Only a name listed in the folder at start is
 * served, so no spelling of `..`, an encoded slash or an absolute path can reach another file.
 */
const PREFIX = '/static/';

/** The folder, found from this module whether it runs from servers/node or dist/servers/node. */
function staticFolder(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'servers', 'static'))) return join(dir, 'servers', 'static');
    if (dirname(dir) === dir) throw new Error('servers/static not found above the Node app');
  }
}

/** The types servers/static holds, as nginx is told to name them too (harness/deployments/nginx.ts). */
const TYPES: Record<string, string> = { '.txt': 'text/plain; charset=utf-8', '.bin': 'application/octet-stream' };

const folder = staticFolder();
const files = new Map<string, StaticFile>(
  readdirSync(folder)
    .filter((name) => statSync(join(folder, name)).isFile())
    .map((name) => [name, { path: join(folder, name), type: TYPES[extname(name)] ?? 'application/octet-stream', size: statSync(join(folder, name)).size }]),
);

export interface StaticFile {
  path: string;
  type: string;
  size: number;
}

/** The file a request path names, or undefined for anything that is not /static/ and one of the folder's own names. */
export function staticFile(pathname: string): StaticFile | undefined {
  return pathname.startsWith(PREFIX) ? files.get(pathname.slice(PREFIX.length)) : undefined;
}

/**
 * Sends the file. `blocking` reads it whole with the thread stopped, as a blocking worker does;
 * otherwise it streams from disk while the event loop serves other requests.
 */
export function sendStatic(res: ServerResponse, file: StaticFile, blocking: boolean, headers: Record<string, string>): void {
  res.writeHead(200, { ...headers, 'content-type': file.type, 'content-length': file.size });
  if (blocking) {
    res.end(readFileSync(file.path));
    return;
  }
  createReadStream(file.path)
    .on('error', () => res.destroy())
    .pipe(res);
}
