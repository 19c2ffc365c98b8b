import { describe, expect, it } from 'vitest';
import { buildPlan } from '../harness/plan/build-plan.js';
import { parseScenario } from '../harness/scenario/load.js';
import { UsageError } from '../harness/cli/errors.js';
import { npmCommand } from '../harness/commands/install-servers.js';
import { foreverArgs, foreverKind } from '../harness/deployments/forever.js';
import type { DeploymentSpec, KindCheckContext } from '../harness/deployments/kind.js';
import { pm2App, pm2Cluster, pm2Fork } from '../harness/deployments/pm2.js';
import { restartsSaid } from '../harness/managers/forever.js';
import { accountOf, parseJlist } from '../harness/managers/pm2.js';
import { forever, installCommand, nodeToolsDir, pm2, pythonModule } from '../harness/software/catalog.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Two instances as pm2 7.0.4's jlist prints them, cut to a few fields; pm2_env also carries the app's whole environment.
const JLIST = JSON.stringify([
  { pid: 16105, name: 'bench-app', pm_id: 0, pm2_env: { status: 'online', restart_time: 2, exec_mode: 'cluster_mode', env: { SECRET: 'hunter2' } } },
  { pid: 0, name: 'bench-app', pm_id: 1, pm2_env: { status: 'stopped', restart_time: 0, exec_mode: 'cluster_mode' } },
]);

const spec = (over: Partial<DeploymentSpec> = {}): DeploymentSpec => ({ kind: 'pm2-cluster', workers: 2, proxy: 'none', ...over });
const ctx: KindCheckContext = { where: 'deployments[0]', proxy: 'none', app: undefined, allowRemote: false };

describe('pm2 jlist, as bench reads it', () => {
  it('keeps each instance’s pid, status and restarts, and a stopped instance has no pid', () => {
    expect(parseJlist(JLIST)).toEqual([
      { pmId: 0, name: 'bench-app', pid: 16105, status: 'online', restarts: 2 },
      { pmId: 1, name: 'bench-app', pid: undefined, status: 'stopped', restarts: 0 },
    ]);
  });

  it('reads the list after a notice pm2 prints before it', () => {
    expect(parseJlist(`>>>> In-memory PM2 is out-of-date, do:\n${JLIST}`)).toHaveLength(2);
  });

  it('gives the first instance’s pid and never the environment pm2 lists', () => {
    const account = accountOf(parseJlist(JLIST));
    expect(account.pid).toBe(16105);
    expect(account.state).toBe('online,stopped');
    expect(account.restarts).toBe(2);
    expect(account.said).not.toContain('hunter2');
  });

  it('fails on output that is no list, quoting it', () => {
    expect(() => parseJlist('[PM2] Spawning PM2 daemon')).toThrow(/no list/);
  });
});

describe('the process file bench writes for pm2', () => {
  it('runs the demo server in cluster mode with W instances, the address in its arguments', () => {
    const app = pm2App(spec({ args: ['--max-old-space-size=256'] }), '127.0.0.1', 4000, 'cluster');
    expect(app).toMatchObject({ name: 'bench-app', exec_mode: 'cluster', instances: 2, autorestart: true, node_args: ['--max-old-space-size=256'] });
    expect(app.script).toMatch(/servers\/node\/server\.js$/);
    expect(app.args).toEqual(['--host', '127.0.0.1', '--port', '4000', '--mode', 'async']);
  });

  it('runs a user’s program in fork mode, one instance, told where to listen by HOST and PORT', () => {
    const app = pm2App(spec({ kind: 'pm2', app: { kind: 'node', node: '/srv/app.js', dir: '/srv', health: '/' } as DeploymentSpec['app'] }), '127.0.0.1', 4001, 'fork');
    expect(app).toMatchObject({ script: '/srv/app.js', exec_mode: 'fork', instances: 1, args: [], env: { HOST: '127.0.0.1', PORT: '4001' } });
  });
});

describe('forever’s command line', () => {
  it('runs in the foreground (no start) with its root in the private folder, node’s flags through -c', () => {
    const args = foreverArgs(spec({ kind: 'forever', args: ['--no-warnings'] }), '127.0.0.1', 4002, '/tmp/run/forever-4002');
    expect(args.slice(0, 2)).toEqual(['-p', '/tmp/run/forever-4002']);
    expect(args).not.toContain('start');
    expect(args[args.indexOf('-c') + 1]).toBe(`${process.execPath} --no-warnings`);
    expect(args.slice(-6)).toEqual(['--host', '127.0.0.1', '--port', '4002', '--mode', 'async']);
  });

  it('counts the restarts forever announced', () => {
    expect(restartsSaid('error: Forever detected script was killed by signal: SIGKILL\nerror: Script restart attempt #1\n… Script restart attempt #2\n')).toBe(2);
    expect(restartsSaid('nothing yet')).toBe(0);
  });
});

