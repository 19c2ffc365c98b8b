import { readFileSync } from 'node:fs';
import { socketInodes } from '../process/listeners.js';
import { hasProcfs } from '../process/procfs.js';
import type { WorkerStatus } from './worker-status.js';

/**
 * Which workers are held reading a request that is still arriving (a slow client's), for the live
 * page. The app cannot say: its status file counts a request only once the server has read it
 * whole and called the app, and a worker reading a trickle is inside the server, before that. The
 * generator cannot say either: it knows its slow connections, not which worker accepted each. The
 * worker's sockets can: it holds the connections it accepted (ESTABLISHED, on a port it listens
 * on), so those it holds beyond the requests it serves are held by someone still sending. A
 * connection whose bytes sit unread in the kernel waits for the worker (gthread's queue), so it
 * does not count; nor does the backlog's, which no process holds until it is accepted.
 */

/** One TCP socket of /proc/net/tcp or tcp6 that a process may hold: listening, or an accepted or made connection. */
export interface TcpSocket {
  localPort: number;
  listening: boolean;
  /** Bytes received that its process has not read yet. */
  unread: number;
}

const LISTEN = '0A';
const ESTABLISHED = '01';

/**
 * The LISTEN and ESTABLISHED sockets of a /proc/net/tcp{,6} table, by inode (see proc(5)); the
 * rest (TIME_WAIT and the like, many thousands under close-per-response load) is skipped before
 * the line is split.
 */
export function parseTcpTable(text: string, into = new Map<string, TcpSocket>()): Map<string, TcpSocket> {
  let at = text.indexOf('\n') + 1; // the header line
  while (at > 0 && at < text.length) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end < 0 ? text.length : end);
    at = end < 0 ? text.length : end + 1;
    // "sl: local remote st …": the state is the fourth field; the addresses have no spaces.
    const fields = line.trim().split(/\s+/, 10);
    const state = fields[3];
    if (state !== LISTEN && state !== ESTABLISHED) continue;
    const inode = fields[9];
    const local = fields[1];
    if (!inode || inode === '0' || !local) continue;
    const queues = fields[4] ?? '';
    into.set(inode, {
      localPort: parseInt(local.slice(local.lastIndexOf(':') + 1), 16),
      listening: state === LISTEN,
      unread: parseInt(queues.slice(queues.indexOf(':') + 1), 16) || 0,
    });
  }
  return into;
}

/** The machine's LISTEN and ESTABLISHED TCP sockets, IPv4 and IPv6; empty without /proc. */
export function readTcpSockets(): Map<string, TcpSocket> {
  const sockets = new Map<string, TcpSocket>();
  if (!hasProcfs) return sockets;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      parseTcpTable(readFileSync(table, 'latin1'), sockets);
    } catch {
      // no IPv6 table on this kernel
    }
  }
  return sockets;
}

/** Connections a process accepted and holds open, whose bytes it has read: ESTABLISHED on a port it also listens on. */
export function acceptedConnections(inodes: string[], sockets: Map<string, TcpSocket>): number {
  const ports = new Set<number>();
  for (const inode of inodes) {
    const socket = sockets.get(inode);
    if (socket?.listening) ports.add(socket.localPort);
  }
  let accepted = 0;
  for (const inode of inodes) {
    const socket = sockets.get(inode);
    if (socket && !socket.listening && socket.unread === 0 && ports.has(socket.localPort)) accepted++;
  }
  return accepted;
}

/**
 * Each worker's slots held by connections it holds beyond the requests it serves, at most its
 * `slots` less its busy ones. One read of the TCP tables and one of each worker's fd folder:
 * with 32 workers and 256 clients, a few milliseconds.
 */
export function heldSlots(workers: WorkerStatus[], slots: number): number[] {
  const sockets = readTcpSockets();
  return workers.map((w) => {
    const busy = Math.min(w.busy, slots);
    return Math.max(0, Math.min(acceptedConnections(socketInodes(w.pid), sockets) - busy, slots - busy));
  });
}
