import { describe, expect, it } from 'vitest';
import { acceptedConnections, parseSs, parseTcpTable } from '../harness/status/held-connections.js';

/**
 * /proc/net/tcp as the kernel writes it (proc(5)), for a worker listening on 127.0.0.1:8000
 * (0x1F40): its listening socket (inode 100), two connections it accepted (101: read up to date;
 * 102: 0x4E bytes of request unread, queued for the worker), the client's end of one (201, whose
 * local port is the client's), a connection it made to a database on :5432 (103), and a
 * TIME_WAIT left by an earlier request (no inode).
 */
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0000000099b6083 100 0 0 10 0
   1: 0100007F:1F40 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 101 1 00000000d17e9713 20 4 30 10 -1
   2: 0100007F:1F40 0100007F:C351 01 00000000:0000004E 00:00000000 00000000     0        0 102 1 00000000d17e9714 20 4 30 10 -1
   3: 0100007F:C350 0100007F:1F40 01 00000000:00000000 00:00000000 00000000     0        0 201 1 00000000d17e9715 20 4 30 10 -1
   4: 0100007F:A243 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 103 1 00000000d17e9716 20 4 30 10 -1
   5: 0100007F:1F40 0100007F:9A56 06 00000000:00000000 03:00000846 00000000     0        0 0 3 0000000090f1042e
`;

/** The same worker on [::1]:8000 with one accepted connection, as /proc/net/tcp6 writes it. */
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 300 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F40 00000000000000000000000001000000:D431 01 00000000:00000000 00:00000000 00000000     0        0 301 1 0000000000000000 20 4 30 10 -1
`;

/** `ss -tnHe state established sport = :8000` for the same connections. */
const SS = `0      0      127.0.0.1:8000 127.0.0.1:50000 ino:101 sk:3 cgroup:/ <->
78     0      127.0.0.1:8000 127.0.0.1:50001 ino:102 sk:4 cgroup:/ <->
`;

describe('held connections, from the TCP tables', () => {
  it("keeps the established sockets on the deployment's port, with their unread bytes, and skips the listener, the others and TIME_WAIT", () => {
    expect(parseTcpTable(TCP, 8000)).toEqual(new Map([['101', 0], ['102', 0x4e]]));
    expect(parseTcpTable(TCP, 5432)).toEqual(new Map());
    expect(parseTcpTable(TCP6, 8000)).toEqual(new Map([['301', 0]]));
  });

  it('reads the same from ss as from /proc/net/tcp', () => {
    expect(parseSs(SS)).toEqual(parseTcpTable(TCP, 8000));
  });

  it("counts a worker's accepted connections whose bytes it has read, not those queued unread, nor the sockets it made", () => {
    const connections = parseTcpTable(TCP6, 8000, parseTcpTable(TCP, 8000));
    expect(acceptedConnections(['100', '101', '102', '103'], connections)).toBe(1);
    expect(acceptedConnections(['300', '301', '100', '101'], connections)).toBe(2);
    // A client process holds the other end, whose local port is its own.
    expect(acceptedConnections(['201'], connections)).toBe(0);
  });
});
