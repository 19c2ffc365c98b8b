import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { groupMembers, hasProcfs, livingProcesses } from './procfs.js';

/**
 * The TCP addresses processes of the given groups listen on that are neither loopback nor
 * `allowed` (the one address a deployment was told to bind: `bench agent`'s, which the load from
 * another machine reaches) ("0.0.0.0:8000", "[::]:9229"), read from /proc. A user's app, or a flag passed through `args:`,
 * can make a server listen beyond loopback however bench started it; this finds it, whatever
 * did it. Empty where /proc cannot be read.
 */
export function publicListeners(processGroups: number[], allowed?: string): string[] {
  return tcpListeners(processGroups)
    .filter((address) => !address.loopback && address.text.slice(0, address.text.lastIndexOf(':')) !== allowed)
    .map((address) => address.text);
}

/** Every TCP address processes of the given groups listen on, loopback or not; empty where /proc cannot be read. */
export function tcpListeners(processGroups: number[]): ListenAddress[] {
  if (!hasProcfs) return [];
  const listening = listeningSockets();
  const found = new Map<string, ListenAddress>();
  for (const leader of processGroups) {
    for (const { pid } of groupMembers(leader)) {
      for (const inode of socketInodes(pid)) {
        const address = listening.get(inode);
        if (address) found.set(address.text, address);
      }
    }
  }
  return [...found.values()];
}

/**
 * The process group of a server bench did not start, where it can be seen: the processes that
 * listen on `port`, when they all belong to one group whose leader is one of them (a server
 * started by `setsid`, or as a terminal job of its own: gunicorn's master and its workers, a Node
 * cluster's master). A group led by anything else (a shell script, npm) holds more than the server,
 * and a server of another user's hides its sockets: undefined then, and nothing is sampled.
 */
export function listeningGroup(port: number): number | undefined {
  if (!hasProcfs) return undefined;
  const inodes = new Set([...listeningSockets()].filter(([, address]) => address.port === port).map(([inode]) => inode));
  if (inodes.size === 0) return undefined;
  const listeners = livingProcesses().filter((p) => socketInodes(p.pid).some((inode) => inodes.has(inode)));
  const groups = new Set(listeners.map((p) => p.pgrp));
  const [group] = groups;
  return groups.size === 1 && listeners.some((p) => p.pid === group) ? group : undefined;
}

export interface ListenAddress {
  text: string;
  port: number;
  loopback: boolean;
}

/** TCP sockets in LISTEN state (0A), by inode, IPv4 and IPv6. */
function listeningSockets(): Map<string, ListenAddress> {
  const sockets = new Map<string, ListenAddress>();
  for (const [table, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== '0A' || !fields[1] || !fields[9]) continue;
      sockets.set(fields[9], decode(fields[1], v6));
    }
  }
  return sockets;
}

/** "0100007F:1F90" → 127.0.0.1:8080; IPv6 as its 32 hex digits (loopback ::1 or ::ffff:127.x). */
export function decode(local: string, v6: boolean): ListenAddress {
  const [hex = '', portHex = '0'] = local.toLowerCase().split(':');
  const port = parseInt(portHex, 16);
  if (!v6) {
    const bytes = (hex.match(/../g) ?? []).map((b) => parseInt(b, 16)).reverse();
    return { text: `${bytes.join('.')}:${port}`, port, loopback: bytes[0] === 127 };
  }
  // Four little-endian 32-bit words.
  const words = (hex.match(/.{8}/g) ?? []).map((w) => (w.match(/../g) ?? []).reverse().join(''));
  const full = words.join('');
  const loopback = full === '00000000000000000000000000000001' || (full.startsWith('00000000000000000000ffff') && full.slice(24, 26) === '7f');
  const groups = (full.match(/.{4}/g) ?? []).map((g) => g.replace(/^0+(?=.)/, ''));
  return { text: `[${groups.join(':')}]:${port}`, port, loopback };
}

/** The inodes of the sockets `pid` holds open (its /proc/PID/fd links); empty when it is gone or not ours to read. */
export function socketInodes(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes: string[] = [];
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.push(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}
