import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect, it } from 'vitest';
import type { RunningDeployment } from '../harness/deployments/launch.js';
import { groupMembers } from '../harness/process/procfs.js';
import { fcgiwrap, flask, nginx, uwsgi } from '../harness/software/catalog.js';
import { withDeployment } from './support/deployments.js';
import { describeWith } from './support/software.js';

const describeStack = await describeWith([flask, nginx, fcgiwrap, uwsgi]);

/** Inodes of the TCP sockets (IPv4 and IPv6) in LISTEN state, whoever holds them. */
function tcpListeners(): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** Path by inode of the listening Unix sockets (flag __SO_ACCEPTCON); the path may hold spaces. */
function unixListeners(): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const match = /^\S+: \S+ \S+ (\S+) \S+ \S+ (\d+) (.+)$/.exec(line);
    if (match && (parseInt(match[1]!, 16) & 0x10000) !== 0) paths.set(match[2]!, match[3]!);
  }
  return paths;
}

/** Inodes of every socket the processes of the server's group hold open. */
function groupSockets(d: RunningDeployment): Set<string> {
  const inodes = new Set<string>();
  for (const { pid } of groupMembers(d.processes[0]!.pid)) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (target) inodes.add(target[1]!);
    }
  }
  return inodes;
}

/** The server answers only through nginx, from a Unix socket nobody but this user can reach. */
async function expectOnlyPrivateUnixSocket(d: RunningDeployment, tmpDir: string): Promise<void> {
  const held = groupSockets(d);
  const tcp = tcpListeners();
  expect([...held].filter((inode) => tcp.has(inode)), 'TCP listening sockets of the server').toEqual([]);
  const unix = unixListeners();
  const listening = [...held].filter((inode) => unix.has(inode)).map((inode) => unix.get(inode)!);
  expect(listening.length, 'Unix listening sockets of the server').toBeGreaterThan(0);
  for (const path of new Set(listening)) expect(dirname(path)).toBe(tmpDir);
  expect(statSync(tmpDir).mode & 0o777).toBe(0o700);
  const hello = await fetch(`${d.baseUrl}/hello`);
  expect(hello.status).toBe(200);
}

describeStack('servers meant for nginx alone', () => {
  it("CGI's fcgiwrap listens on a Unix socket in the private temp folder, not on TCP", async () => {
    await withDeployment({ kind: 'cgi', workers: 2 }, expectOnlyPrivateUnixSocket);
  });

  it('uWSGI behind nginx listens on a Unix socket in the private temp folder, not on TCP', async () => {
    await withDeployment({ kind: 'uwsgi', workers: 2, proxy: 'nginx' }, expectOnlyPrivateUnixSocket);
  });
});
