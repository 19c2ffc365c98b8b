import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/process/ports.js';
import { livingProcesses } from '../harness/process/procfs.js';
import type { RunResults } from '../harness/results/types.js';
import { isExecutable } from '../harness/files/file-kind.js';
import { describeWith, sshClient } from './support/software.js';

const SSHD = '/usr/sbin/sshd';
const bench = resolve('bin/bench.js');
const serversDir = resolve('dist/servers');

/** Like describeWith (test/support/software.ts): skipped with the install command where sshd is missing, a failure under CI=true. */
function describeWithSshd(): typeof describe {
  if (isExecutable(SSHD)) return describe;
  const message = `sshd (${SSHD}) missing; install with: sudo apt-get install openssh-server`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`);
  console.warn(`skipping: ${message}`);
  return describe.skip;
}

const work = mkdtempSync(join(tmpdir(), 'bench-ssh-'));
/** This machine's address beyond loopback, where there is one: sshd listens there too, as a server machine on a LAN would. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i?.family === 'IPv4' && !i.internal)?.address;
let sshd: ChildProcess | undefined;
let sshConfig = '';

/** A real sshd on a free loopback port, with keys of its own, which lets root in with a generated key only. */
/** One Host entry of the test's ssh config: this machine, logged into with the generated key. */
function sshHost(alias: string, address: string, port: number, key = 'user_key'): string[] {
  return [
    `Host ${alias}`,
    `  HostName ${address}`,
    `  Port ${port}`,
    `  User ${userInfo().username}`,
    `  IdentityFile ${join(work, key)}`,
    '  IdentitiesOnly yes',
    '  StrictHostKeyChecking no',
    '  UserKnownHostsFile /dev/null',
    '  LogLevel ERROR',
  ];
}

async function startSshd(): Promise<void> {
  const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  keygen(join(work, 'host_key'));
  keygen(join(work, 'user_key'));
  keygen(join(work, 'stranger_key'));
  writeFileSync(join(work, 'authorized_keys'), readFileSync(join(work, 'user_key.pub')));
  const port = await freePort();
  writeFileSync(
    join(work, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      ...(lanAddress ? [`ListenAddress ${lanAddress}`] : []),
      `Port ${port}`,
      `HostKey ${join(work, 'host_key')}`,
      `AuthorizedKeysFile ${join(work, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      `PidFile ${join(work, 'sshd.pid')}`,
      // A server machine that cannot reach npm's registry (a closed port here): npx must not wait on it.
      'SetEnv npm_config_registry=http://127.0.0.1:9/',
    ].join('\n') + '\n',
  );
  sshConfig = join(work, 'ssh_config');
  writeFileSync(
    sshConfig,
    [
      ...sshHost('benchbox', '127.0.0.1', port),
      // The same machine at its LAN address: where ssh arrives, the deployments listen.
      ...sshHost('benchbox-lan', lanAddress ?? '127.0.0.1', port),
      // A key the server machine does not know.
      ...sshHost('benchbox-stranger', '127.0.0.1', port, 'stranger_key'),
    ].join('\n') + '\n',
  );
  // sshd run by root separates privileges into this empty folder (the system service would make it).
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true });
  sshd = spawn(SSHD, ['-D', '-e', '-f', join(work, 'sshd_config')], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  sshd.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (spawnSync('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', 'benchbox', 'true']).status !== 0) {
    if (Date.now() > deadline) throw new Error(`sshd did not let the test in: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every process running bench's compiled servers (dist/servers of this checkout): the far side's, since sshd is on this machine. */
function serverProcesses(): number[] {
  return livingProcesses()
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(serversDir);
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

/** The agents `bench agent` of this checkout runs on the far side. */
function agentProcesses(): number[] {
  return livingProcesses()
    .filter((p) => {
      try {
        const words = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
        return words.includes(bench) && words.includes('agent');
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

function program(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!;
  } catch {
    return '';
  }
}

async function gone(deadlineMs: number): Promise<number[]> {
  const deadline = Date.now() + deadlineMs;
  let left = serverProcesses();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = serverProcesses();
  }
  return left;
}

function readResults(dir: string): RunResults | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as RunResults;
  } catch {
    return undefined;
  }
}

const remoteFlags = () => ['--server-host', 'benchbox', '--ssh-config', sshConfig, '--server-bench', `node ${bench}`];
const runFlags = ['--deployments', 'node-prefork', '--workers', '2', '--path', '/io?ms=50', '--concurrency', '4', '--duration', '2', '--warmup', '0.5'];

/** A run through the far side with four levels, started in the background; resolves once its first row is written. */
async function remoteRunUnderway(out: string) {
  const child = spawn(process.execPath, [bench, 'run', 'blocking-vs-workers', ...runFlags, '--concurrency', '1,2,4,8', ...remoteFlags(), '--out', out], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (readResults(out)?.results.length ?? 0) < 1) await new Promise((r) => setTimeout(r, 50));
  return { child, exited, stderr: () => stderr };
}

describeWithSshd()('deployments on another machine over ssh (--server-host)', () => {
  beforeAll(startSshd);
  afterAll(() => {
    if (sshd?.pid) process.kill(-sshd.pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('measure the same throughput as a local run, and the results record both machines', () => {
    const local = spawnSync(process.execPath, [bench, 'run', 'blocking-vs-workers', ...runFlags, '--out', join(work, 'local')], { encoding: 'utf8' });
    expect(local.status, local.stderr).toBe(0);
    const far = spawnSync(process.execPath, [bench, 'run', 'blocking-vs-workers', ...runFlags, ...remoteFlags(), '--out', join(work, 'far')], { encoding: 'utf8' });
    expect(far.status, far.stderr).toBe(0);
    const [localRow] = readResults(join(work, 'local'))!.results;
    const run = readResults(join(work, 'far'))!;
    const [farRow] = run.results;
    console.log(`node-prefork ×2 /io?ms=50 c=4: local ${localRow!.throughputRps} req/s, over ssh ${farRow!.throughputRps} req/s`);
    expect(Math.abs(farRow!.throughputRps - localRow!.throughputRps) / localRow!.throughputRps).toBeLessThan(0.1);
    // The far pool's processes were sampled there: the master and its two workers.
    expect(farRow!.resources.processes).toBe(3);
    expect(farRow!.serverArgs?.join(' ')).toContain(join(serversDir, 'node', 'server.js'));
    expect(run.environment.node).toBe(process.version);
    expect(run.serverMachine).toEqual(expect.objectContaining({ node: process.version, benchVersion: run.environment.benchVersion }));
    expect(run.settings.serverHost).toBe('benchbox');
    // Nothing pinned on either machine; the model's cores are the far machine's, as its agent said.
    expect(run.settings.placement).toEqual({ mode: 'separate', serverCpus: null, generatorCpus: null, serverCores: run.serverMachine!.cpus });
    expect(readFileSync(join(work, 'far', 'report.md'), 'utf8')).toMatch(/on cores of its own \(the server on benchbox\)/);
    expect(readResults(join(work, 'local'))!.serverMachine).toBeUndefined();
    expect(readFileSync(join(work, 'far', 'report.md'), 'utf8')).toMatch(/\*\*server machine\*\*: benchbox over ssh: \d+ × /);
    expect(serverProcesses()).toEqual([]);
  });

  it.skipIf(!lanAddress)('listen on the address ssh arrived at, nginx in front included, and take load there without --allow-remote', () => {
    const out = join(work, 'lan');
    const flags = ['--server-host', 'benchbox-lan', '--ssh-config', sshConfig, '--server-bench', `node ${bench}`];
    const r = spawnSync(process.execPath, [bench, 'run', 'blocking-vs-workers', ...runFlags, '--deployments', 'node-prefork+nginx', ...flags, '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [row] = readResults(out)!.results;
    expect(row!.throughputRps).toBeGreaterThan(30);
    expect(row!.serverArgs).toEqual(expect.arrayContaining(['--host', lanAddress]));
    expect(row!.nginxConfig).toContain(`listen ${lanAddress}:`);
  });

  it('leave no server process on the far side when the ssh connection dies mid-run', async () => {
    const out = join(work, 'dropped');
    const { child, exited } = await remoteRunUnderway(out);
    // The ssh client is bench's child; kill it once the far pool is up and measured once.
    const ssh = livingProcesses().find((p) => p.ppid === child.pid && /^(.*\/)?ssh$/.test(program(p.pid)))?.pid;
    expect(ssh, 'the ssh client bench started').toBeDefined();
    expect(serverProcesses().length).toBe(3);
    process.kill(ssh!, 'SIGKILL');
    expect(await gone(5000), 'far server processes left').toEqual([]);
    expect(await exited).toBe(1);
    const run = readResults(out)!;
    expect(run.failures).toEqual([expect.objectContaining({ deployment: 'node-prefork ×2', reason: expect.stringMatching(/ssh.*killed by SIGKILL/) })]);
  });

  it('leave nothing on the far side within 15 s when bench stops talking without closing the connection (a cut link)', async () => {
    const out = join(work, 'silent');
    const { child, exited } = await remoteRunUnderway(out);
    const ssh = livingProcesses().find((p) => p.ppid === child.pid && /^(.*\/)?ssh$/.test(program(p.pid)))?.pid;
    expect(ssh, 'the ssh client bench started').toBeDefined();
    expect(agentProcesses().length).toBe(1);
    // A stopped client sends nothing, FIN included, and its TCP connection stays up: as a cut link, to the far side.
    process.kill(ssh!, 'SIGSTOP');
    const stoppedAt = Date.now();
    try {
      const deadline = stoppedAt + 15_000;
      while ((serverProcesses().length > 0 || agentProcesses().length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const goneAfterS = (Date.now() - stoppedAt) / 1000;
      console.log(`far side gone ${goneAfterS.toFixed(1)} s after bench's ssh client stopped`);
      expect(serverProcesses(), 'far server processes left').toEqual([]);
      expect(agentProcesses(), 'far agent left').toEqual([]);
      // Not at once: the agent waited for the heartbeats it missed.
      expect(goneAfterS).toBeGreaterThan(5);
    } finally {
      process.kill(ssh!, 'SIGKILL');
      process.kill(ssh!, 'SIGCONT');
    }
    expect(await exited).toBe(1);
  });

  it('fail as the far side says when a far server dies mid-run', async () => {
    const out = join(work, 'far-death');
    const { exited } = await remoteRunUnderway(out);
    const pool = serverProcesses();
    // The pool's master: the one server process whose parent is not one of them.
    const master = livingProcesses().find((p) => pool.includes(p.pid) && !pool.includes(p.ppid));
    expect(master, 'the far pool master').toBeDefined();
    process.kill(master!.pid, 'SIGKILL');
    expect(await exited).toBe(1);
    const run = readResults(out)!;
    expect(run.failures).toEqual([expect.objectContaining({ deployment: 'node-prefork ×2', reason: expect.stringMatching(/^on benchbox: node-prefork ×2 was killed by SIGKILL/) })]);
    expect(await gone(5000), 'far server processes left').toEqual([]);
  });

  it('leave no server process on the far side after Ctrl-C of the local bench', async () => {
    const out = join(work, 'interrupted');
    const { child, exited, stderr } = await remoteRunUnderway(out);
    expect(serverProcesses().length, stderr()).toBe(3);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await gone(5000), 'far server processes left').toEqual([]);
  });

  it('can be checked beforehand: bench doctor --server-host prints the far machine\'s bench and kinds, saying each step as it starts', () => {
    const r = spawnSync(process.execPath, [bench, 'doctor', ...remoteFlags()], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^connecting to benchbox over ssh and starting "node .*bench\.js" there…\nbench \d+\.\d+\.\d+ \(node v20[^)]*\) runs there; asking it for each kind's software…\n$/);
    expect(r.stdout).toMatch(/^On benchbox \(over ssh\):\nDeployment kinds on this machine \(bench \d+\.\d+\.\d+, node v20/);
    expect(r.stdout).toMatch(/node-prefork +ok +node v20/);
  });

  it('fail to start, naming the flag to fix, when ssh cannot log in', () => {
    const r = spawnSync(process.execPath, [bench, 'run', 'blocking-vs-workers', ...runFlags, '--server-host', 'nobody@benchbox', '--ssh-config', sshConfig, '--out', join(work, 'refused')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    // sshd refuses nobody's key, or nobody's login shell refuses the session: either way bench there never ran.
    expect(r.stderr).toMatch(/FAILED to start: .*--server-host nobody@benchbox: .*ssh -F .* -o BatchMode=yes nobody@benchbox true/s);
  });

  /** bench's command with the run's flags, timed: the far side's trouble must be named within 10 s. */
  const timedRun = (name: string, flags: string[], deployments = 'node-prefork') => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [bench, 'run', 'blocking-vs-workers', ...runFlags, '--deployments', deployments, ...flags, '--out', join(work, name)], { encoding: 'utf8' });
    return { ...r, seconds: (Date.now() - started) / 1000 };
  };

  it('name a refused ssh key within 10 s, with the command that installs it', () => {
    const r = timedRun('stranger', ['--server-host', 'benchbox-stranger', '--ssh-config', sshConfig, '--server-bench', `node ${bench}`]);
    expect(r.status).toBe(1);
    expect(r.seconds).toBeLessThan(10);
    expect(r.stderr).toMatch(/--server-host benchbox-stranger: ssh was refused \(.*Permission denied.*\); install your key there with: ssh-copy-id -F \S+ssh_config benchbox-stranger/);
  });

  it('name a missing bench within 10 s, with the command that installs it, under the default npx and under an npx that would wait on the registry', () => {
    const missing = timedRun('no-bench', ['--server-host', 'benchbox', '--ssh-config', sshConfig]);
    expect(missing.status).toBe(1);
    expect(missing.seconds).toBeLessThan(10);
    expect(missing.stderr).toMatch(/--server-host benchbox: "npx --no --offline bench" found no bench there \(.*\); install it there with: npm install -g concurrency-bench/);
    // Without --offline, npx asks the registry first, and retries for a minute where it cannot reach it.
    const waiting = timedRun('npx-waits', ['--server-host', 'benchbox', '--ssh-config', sshConfig, '--server-bench', 'npx --no bench']);
    expect(waiting.status).toBe(1);
    expect(waiting.seconds).toBeLessThan(10);
    expect(waiting.stderr).toMatch(/--server-host benchbox: "npx --no bench" gave no sign of bench within 7 s .*install it there with: npm install -g concurrency-bench/);
    // (That npx waits out its retries there after the session ends: why the default has --offline.)
    const doctor = spawnSync(process.execPath, [bench, 'doctor', '--server-host', 'benchbox', '--ssh-config', sshConfig], { encoding: 'utf8' });
    expect(doctor.status).toBe(2);
    expect(doctor.stderr).toMatch(/found no bench there/);
  });

  it('name a Python kind missing there within 10 s, with the command that installs it', () => {
    // A virtualenv without the system's packages: gunicorn is not in it, on the server machine.
    const venv = join(work, 'venv');
    execFileSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', venv]);
    const app = ['--app', 'fixture_app:application', '--app-dir', resolve('test/fixtures/wsgi-app'), '--python', join(venv, 'bin', 'python3'), '--path', '/'];
    const r = timedRun('no-gunicorn', [...app, ...remoteFlags()], 'gunicorn-sync');
    expect(r.status).toBe(1);
    expect(r.seconds).toBeLessThan(10);
    expect(r.stderr).toMatch(/did not start on benchbox: gunicorn not installed there; install with: \S+venv\/bin\/python3 -m pip install gunicorn/);
  });
});

