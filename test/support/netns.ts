import { execFileSync, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

/**
 * Separate hosts on one machine, for tests of bench across machines: each host a network namespace
 * with an address of its own, all joined by a bridge that has no address in the root namespace, so
 * their traffic reaches nothing but each other. Every host runs an sshd of its own (root, the test's
 * key), has its own TMPDIR (sshd sessions too), and its processes are those `ip netns pids` lists.
 */

const SSHD = '/usr/sbin/sshd';
/** Documentation ranges (RFC 5737); TEST-NET-1 is this kind of machine's own LAN (REFERENCE.md). */
const RANGES = ['198.51.100', '203.0.113'];

/** Why namespaces cannot be made here, or undefined where they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the tests as root, as CI does)';
  if (spawnSync('ip', ['-V']).status !== 0) return '`ip` missing; install with: sudo apt-get install iproute2';
  if (!existsSync(SSHD)) return `sshd (${SSHD}) missing; install with: sudo apt-get install openssh-server`;
  return undefined;
}

/** describe() for tests on namespace hosts: skipped with the reason where they cannot be made, a failure under CI=true. */
export function describeWithHosts(): typeof describe {
  const reason = netnsUnavailable();
  if (!reason) return describe;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`skipping: ${reason}`);
  return describe.skip;
}

export interface TestHost {
  /** The name it has in the test's ssh config, and the name it was asked for. */
  name: string;
  /** Its network namespace (`ip netns exec NS …`). */
  netns: string;
  address: string;
  /** Its own TMPDIR, given to the processes the test starts there and to its ssh sessions. */
  tmp: string;
  /** A program started on this host, with TMPDIR its own. */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Pids of every process on this host except its sshd listener. */
  processes(): number[];
  /** SIGKILL to every process on this host but its sshd listener, and its link back up: what one test left does not spoil the next. */
  reset(): void;
  /** Cut its link without a FIN or RST to anyone: its packets go nowhere until restore(). */
  cut(): void;
  restore(): void;
}

export interface TestHosts {
  hosts: Record<string, TestHost>;
  /** An ssh config (ssh -F) with a Host entry per host, logged into as root with the test's key. */
  sshConfig: string;
  /**
   * A second link between two hosts, point to point, that delays each packet by `delayMs` each
   * way (a round trip of twice that). Returns `to`'s address on it, and the ssh config's name for
   * `to` reached over it: ssh, and so the deployments bench starts there, arrive by this link.
   */
  delayedLink(from: TestHost, to: TestHost, delayMs: number): Promise<{ address: string; alias: string }>;
  /** Kills everything on every host and removes the hosts, the bridge and their folders. */
  teardown(): void;
}

const DELAY_LINK = fileURLToPath(new URL('./delay_link.py', import.meta.url));