describe('deploys a Node manager cannot carry out are refused before anything starts', () => {
  const plan = (deploy: string, deployments: string, where: 'scenario' | 'deployment' = 'deployment') => () =>
    buildPlan(
      parseScenario(
        `path: /io?ms=50\nduration: 2\nconcurrency: [4]\n${where === 'scenario' ? `fault: { deploy: ${deploy} }\n` : ''}deployments:\n` +
          `  - kind: ${deployments}\n${where === 'deployment' ? `    fault: { deploy: ${deploy} }\n` : ''}`,
        'deploys.yaml',
      ),
      {},
    );

  it('refuses a reload in pm2’s fork mode, naming pm2-cluster, whether the deployment or the scenario asks for it', () => {
    expect(plan('reload', 'pm2')).toThrow(UsageError);
    expect(plan('reload', 'pm2')).toThrow(/^pm2: fault: \{ deploy: reload \}: pm2 reloads without downtime in cluster mode only \(kind pm2-cluster\).*; use deploy: restart$/);
    expect(plan('reload', 'pm2', 'scenario')).toThrow(/^pm2: fault: \{ deploy: reload \}: pm2 reloads without downtime in cluster mode only/);
    expect(plan('restart', 'pm2')).not.toThrow();
  });

  it('takes a reload in cluster mode and refuses an update', () => {
    expect(plan('reload', 'pm2-cluster')).not.toThrow();
    expect(plan('update', 'pm2-cluster', 'scenario')).toThrow(/no update of a changed process file.*; use deploy: restart or deploy: reload$/);
  });

  it('lets forever restart only', () => {
    expect(plan('reload', 'forever')).toThrow(/forever only restarts/);
    expect(plan('restart', 'forever')).not.toThrow();
  });
});

describe('pm2 and forever, installed in bench’s own folder', () => {
  it('live in $BENCH_NODE_TOOLS, else under the user’s data folder', () => {
    expect(nodeToolsDir({ BENCH_NODE_TOOLS: '/opt/tools', HOME: '/home/u' })).toBe('/opt/tools');
    expect(nodeToolsDir({ XDG_DATA_HOME: '/data', HOME: '/home/u' })).toBe('/data/bench/node-tools');
    expect(nodeToolsDir({ HOME: '/home/u' })).toBe('/home/u/.local/share/bench/node-tools');
  });

  it('are installed pinned with npm --prefix, skipping what is there at the pinned version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-node-tools-'));
    expect(npmCommand('/usr/bin/npm', dir)).toEqual(['/usr/bin/npm', 'install', '--prefix', dir, '--no-audit', '--no-fund', '--omit=dev', 'pm2@7.0.4', 'forever@4.0.3']);
    for (const [name, version] of [['pm2', '7.0.4'], ['forever', '4.0.2']]) {
      mkdirSync(join(dir, 'node_modules', name!), { recursive: true });
      writeFileSync(join(dir, 'node_modules', name!, 'package.json'), JSON.stringify({ name, version }));
    }
    expect(npmCommand('/usr/bin/npm', dir)?.slice(-1)).toEqual(['forever@4.0.3']);
  });

  it('are missing with the npm step of install-servers as the install command, beside apt’s', () => {
    expect(installCommand([pm2, forever])).toBe('bench install-servers --npm-only');
    expect(installCommand([pythonModule('flask', 'flask', 'python3-flask'), pm2])).toBe('sudo apt-get install python3-flask and bench install-servers --npm-only');
  });
});

describe('the ecosystem.config.js bench export writes for a pm2 row', () => {
  it('is the measured process file, listening where it is told, with the deployment’s env:', async () => {
    const { pm2Ecosystem } = await import('../harness/export/pm2-ecosystem.js');
    const measured = JSON.stringify({ apps: [pm2App(spec(), '127.0.0.1', 41234, 'cluster')] });
    const row = { deployment: 'pm2-cluster ×2', server: 'pm2-cluster', manager: 'pm2', managerConfig: { name: 'ecosystem.json', text: measured }, serverEnv: { LOG_LEVEL: 'warn' }, throughputRps: 40, path: '/hello', durationS: 2, concurrency: 4, p99Ms: 10 };
    const run = { scenario: 's', startedAt: 'now', environment: { benchVersion: 't', cpus: 2, cpuModel: 'cpu', totalMemoryMb: 1, os: 'linux' }, results: [row] };
    const text = pm2Ecosystem({ run, row, file: 'results.json' } as never);
    expect(text).toMatch(/^\/\/ pm2 process file, exported by bench t/);
    const apps = (new Function('module', `${text}; return module.exports;`)({}) as { apps: Record<string, unknown>[] }).apps;
    expect(apps[0]).toMatchObject({ name: 'bench-app', exec_mode: 'cluster', instances: 2, autorestart: true, kill_timeout: 1600, env: { LOG_LEVEL: 'warn' } });
    expect(apps[0]!.args).toEqual(['--host', '127.0.0.1', '--port', '8000', '--mode', 'async']);
  });
});
