import { copyFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { ProcessGroup, sleep } from '../../harness/process/group.js';
import { childrenOf } from '../../harness/process/procfs.js';
import { answeringPids } from '../../harness/process/readiness.js';
import { findExecutable } from '../../harness/software/catalog.js';

/** supervisord, from Debian's supervisor package: what the exported program file is for. */
export { supervisord } from '../../harness/software/catalog.js';

/** The living children of `pid`. */
export const livingChildren = (pid: number) => childrenOf(pid).filter((p) => p.state !== 'Z' && p.state !== 'X').map((p) => p.pid);

export async function until<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * The exported files under the real programs: supervisord with a config of the test's that
 * includes the exported program file (control socket in the temp folder, no TCP), and nginx with a
 * small nginx.conf that includes the exported site file. Both are pushed on `started`, for the
 * test file to stop.
 */
export async function startExported(dir: string, exported: string, started: ProcessGroup[]): Promise<{ supervisor: ProcessGroup; nginxGroup: ProcessGroup }> {
  writeFileSync(
    join(dir, 'supervisord.conf'),
    [
      '[unix_http_server]',
      `file=${join(dir, 'supervisor.sock')}`,
      'chmod=0700',
      '[supervisord]',
      `logfile=${join(dir, 'supervisord.log')}`,
      `pidfile=${join(dir, 'supervisord.pid')}`,
      `childlogdir=${dir}`,
      'nodaemon=true',
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '[supervisorctl]',
      `serverurl=unix://${join(dir, 'supervisor.sock')}`,
      '[include]',
      `files = ${join(exported, 'supervisor-*.conf')}`,
      '',
    ].join('\n'),
  );
  const supervisor = new ProcessGroup('supervisord', { command: findExecutable('supervisord')!, args: ['-n', '-c', join(dir, 'supervisord.conf')] }, join(dir, 'supervisord.out'));
  started.push(supervisor);

  // As bench does (harness/deployments/nginx.ts): started as root, nginx's workers would drop to
  // nobody and could not read the temp folder.
  const user = process.getuid?.() === 0 ? `user ${userInfo().username};` : '';
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      user,
      'daemon off;',
      'worker_processes auto;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'nginx-error.log')} warn;`,
      'events { worker_connections 4096; }',
      'http {',
      '    access_log off;',
      `    ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      `    include ${join(exported, 'nginx-site.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  // The site file includes uwsgi_params by the name a Debian server has it under, next to nginx.conf.
  copyFileSync(resolve('servers/nginx/uwsgi_params'), join(dir, 'uwsgi_params'));
  const nginxGroup = new ProcessGroup(
    'nginx',
    { command: findExecutable('nginx')!, args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'nginx-error.log')] },
    join(dir, 'nginx.out'),
  );
  started.push(nginxGroup);
  return { supervisor, nginxGroup };
}

/** The pid of a worker that answered a GET through nginx, once one does. */
export async function answeringWorker(url: string, timeoutMs: number, accept: (pid: number) => boolean = () => true): Promise<number> {
  return until(`a worker to answer ${url}`, timeoutMs, async () => (await answeringPids(url, 1, 2000)).find(accept));
}
