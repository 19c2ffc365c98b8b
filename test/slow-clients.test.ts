import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { slowRequest, startSlowClients, TRICKLE_S, type SlowClients } from '../harness/load/builtin/slow-clients.js';
import type { RunResults } from '../harness/results/types.js';
import { flask, gunicorn, nginx } from '../harness/software/catalog.js';
import { benchIn, workFolder } from './support/cli.js';
import { describeWith } from './support/software.js';

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

describe('slow clients', () => {
  it('pad each request with a harmless header to about three seconds of bytes at their rate', () => {
    const request = slowRequest(new URL('http://127.0.0.1:8000/io?ms=50'), 100).toString('latin1');
    expect(request.length).toBe(100 * TRICKLE_S);
    expect(request).toMatch(/^GET \/io\?ms=50 HTTP\/1\.1\r\nHost: 127\.0\.0\.1:8000\r\n/);
    expect(request).toMatch(/\r\nX-Bench-Padding: x+\r\n\r\n$/);
    // A request already longer than the rate's three seconds is sent as it is.
    expect(slowRequest(new URL('http://127.0.0.1:8000/io?ms=50'), 10).toString('latin1')).not.toMatch(/Padding/);
  });

  it('trickle the header block, the first byte at once and the last no sooner than its length over the rate, then read the answer and start again', async () => {
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

  it('grow and shrink in number while they run', async () => {
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

const describeStack = await describeWith([flask, gunicorn, nginx]);

describeStack('slow clients beside 8 normal clients on /io?ms=50 (bench run)', () => {
  const work = workFolder('slow-clients');
  let run: RunResults;
  const rowOf = (deployment: string, slow: number) => run.results.find((r) => r.deployment === deployment && r.slowClients?.count === slow)!;
  const kept = (deployment: string) => rowOf(deployment, 4).throughputRps / rowOf(deployment, 0).throughputRps;

  beforeAll(() => {
    // The window (0.5 s to 3.5 s) holds the end of the first trickle, about 3 s after the slow clients connect.
    writeFileSync(
      join(work, 'slow.yaml'),
      [
        'path: /io?ms=50',
        'duration: 3',
        'warmup: 0.5',
        'concurrency: [8]',
        'xAxis: slow-clients',
        'slowClients: { count: [0, 4], sendBytesPerSecond: 100 }',
        'deployments:',
        '  - { kind: gunicorn-sync, workers: 4 }',
        '  - { kind: gunicorn-sync+nginx, workers: 4 }',
        '  - node-async',
      ].join('\n'),
    );
    const r = benchIn(work)('run', 'slow.yaml', '--out', 'out');
    expect(r.code, r.stderr).toBe(0);
    run = JSON.parse(readFileSync(join(work, 'out', 'results.json'), 'utf8')) as RunResults;
  }, 90_000);

  it('stall a pool of 4 sync workers: with 4 slow clients it serves under 15% of what it serves without', () => {
    expect(kept('gunicorn-sync ×4')).toBeLessThan(0.15);
    expect(rowOf('gunicorn-sync ×4', 4)).toMatchObject({ predictedThroughputRps: 0, model: { bound: '4 workers, 4 held by slow clients' } });
  });

  it('barely move the same pool behind nginx, which reads each whole request before it hands it on', () => {
    expect(kept('gunicorn-sync+nginx ×4')).toBeGreaterThanOrEqual(0.7);
    expect(rowOf('gunicorn-sync+nginx ×4', 4).predictedThroughputRps).toBe(80);
  });

  it('do not slow an event loop', () => {
    expect(kept('node-async')).toBeGreaterThanOrEqual(0.7);
  });

  it("are counted apart from the normal clients' figures, each row with its count of slow clients and of their answers", () => {
    expect(run.settings).toMatchObject({ xAxis: 'slow-clients', concurrency: [8], slowClients: { counts: [0, 4], sendBytesPerSecond: 100 } });
    for (const deployment of ['gunicorn-sync ×4', 'gunicorn-sync+nginx ×4', 'node-async']) {
      expect(rowOf(deployment, 0).slowClients).toEqual({ count: 0, sendBytesPerSecond: 100, completed: 0 });
      expect(rowOf(deployment, 4).slowClients?.completed).toBeGreaterThan(0);
    }
  });
});
