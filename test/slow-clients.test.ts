import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { slowRequest, startSlowClients, TRICKLE_S, type SlowClients } from '../harness/load/builtin/slow-clients.js';

let server: Server | undefined;
let slow: SlowClients | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  slow?.stop();
  slow = undefined;
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

interface Arrival {
  /** ms after the connection was accepted, and how many bytes had arrived by then. */
  at: number[];
  bytes: number[];
  headersDoneMs?: number;
}

/** A plain TCP server on port 0 that times each connection's bytes and answers once the header block is complete. */
async function timingServer(): Promise<{ url: URL; arrivals: Arrival[] }> {
  const arrivals: Arrival[] = [];
  server = createServer((socket) => {
    sockets.push(socket);
    const acceptedAt = performance.now();
    const arrival: Arrival = { at: [], bytes: [] };
    arrivals.push(arrival);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      arrival.at.push(performance.now() - acceptedAt);
      arrival.bytes.push(received.length);
      if (arrival.headersDoneMs === undefined && received.includes('\r\n\r\n')) {
        arrival.headersDoneMs = performance.now() - acceptedAt;
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: new URL(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/io?ms=50`), arrivals };
}

const until = async (done: () => boolean, timeoutMs: number) => {
  for (const started = Date.now(); !done() && Date.now() - started < timeoutMs; ) await new Promise((r) => setTimeout(r, 20));
};

describe('a slow client', () => {
  it('pads its request with a harmless header to about three seconds of bytes at its rate', () => {
    const request = slowRequest(new URL('http://127.0.0.1:8000/io?ms=50'), 100).toString('latin1');
    expect(request.length).toBe(100 * TRICKLE_S);
    expect(request).toMatch(/^GET \/io\?ms=50 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:8000\r\n/);
    expect(request).toMatch(/\r\nX-Bench-Padding: x+\r\n\r\n$/);
    // A request already longer than the rate's three seconds is sent as it is.
    expect(slowRequest(new URL('http://127.0.0.1:8000/io?ms=50'), 10).toString('latin1')).not.toMatch(/Padding/);
  });

  it('trickles its header block, the first byte at once and the last no sooner than its length over the rate, then reads the answer and starts again', async () => {
    const { url, arrivals } = await timingServer();
    const rate = 100;
    const length = slowRequest(url, rate).length;
    slow = startSlowClients(url, { count: 1, sendBytesPerSecond: rate });
    await until(() => arrivals[0]?.headersDoneMs !== undefined, 6000);
    const first = arrivals[0]!;
    expect(first.at[0]).toBeLessThan(300);
    expect(first.headersDoneMs).toBeGreaterThanOrEqual((0.95 * (length - 1) * 1000) / rate);
    // Steadily, not in one late burst: halfway through, about half the bytes are in.
    const halfway = first.bytes[first.at.findIndex((t) => t >= first.headersDoneMs! / 2)]!;
    expect(halfway / length).toBeGreaterThan(0.3);
    expect(halfway / length).toBeLessThan(0.7);
    // The server answered at once: that answer counts, and the client connects again.
    await until(() => arrivals.length >= 2, 1000);
    expect(slow.completed()).toBe(1);
    expect(arrivals).toHaveLength(2);
  });

  it('changes how many trickle while they run', async () => {
    const { url, arrivals } = await timingServer();
    slow = startSlowClients(url, { count: 1, sendBytesPerSecond: 100 });
    await until(() => arrivals.length >= 1, 1000);
    slow.setCount(3);
    await until(() => arrivals.length >= 3, 1000);
    expect(arrivals).toHaveLength(3);
    const open = () => sockets.filter((s) => !s.destroyed && s.readable).length;
    slow.setCount(1);
    await until(() => open() === 1, 1000);
    expect(open()).toBe(1);
  });
});