// Refused before any connection: these need the ssh client bench checks for, not a server to reach.
(await describeWith([sshClient]))('--server-host', () => {
  it('is refused with --placement, which means one machine', () => {
    const r = spawnSync(process.execPath, [bench, 'run', 'blocking-vs-workers', '--server-host', 'benchbox', '--placement', 'shared', '--out', join(work, 'placement')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--placement: with --server-host the servers and the generator are on separate machines already; drop --placement/);
  });

  it('is needed by --ssh-config and --server-bench, and --ssh-config must name a file', () => {
    const alone = spawnSync(process.execPath, [bench, 'run', 'blocking-vs-workers', '--ssh-config', sshConfig || 'ssh_config', '--out', join(work, 'alone')], { encoding: 'utf8' });
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/--ssh-config: only with --server-host USER@HOST/);
    const missing = spawnSync(process.execPath, [bench, 'run', 'blocking-vs-workers', '--server-host', 'benchbox', '--ssh-config', join(work, 'nowhere'), '--out', join(work, 'nowhere-out')], {
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--ssh-config: .*nowhere does not exist/);
  });

  it('is refused for a fault scenario, whose fault signals a server here', () => {
    const r = spawnSync(process.execPath, [bench, 'run', 'worker-crash', '--server-host', 'benchbox', '--out', join(work, 'fault')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--server-host: node-prefork ×4's fault: signals its server on this machine; run fault scenarios without --server-host/);
  });
});

describe('bench agent', () => {
  it('stops its deployment and exits when bench falls silent for the silence it was given, with its stdin still open', async () => {
    const agent = spawn(process.execPath, [bench, 'agent'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    agent.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    agent.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => agent.on('exit', (code) => done(code)));
    const request = { spec: { kind: 'node-prefork', workers: 2, proxy: 'none' }, kind: 'node-prefork', label: 'node-prefork ×2', readyTimeoutMs: 20_000, silenceMs: 3000 };
    agent.stdin!.write(JSON.stringify(request) + '\n');
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('"ready"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const ready = JSON.parse(stdout.split('\n')[1]!) as { pids: number[] };
    // Heartbeats keep it: 4 s of them, each within the 3 s it allows.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      agent.stdin!.write('{"cmd":"heartbeat"}\n');
    }
    for (const pid of ready.pids) expect(existsSync(`/proc/${pid}`), `pid ${pid} while heartbeats arrive`).toBe(true);
    const silentFrom = Date.now();
    expect(await exited).toBe(0);
    const silentS = (Date.now() - silentFrom) / 1000;
    expect(silentS).toBeGreaterThan(2.5);
    expect(silentS).toBeLessThan(8);
    expect(stderr).toContain('bench agent: nothing from bench for 3 s (the link or bench is gone): stopping node-prefork ×2');
    for (const pid of ready.pids) expect(existsSync(`/proc/${pid}`), `pid ${pid}`).toBe(false);
    // Heartbeats are not answered: hello and ready were all it said.
    expect(stdout.trim().split('\n').map((line) => (JSON.parse(line) as { type: string }).type)).toEqual(['hello', 'ready']);
    agent.stdin!.destroy();
  });

  it('starts the deployment it is sent, answers with its pids, and stops it when its stdin ends', async () => {
    const agent = spawn(process.execPath, [bench, 'agent'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buffer = '';
    agent.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      lines.push(...parts);
    });
    const exited = new Promise<number | null>((done) => agent.on('exit', (code) => done(code)));
    agent.stdin!.write(JSON.stringify({ spec: { kind: 'node-prefork', workers: 2, proxy: 'none' }, kind: 'node-prefork', label: 'node-prefork ×2', readyTimeoutMs: 20_000 }) + '\n');
    const deadline = Date.now() + 20_000;
    while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Its first word comes before it reads anything: which bench answers.
    expect(JSON.parse(lines[0]!)).toEqual({ type: 'hello', benchVersion: expect.stringMatching(/^\d+\.\d+\.\d+/), node: process.version });
    while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const ready = JSON.parse(lines[1]!) as { type: string; baseUrl: string; pids: number[] };
    expect(ready.type).toBe('ready');
    expect(ready.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${ready.baseUrl}/hello`)).status).toBe(200);
    agent.stdin!.write('{"cmd":"status"}\n');
    while (lines.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(lines[2]!)).toEqual({ type: 'status', exited: null });
    agent.stdin!.end();
    expect(await exited).toBe(0);
    for (const pid of ready.pids) expect(existsSync(`/proc/${pid}`), `pid ${pid}`).toBe(false);
  });
});
