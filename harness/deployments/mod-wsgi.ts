import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonServersDir } from '../files/bench-paths.js';
import { liveTempDirs } from '../process/registry.js';
import { apache2, flask, modWsgi } from '../software/catalog.js';
import { apacheServerPlan, apacheString, apacheUser } from './apache.js';
import { UsageError } from '../cli/errors.js';
import type { DeploymentEntryObject, DeploymentSpec, KindCheckContext, KindPlan, LaunchContext, ServerKind } from './kind.js';
import { embeddedPythonHome, wsgiTarget } from './python.js';

const SCRIPT = join(pythonServersDir, 'mod_wsgi_app.py');

/**
 * mod_wsgi's daemon processes listen on a Unix socket that Apache's children connect to. When
 * bench is root those children are www-data (apache.ts), which cannot enter the run's private
 * folder (root's, 0700), so the socket goes in a private folder of its own owned by that user
 * (as PostgreSQL's does), removed when the deployment stops.
 */
function socketFolder(ctx: LaunchContext, owner: { uid: number; gid: number } | undefined): { dir: string; own?: string } {
  if (!owner) return { dir: join(ctx.tmpDir, `apache-${ctx.port}`) };
  const own = mkdtempSync(join(tmpdir(), 'bench-wsgi-')); // 0700
  liveTempDirs.add(own);
  chownSync(own, owner.uid, owner.gid);
  return { dir: own, own };
}

/**
 * mod_wsgi's directives. Embedded: the app runs in Apache's own W prefork processes, one request
 * each. Daemon: `WSGIDaemonProcess processes=W threads=T` runs it in W processes of T threads,
 * handed each request by an Apache thread (event, by default) that read it; a deep listen backlog
 * lets clients beyond W·T wait for a thread instead of being refused. Both in the main
 * interpreter (%{GLOBAL}), where C extensions behave as under any other server.
 */
async function wsgiDirectives(spec: DeploymentSpec, ctx: LaunchContext, home: string | undefined): Promise<{ directives: string[]; own?: string }> {
  const script = apacheString(SCRIPT);
  const common = ['WSGIApplicationGroup %{GLOBAL}', `<Directory ${apacheString(pythonServersDir)}>`, '    Require all granted', '</Directory>'];
  if (spec.wsgiMode !== 'daemon') {
    return { directives: [...(home ? [`WSGIPythonHome ${apacheString(home)}`] : []), `WSGIScriptAlias / ${script}`, ...common] };
  }
  const sockets = socketFolder(ctx, await apacheUser());
  const daemon = [
    'WSGIDaemonProcess bench',
    `processes=${spec.workers}`,
    `threads=${spec.threads ?? 1}`,
    'listen-backlog=4096',
    'display-name=%{GROUP}',
    ...(home ? [`python-home=${apacheString(home)}`] : []),
  ].join(' ');
  return {
    // WSGIRestrictEmbedded: no Python in Apache's own children, which only hand requests on
    // (without it each one starts an interpreter: 1 GB of PSS for prefork's 256, measured here).
    directives: [`WSGISocketPrefix ${apacheString(join(sockets.dir, 'wsgi'))}`, 'WSGIRestrictEmbedded On', daemon, 'WSGIProcessGroup bench', `WSGIScriptAlias / ${script} process-group=bench`, ...common],
    ...(sockets.own && { own: sockets.own }),
  };
}

/**
 * `mode:` and `mpm:`. mod_wsgi's embedded mode runs the app in Apache's own processes, one request
 * each, which is prefork's shape; its daemon mode takes threads:, and event in front by default.
 */
function wsgiModes(entry: DeploymentEntryObject, { where }: KindCheckContext): Pick<DeploymentSpec, 'mpm' | 'wsgiMode'> {
  const mode = entry.mode ?? 'embedded';
  if (mode === 'embedded' && entry.threads !== undefined) {
    throw new UsageError(`${where}: threads: mod_wsgi's embedded mode serves one request per Apache prefork process; use mode: daemon for threads`);
  }
  if (mode === 'embedded' && entry.mpm === 'event') {
    throw new UsageError(`${where}: mpm: event: mod_wsgi's embedded mode here runs the app in prefork processes, one request each; use mode: daemon for event in front`);
  }
  return { mpm: entry.mpm ?? (mode === 'embedded' ? 'prefork' : 'event'), wsgiMode: mode };
}

export const apacheModWsgi: ServerKind = {
  name: 'apache-mod-wsgi',
  summary: "Apache's mod_wsgi: the app inside the web server (embedded: W prefork processes; mode: daemon: W processes × T threads)",
  // W·T slots either way (T is 1 in embedded mode): each process or thread serves one request.
  model: 'prefork',
  // Embedded mode reads each request in the app's own process (model.ts exempts daemon mode).
  slowClients: 'held',
  pool: { workers: 4, threads: 4 },
  requires: [flask, apache2, modWsgi],
  demoOnly: [flask],
  upstream: 'http',
  front: { itself: 'apache' },
  hosts: ['demo', 'wsgi'],
  validate: wsgiModes,
  plan: async (spec, ctx): Promise<KindPlan> => {
    const app = wsgiTarget(spec);
    const home = await embeddedPythonHome(app, "mod_wsgi runs the Python it was built for, Debian's");
    const wsgi = await wsgiDirectives(spec, ctx, home);
    const daemon = spec.wsgiMode === 'daemon';
    const apache = await apacheServerPlan({
      host: ctx.host,
      port: ctx.port,
      tmpDir: ctx.tmpDir,
      mpm: spec.mpm ?? (daemon ? 'event' : 'prefork'),
      // Embedded: exactly W processes, and no keep-alive, with which each process would serve
      // one client's connection while the others' waited for it to close, not for a request.
      processes: daemon ? { sized: 'for-load' } : { sized: 'exactly', processes: spec.workers },
      keepAlive: daemon,
      modules: ['wsgi'],
      directives: wsgi.directives,
    });
    return {
      ...apache,
      apacheConfig: apache.config,
      env: { ...process.env, BENCH_WSGI_DIR: app.dir, BENCH_WSGI_APP: app.target, PYTHONUNBUFFERED: '1' },
      ...(wsgi.own && { ownFolders: [wsgi.own] }),
    };
  },
};
