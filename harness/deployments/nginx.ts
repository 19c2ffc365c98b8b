import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { SpawnPlan } from '../process/group.js';
import { projectRoot } from '../files/bench-paths.js';
import { findExecutable } from '../software/catalog.js';
import type { NginxSettings, UpstreamProtocol } from './kind.js';
import { nginxString } from './nginx-string.js';

export interface NginxFront {
  host: string;
  port: number;
  upstreamPort: number;
  /** The Unix socket the upstream listens on instead of upstreamPort (fcgiwrap, uWSGI's uwsgi socket). */
  upstreamSocket?: string;
  protocol: UpstreamProtocol;
  /** For fastcgi: the CGI program fcgiwrap runs for every request. */
  cgiScript?: string;
  /** For fastcgi: the deployment's token, which reaches the CGI program as a parameter (fcgiwrap's own environment does not). */
  token?: string;
  /** For fastcgi: the deployment's env:, passed to the CGI program the same way. */
  cgiEnv?: Record<string, string>;
  tmpDir: string;
  /** The scenario's `nginx:` settings; nginx's defaults for whatever is absent. */
  settings?: NginxSettings;
  /** `static: web-server`: the folder nginx answers /static/ from itself, without the app. */
  staticDir?: string;
}

const NGINX_DIR = join(projectRoot, 'servers', 'nginx');

/**
 * One of servers/nginx's params files, copied in rather than `include`d: include reads a path
 * holding `*`, `?` or `[` as a glob, and a checkout may be named like that.
 */
function params(file: 'uwsgi_params' | 'fastcgi_params'): string[] {
  return readFileSync(join(NGINX_DIR, file), 'utf8').trimEnd().split('\n');
}

/** The upstream's address, as the *_pass directives and an upstream block's `server` take it. */
function upstreamAddress(front: NginxFront): string {
  return front.upstreamSocket ? nginxString(`unix:${front.upstreamSocket}`, true) : `${front.host}:${front.upstreamPort}`;
}

/**
 * `upstream { keepalive N; }` when asked: nginx then keeps idle connections to the app open
 * instead of opening one per request (its default, over HTTP/1.0).
 */
function upstreamBlock(front: NginxFront): string {
  const keepalive = front.settings?.upstreamKeepalive;
  if (keepalive === undefined) return '';
  return [`    upstream bench_app {`, `        server ${upstreamAddress(front)};`, `        keepalive ${keepalive};`, `    }`].join('\n');
}

function locationBlock(front: NginxFront): string {
  const keepalive = front.settings?.upstreamKeepalive !== undefined;
  const upstream = keepalive ? 'bench_app' : upstreamAddress(front);
  const prefix = { http: 'proxy', uwsgi: 'uwsgi', fastcgi: 'fastcgi' }[front.protocol];
  const tuned = [
    // Upstream keep-alive needs HTTP/1.1 and no "Connection: close" passed on.
    ...(keepalive ? ['proxy_http_version 1.1;', 'proxy_set_header Connection "";'] : []),
    ...(front.settings?.buffering ? [`${prefix}_buffering ${front.settings.buffering};`] : []),
    ...(front.settings?.directives ?? []),
  ];
  const lines =
    front.protocol === 'uwsgi'
      ? [...params('uwsgi_params'), `uwsgi_pass ${upstream};`]
      : front.protocol === 'fastcgi'
        ? [
            ...params('fastcgi_params'),
            `fastcgi_param SCRIPT_FILENAME ${nginxString(front.cgiScript ?? '', true)};`,
            ...(front.token ? [`fastcgi_param BENCH_TOKEN ${nginxString(front.token, true)};`] : []),
            ...Object.entries(front.cgiEnv ?? {}).map(([name, value]) => `fastcgi_param ${name} ${nginxString(value, true)};`),
            `fastcgi_pass ${upstream};`,
          ]
        : [`proxy_pass http://${upstream};`, 'proxy_set_header Host $host;'];
  lines.push(...tuned);
  return lines.map((line) => (line ? `            ${line}` : '')).join('\n');
}

/**
 * `location /static/` answered from the folder (`alias`, whose path expands variables), typed as the
 * demo apps type the same files (static-files.ts); nginx.conf includes no mime.types. The trailing
 * slash on both sides keeps `/static../x` out of the folder's parent; the folder itself is not a
 * file, and gets the apps' 404 rather than nginx's 403 for a directory without an index.
 */
function staticBlock(front: NginxFront): string {
  if (front.staticDir === undefined) return '';
  return [
    `        location /static/ {`,
    `            alias ${nginxString(`${front.staticDir}/`, true)};`,
    `            types { text/plain txt; application/octet-stream bin; }`,
    `            charset utf-8;`,
    `        }`,
    `        location = /static/ {`,
    `            return 404;`,
    `        }`,
  ].join('\n');
}

/** Writes nginx.conf for this front into its own folder and returns how to start nginx on it, and the config itself. */
export function nginxPlan(front: NginxFront): SpawnPlan & { config: string } {
  const dir = join(front.tmpDir, `nginx-${front.port}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Started as root (as in CI), nginx's workers would drop to `nobody` and could not use this
  // private folder; naming the current user keeps them as root's peers. Ignored otherwise.
  const user = process.getuid?.() === 0 ? `user ${nginxString(userInfo().username, false)};` : '';
  const values: Record<string, string> = {
    user,
    listen: `${front.host}:${front.port}`,
    upstream: upstreamBlock(front),
    location: locationBlock(front),
    static: staticBlock(front),
  };
  // One pass with a function: what is filled in is never searched again for placeholders, and a
  // `$&` in a path stays itself (a replacement string would expand it).
  const config = readFileSync(join(NGINX_DIR, 'nginx.conf.template'), 'utf8').replace(
    /\{\{(dir\/)?([^}]+)\}\}/g,
    (placeholder, inDir: string | undefined, name: string) =>
      inDir ? nginxString(join(dir, name), false) : (values[name] ?? placeholder),
  );
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, config, { mode: 0o600 });
  return {
    command: findExecutable('nginx') ?? 'nginx',
    // -e: nginx opens its compiled-in error log before it reads the config; keep even that private.
    args: ['-p', dir, '-c', configPath, '-e', join(dir, 'nginx-error.log')],
    config,
  };
}
