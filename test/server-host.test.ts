import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/process/ports.js';
import { livingProcesses } from '../harness/process/procfs.js';
import type { RunResults } from '../harness/results.js';

const SSHD = '/usr/sbin/sshd';
const bench = resolve('bin/bench.js');
const serversDir = resolve('dist/servers');

/** Like describeWith (test/support/software.ts): skipped with the install command where sshd is missing, a failure under CI=true. */
function describeWithSshd(): typeof describe {
  if (existsSync(SSHD)) return describe;
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
function sshHost(alias: string, address: string, port: number): string[] {
  return [
    `Host ${alias}`,
    `  HostName ${address}`,
    `  Port ${port}`,
    `  User ${userInfo().username}`,
    `  IdentityFile ${join(work, 'user_key')}`,
    '  StrictHostKeyChecking no',
    '  UserKnownHostsFile /dev/null',
    '  LogLevel ERROR',
  ];
}

async function startSshd(): Promise<void> {
  const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  keygen(join(work, 'host_key'));
  keygen(join(work, 'user_key'));
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
    ].join('\n') + '\n',
  );
  sshConfig = join(work, 'ssh_config');
  writeFileSync(
    sshConfig,
    [
      ...sshHost('benchbox', '127.0.0.1', port),
      // The same machine at its LAN address: where ssh arrives, the deployments listen.
      ...sshHost('benchbox-lan', lanAddress ?? '127.0.0.1', port),
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

  it('can be checked beforehand: bench doctor --server-host prints the far machine\'s bench and kinds', () => {
    const r = spawnSync(process.execPath, [bench, 'doctor', ...remoteFlags()], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^On benchbox \(over ssh\):\nDeployment kinds on this machine \(bench \d+\.\d+\.\d+, node v20/);
    expect(r.stdout).toMatch(/node-prefork +ok +node v20/);
  });

  it('fail to start, naming the flag to fix, when ssh cannot log in', () => {
    const r = spawnSync(process.execPath, [bench, 'run', 'blocking-vs-workers', ...runFlags, '--server-host', 'nobody@benchbox', '--ssh-config', sshConfig, '--out', join(work, 'refused')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FAILED to start: .*--server-host nobody@benchbox: check that "ssh -F .* -o BatchMode=yes nobody@benchbox true" works/s);
  });
});

describeWithSshd()('--server-host', () => {
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

  it('is refused for a fault scenario, whose fault kills a worker here', () => {
    const r = spawnSync(process.execPath, [bench, 'run', 'worker-crash', '--server-host', 'benchbox', '--out', join(work, 'fault')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--server-host: the scenario's fault: kills a worker on this machine/);
  });
});

describe('bench agent', () => {
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
    const ready = JSON.parse(lines[0]!) as { type: string; baseUrl: string; pids: number[] };
    expect(ready.type).toBe('ready');
    expect(ready.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${ready.baseUrl}/hello`)).status).toBe(200);
    agent.stdin!.write('{"cmd":"status"}\n');
    while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(lines[1]!)).toEqual({ type: 'status', exited: null });
    agent.stdin!.end();
    expect(await exited).toBe(0);
    for (const pid of ready.pids) expect(existsSync(`/proc/${pid}`), `pid ${pid}`).toBe(false);
  });
});
