import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { SpawnPlan } from '../process/group.js';
import { projectRoot } from '../paths.js';
import { findExecutable } from '../software.js';
import type { UpstreamProtocol } from './kind.js';

export interface NginxFront {
  host: string;
  port: number;
  upstreamPort: number;
  /** The Unix socket the upstream listens on instead of upstreamPort (fcgiwrap, uWSGI's uwsgi socket). */
  upstreamSocket?: string;
  protocol: UpstreamProtocol;
  /** For fastcgi: the CGI program fcgiwrap runs for every request. */
  cgiScript?: string;
  tmpDir: string;
}

const TEMPLATE = join(projectRoot, 'servers', 'nginx', 'nginx.conf.template');

function locationBlock(front: NginxFront): string {
  const upstream = front.upstreamSocket ? `"unix:${front.upstreamSocket}"` : `${front.host}:${front.upstreamPort}`;
  const lines =
    front.protocol === 'uwsgi'
      ? [`include "${join(projectRoot, 'servers', 'nginx', 'uwsgi_params')}";`, `uwsgi_pass ${upstream};`]
      : front.protocol === 'fastcgi'
        ? [
            `include "${join(projectRoot, 'servers', 'nginx', 'fastcgi_params')}";`,
            `fastcgi_param SCRIPT_FILENAME "${front.cgiScript}";`,
            `fastcgi_pass ${upstream};`,
          ]
        : [`proxy_pass http://${upstream};`, 'proxy_set_header Host $host;'];
  return lines.map((line) => `            ${line}`).join('\n');
}

/** Writes nginx.conf for this front into its own folder and returns how to start nginx on it. */
export function nginxPlan(front: NginxFront): SpawnPlan {
  const dir = join(front.tmpDir, `nginx-${front.port}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Started as root (as in CI), nginx's workers would drop to `nobody` and could not use this
  // private folder; naming the current user keeps them as root's peers. Ignored otherwise.
  const user = process.getuid?.() === 0 ? `user ${userInfo().username};` : '';
  // Paths are quoted in the template: a checkout path may hold spaces.
  const config = readFileSync(TEMPLATE, 'utf8')
    .replaceAll('{{user}}', user)
    .replaceAll('{{dir}}', dir)
    .replaceAll('{{listen}}', `${front.host}:${front.port}`)
    .replaceAll('{{location}}', locationBlock(front));
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, config, { mode: 0o600 });
  return {
    command: findExecutable('nginx') ?? 'nginx',
    // -e: nginx opens its compiled-in error log before it reads the config; keep even that private.
    args: ['-p', dir, '-c', configPath, '-e', join(dir, 'nginx-error.log')],
  };
}
