import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { socketInodes } from '../process/listeners.js';
import { hasProcfs } from '../process/procfs.js';
import { findExecutable } from '../software/catalog.js';
import type { WorkerStatus } from './worker-status.js';

/**
 * Which workers are held reading a request that is still arriving (a slow client's), for the live
 * page. The app cannot say: its status file counts a request only once the server has read it
 * whole and called the app, and a worker reading a trickle is inside the server, before that. The
 * generator cannot say either: it knows its slow connections, not which worker accepted each. The
 * worker's sockets can: it holds the connections it accepted (ESTABLISHED on the port it listens
 * on), so those it holds beyond the requests it serves are held by someone still sending. A
 * connection whose bytes sit unread in the kernel waits for the worker (gthread's queue), so it
 * does not count; nor does the backlog's, which no process holds until it is accepted.
 */

/** A server-side connection on the deployment's port: its socket inode, and the bytes its process has not read yet. */
export type Connections = Map<string, number>;

const ESTABLISHED = '01';

/**
 * The ESTABLISHED sockets of a /proc/net/tcp{,6} table (proc(5)) whose local port is `port`. The
 * state is read at its fixed place after the "sl:" field before anything is split: the tables
 * also hold every TIME_WAIT, tens of thousands under close-per-response load.
 */
export function parseTcpTable(text: string, port: number, into: Connections = new Map()): Connections {
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  let at = text.indexOf('\n') + 1; // past the header
  while (at > 0 && at < text.length) {
    const end = text.indexOf('\n', at);
    const lineEnd = end < 0 ? text.length : end;
    const colon = text.indexOf(':', at);
    const local = text.indexOf(' ', colon + 2); // "sl: LOCAL REMOTE ST …"
    const state = text.indexOf(' ', local + 1) + 1;
    if (text.startsWith(ESTABLISHED, state) && text.startsWith(portHex, local - portHex.length + 1)) {
      const fields = text.slice(state, lineEnd).trim().split(/\s+/, 7);
      const queues = fields[1] ?? '';
      const inode = fields[6];
      if (inode && inode !== '0') into.set(inode, parseInt(queues.slice(queues.indexOf(':') + 1), 16) || 0);
    }
    at = lineEnd + 1;
  }
  return into;
}

/** `ss -tnHe state established sport = :PORT`: "Recv-Q Send-Q local peer … ino:N …" a line. */
export function parseSs(text: string, into: Connections = new Map()): Connections {
  for (const line of text.split('\n')) {
    const inode = / ino:(\d+)/.exec(line)?.[1];
    if (inode && inode !== '0') into.set(inode, Number(line.trim().split(/\s+/, 1)[0]) || 0);
  }
  return into;
}

/**
 * Connections a worker accepted on the deployment's port and holds open, having read what came:
 * those of its sockets that are ESTABLISHED there with nothing unread.
 */
export function acceptedConnections(inodes: string[], connections: Connections): number {
  return inodes.filter((inode) => connections.get(inode) === 0).length;
}

/**
 * Each worker's slots held by connections it holds beyond the requests it serves, at most its
 * slots less its busy ones. The server's connections come from the kernel's socket diagnostics
 * through `ss`, filtered there by state and port: reading /proc/net/tcp costs the kernel ~30 ms
 * a megabyte to write out, and with many TIME_WAIT sockets about it is megabytes, twice a second
 * (measured here: 77 ms a read of 9,000 lines; `ss` 6 ms of CPU whatever the TIME_WAITs). So each
 * reading asks `ss` for the next one and uses the connections counted when the last answer came
 * (the workers' sockets read then too, so that a slow client who reconnected meanwhile is not
 * missed), against the busy counts of now. Without `ss` it reads /proc/net/tcp itself.
 */
export class HeldMeter {
  /** Accepted connections each worker held, as of the last answer. */
  private accepted = new Map<number, number>();
  private pids: number[] = [];
  private asking = false;
  private readonly ss = findExecutable('ss');

  constructor(private readonly port: number) {}

  read(workers: WorkerStatus[], slots: number): number[] {
    this.pids = workers.map((w) => w.pid);
    if (this.ss) this.ask();
    else this.count(readTcpTables(this.port));
    return workers.map((w) => {
      const busy = Math.min(w.busy, slots);
      return Math.max(0, Math.min((this.accepted.get(w.pid) ?? 0) - busy, slots - busy));
    });
  }

  private count(connections: Connections): void {
    this.accepted = new Map(this.pids.map((pid) => [pid, acceptedConnections(socketInodes(pid), connections)]));
  }

  private ask(): void {
    if (this.asking) return;
    this.asking = true;
    execFile(this.ss!, ['-tnHe', 'state', 'established', 'sport', '=', `:${this.port}`], { encoding: 'latin1' }, (err, stdout) => {
      this.asking = false;
      if (!err) this.count(parseSs(stdout));
    });
  }
}

function readTcpTables(port: number): Connections {
  const connections: Connections = new Map();
  if (!hasProcfs) return connections;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      parseTcpTable(readFileSync(table, 'latin1'), port, connections);
    } catch {
      // no IPv6 table on this kernel
    }
  }
  return connections;
}