const run = (args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A /24 of the documentation ranges that none of the machine's own interfaces is in. */
function freeRange(): string {
  const own = execFileSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' });
  const range = RANGES.find((r) => !own.includes(` ${r}.`));
  if (!range) throw new Error(`both ${RANGES.map((r) => `${r}.0/24`).join(' and ')} are this machine's own (ip -4 addr): no address range left for test hosts`);
  return range;
}

/**
 * Hosts named `names`, built at once: a bridge, a veth pair and namespace per host, an sshd in
 * each. Names of interfaces and namespaces carry a random tag, so runs side by side do not collide.
 */
export async function buildHosts(names: string[]): Promise<TestHosts> {
  const tag = Math.random().toString(36).slice(2, 8);
  const range = freeRange();
  const bridge = `bb${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-hosts-'));
  const hosts: Record<string, TestHost> = {};
  const relays: ChildProcess[] = [];
  let torn = false;
  const teardown = () => {
    if (torn) return;
    torn = true;
    for (const host of Object.values(hosts)) for (const pid of netnsPids(host.netns)) kill(pid);
    for (const relay of relays) relay.kill('SIGKILL');
    for (const host of Object.values(hosts)) spawnSync('ip', ['netns', 'del', host.netns]);
    spawnSync('ip', ['link', 'del', bridge]);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', teardown);
  try {
    run(['link', 'add', bridge, 'type', 'bridge']);
    run(['link', 'set', bridge, 'up']);
    const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    keygen(join(dir, 'user_key'));
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')));
    // sshd run by root separates privileges into this empty folder (the system service would make it).
    mkdirSync('/run/sshd', { recursive: true });
    const sshConfig = join(dir, 'ssh_config');
    names.forEach((name, i) => {
      const netns = `bh${tag}${i}`;
      const veth = `bv${tag}${i}`;
      const address = `${range}.${10 + i}`;
      const home = join(dir, name);
      const tmp = join(home, 'tmp');
      mkdirSync(tmp, { recursive: true });
      run(['netns', 'add', netns]);
      run(['link', 'add', veth, 'type', 'veth', 'peer', 'name', `bp${tag}${i}`]);
      run(['link', 'set', `bp${tag}${i}`, 'netns', netns]);
      run(['link', 'set', veth, 'master', bridge, 'up']);
      run(['-n', netns, 'link', 'set', `bp${tag}${i}`, 'name', 'eth0']);
      run(['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      run(['-n', netns, 'link', 'set', 'eth0', 'up']);
      run(['-n', netns, 'link', 'set', 'lo', 'up']);
      keygen(join(home, 'host_key'));
      writeFileSync(
        join(home, 'sshd_config'),
        [
          // Every address the host has, the delayed links' included (a namespace has only its own).
          'ListenAddress 0.0.0.0',
          'Port 22',
          `HostKey ${join(home, 'host_key')}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'StrictModes no',
          'UsePAM no',
          'PermitRootLogin prohibit-password',
          `PidFile ${join(home, 'sshd.pid')}`,
          // Sessions get this host's TMPDIR, so what a far side leaves behind is seen as this host's.
          `SetEnv TMPDIR=${tmp}`,
        ].join('\n') + '\n',
      );
      // ip netns exec execs sshd: the child's pid is the listener's, whose sessions count as the host's processes.
      const sshd = spawn('ip', ['netns', 'exec', netns, SSHD, '-D', '-e', '-f', join(home, 'sshd_config')], { stdio: 'ignore' });
      const host: TestHost = {
        name,
        netns,
        address,
        tmp,
        spawn: (command, args, options = {}) =>
          spawn('ip', ['netns', 'exec', netns, command, ...args], { ...options, env: { ...(options.env ?? process.env), TMPDIR: tmp } }),
        processes: () => netnsPids(netns).filter((pid) => pid !== sshd.pid),
        reset: () => {
          for (const pid of host.processes()) kill(pid);
          run(['link', 'set', veth, 'up']);
          for (const name of readdirSync(tmp)) rmSync(join(tmp, name), { recursive: true, force: true });
        },
        cut: () => run(['link', 'set', veth, 'down']),
        restore: () => run(['link', 'set', veth, 'up']),
      };
      hosts[name] = host;
    });
    const sshEntry = (alias: string, address: string) => [
      `Host ${alias}`,
      `  HostName ${address}`,
      `  User ${userInfo().username}`,
      `  IdentityFile ${join(dir, 'user_key')}`,
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
      '  LogLevel ERROR',
    ];
    writeFileSync(sshConfig, names.flatMap((name) => sshEntry(name, hosts[name]!.address)).join('\n') + '\n');
    // Each host logs into every other once: the bridge and every sshd work before a test starts.
    const deadline = Date.now() + 15_000;
    for (const from of Object.values(hosts)) {
      for (const to of Object.values(hosts)) {
        if (to === from) continue;
        const ssh = () => spawnSync('ip', ['netns', 'exec', from.netns, 'ssh', '-F', sshConfig, '-o', 'BatchMode=yes', to.name, 'true'], { encoding: 'utf8' });
        let r = ssh();
        while (r.status !== 0) {
          if (Date.now() > deadline) throw new Error(`ssh from ${from.name} to ${to.name} (${to.address}) failed: ${r.stderr}`);
          await new Promise((done) => setTimeout(done, 100));
          r = ssh();
        }
      }
    }
    const delayedLink = async (from: TestHost, to: TestHost, delayMs: number) => {
      const n = relays.length;
      const [tunFrom, tunTo] = [`bt${tag}${n}a`, `bt${tag}${n}b`];
      const relay = spawn('python3', [DELAY_LINK, tunFrom, tunTo, String(delayMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
      relays.push(relay);
      const ready = await new Promise<boolean>((resolve) => {
        createInterface({ input: relay.stdout! }).once('line', (line) => resolve(line === 'ready'));
        relay.once('exit', () => resolve(false));
      });
      if (!ready) throw new Error(`${DELAY_LINK} did not make its TUN devices (needs /dev/net/tun and root)`);
      // Addresses past the bridge's hosts, each a /32 with its peer: a route more specific than the bridge's /24.
      const [fromAddress, toAddress] = [`${range}.${200 + 2 * n}`, `${range}.${201 + 2 * n}`];
      for (const [host, tun, own, peer] of [[from, tunFrom, fromAddress, toAddress], [to, tunTo, toAddress, fromAddress]] as const) {
        run(['link', 'set', tun, 'netns', host.netns]);
        run(['-n', host.netns, 'addr', 'add', `${own}/32`, 'peer', `${peer}/32`, 'dev', tun]);
        run(['-n', host.netns, 'link', 'set', tun, 'up']);
      }
      const alias = `${to.name}-delayed`;
      appendFileSync(sshConfig, sshEntry(alias, toAddress).join('\n') + '\n');
      return { address: toAddress, alias };
    };
    return { hosts, sshConfig, teardown, delayedLink };
  } catch (error) {
    teardown();
    throw error;
  }
}

function netnsPids(netns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/**
 * The files a host's TMPDIR holds, but for bench's registry of leftovers, a folder that stays
 * (process/leftovers.ts): what is in it counts.
 */
export function leftFiles(host: TestHost): string[] {
  return readdirSync(host.tmp).flatMap((name) => (/^bench-leftovers-/.test(name) ? readdirSync(join(host.tmp, name)).map((f) => join(name, f)) : [name]));
}

