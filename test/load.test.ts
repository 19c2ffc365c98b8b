import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { measurePoint } from '../harness/load/measure.js';

let server: Server | TcpServer | undefined;
const held: Socket[] = [];
afterEach(async () => {
  for (const socket of held.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const urlOf = (s: Server | TcpServer) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;

/** A real server on port 0 that answers after `ms`, closing the connection when `close` says so. */
async function serve(ms: number, close: 'announced' | 'silent' | 'keep-alive' | 'chunked'): Promise<string> {
  const http = createServer((_req, res) => {
    setTimeout(() => {
      if (close === 'announced') res.setHeader('connection', 'close');
      if (close === 'chunked') {
        res.write('o');
        res.end('k');
        return;
      }
      res.end('ok');
      if (close === 'silent') res.socket?.end();
    }, ms);
  });
  server = http;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return urlOf(http);
}

/**
 * Werkzeug 3's way: a complete `Connection: close` response, then the server keeps its side of the
 * connection open for a while before it closes it. A client that waits for the server's EOF pays
 * that wait on every request.
 */
async function serveHoldingOpen(ms: number, holdMs: number): Promise<string> {
  const tcp = createTcpServer((socket) => {
    held.push(socket);
    socket.once('data', () =>
      setTimeout(() => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
        setTimeout(() => socket.end(), holdMs);
      }, ms),
    );
    socket.on('error', () => {});
  });
  server = tcp;
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  return urlOf(tcp);
}

/**
 * A server that sends each response in small pieces, a few ms apart, so that its header block and
 * its chunk-size lines reach the client split across reads, interleaved with other connections'.
 */
async function serveInPieces(): Promise<string> {
  const response =
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: ' + 'p'.repeat(40) + '\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';
  const tcp = createTcpServer((socket) => {
    held.push(socket);
    socket.setNoDelay(true);
    socket.on('data', () => {
      let at = 0;
      const next = () => {
        if (socket.destroyed) return;
        socket.write(response.slice(at, at + 7));
        at += 7;
        if (at < response.length) setTimeout(next, 1);
      };
      next();
    });
    socket.on('error', () => {});
  });
  server = tcp;
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  return urlOf(tcp);
}

describe('the load driver', () => {
  for (const close of ['announced', 'silent', 'keep-alive', 'chunked'] as const) {
    it(`times each request from its own start when the server answers ${close}`, async () => {
      const url = await serve(30, close);
      const m = await measurePoint({ url, concurrency: 2, warmupS: 0.3, durationS: 1.5, timeoutS: 10 });
      expect(m.errors).toBe(0);
      expect(m.latencyMs!.p50).toBeGreaterThanOrEqual(29);
      expect(m.latencyMs!.p99).toBeLessThan(60);
      // Little's law: 2 in flight, ~31 ms each.
      expect(m.throughputRps).toBeGreaterThan(2 * (1000 / 31) * 0.85);
    });
  }

  it('does not wait for a server that holds its side open after a complete close-after-response answer', async () => {
    // 20 ms of service, then the server keeps the connection open for 200 ms more.
    const url = await serveHoldingOpen(20, 200);
    const m = await measurePoint({ url, concurrency: 2, warmupS: 0.3, durationS: 1.5, timeoutS: 10 });
    expect(m.errors).toBe(0);
    expect(m.latencyMs!.p99).toBeLessThan(60);
    // 2 in flight × 1000/21 ≈ 95 req/s; a client waiting for EOF would get 2 × 1000/220 ≈ 9.
    expect(m.throughputRps).toBeGreaterThan(2 * (1000 / 21) * 0.8);
  });

  it('parses responses whose headers and chunk sizes arrive split across reads, on several connections at once', async () => {
    // The engine reads every socket into one shared buffer: a parser that kept a view of it
    // instead of a copy would see another read's bytes and fail these responses.
    const url = await serveInPieces();
    const m = await measurePoint({ url, concurrency: 4, warmupS: 0.2, durationS: 1, timeoutS: 10 });
    expect(m.errors).toBe(0);
    expect(m.non2xx).toBe(0);
    // Each response takes 14 pieces 1 ms (or more) apart: 4 connections serve at most ~280 a second.
    expect(m.samples).toBeGreaterThan(20);
  });

  it('sends a weighted mix in its proportions, with each request\'s method, headers and body', async () => {
    const seen: string[] = [];
    const http = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? '-'} ${body || '-'}`);
        res.statusCode = req.method === 'POST' ? 201 : 200;
        res.end('ok');
      });
    });
    server = http;
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const m = await measurePoint({
      url: urlOf(http),
      requests: [
        { method: 'GET', path: '/items?page=2', headers: {}, weight: 3 },
        { method: 'POST', path: '/items', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}', weight: 1 },
      ],
      concurrency: 2,
      warmupS: 0.2,
      durationS: 1,
      timeoutS: 10,
    });
    expect(m.errors + m.non2xx).toBe(0);
    const gets = seen.filter((r) => r === 'GET /items?page=2 - -').length;
    const posts = seen.filter((r) => r === 'POST /items application/json {"name":"x"}').length;
    // Nothing else arrived, and the mix held its 3:1 within a request or two of a cycle.
    expect(gets + posts).toBe(seen.length);
    expect(posts).toBeGreaterThan(50);
    expect(gets / posts).toBeGreaterThan(2.8);
    expect(gets / posts).toBeLessThan(3.2);
  });

  it('reports live figures while it measures: the current second\'s rate and p99, for the progress line', async () => {
    const url = await serve(20, 'keep-alive');
    const seen: { rps: number; p99Ms: number | null }[] = [];
    await measurePoint({ url, concurrency: 4, warmupS: 0.3, durationS: 1.6, timeoutS: 10 }, (phase, _left, live) => {
      if (phase === 'measuring' && live) seen.push(live);
    });
    // Past the window's first moments, 4 clients of ~21 ms requests: Little's law says ~190 req/s.
    const settled = seen.slice(Math.floor(seen.length / 2));
    expect(settled.length).toBeGreaterThan(0);
    for (const live of settled) {
      expect(live.rps).toBeGreaterThan(4 * (1000 / 21) * 0.6);
      expect(live.rps).toBeLessThan(4 * (1000 / 20) * 1.3);
      expect(live.p99Ms).toBeGreaterThanOrEqual(19);
    }
  });

  it('counts only the measured window, not the warm-up', async () => {
    const url = await serve(50, 'keep-alive');
    const m = await measurePoint({ url, concurrency: 1, warmupS: 1, durationS: 1, timeoutS: 10 });
    // 1 in flight at ~51 ms: about 19.6 in one second; the warm-up would add as many again.
    expect(m.requests).toBeGreaterThanOrEqual(17);
    expect(m.requests).toBeLessThanOrEqual(21);
    expect(m.samples).toBe(m.requests);
    expect(m.durationS).toBe(1);
  });

  it('reports no latency, rather than 0 ms, when nothing answered', async () => {
    // A port nothing listens on: every connection is refused.
    const url = await serve(0, 'keep-alive');
    await new Promise<void>((resolve) => (server as Server).close(() => resolve()));
    server = undefined;
    const m = await measurePoint({ url, concurrency: 1, warmupS: 0.1, durationS: 0.5, timeoutS: 10 });
    expect(m.samples).toBe(0);
    expect(m.latencyMs).toBeNull();
    expect(m.errors).toBeGreaterThan(0);
    expect(m.errorLatencyMs).toBeDefined();
  });

  it('measures its own CPU per request in a process of its own', async () => {
    const url = await serve(0, 'keep-alive');
    const m = await measurePoint({ url, concurrency: 4, warmupS: 0.2, durationS: 1, timeoutS: 10 });
    expect(m.generator.engine).toBe('builtin');
    expect(m.generator.cpuPercent).toBeGreaterThan(0);
    expect(m.generator.cpuPercent).toBeLessThan(110);
    expect(m.generator.cpuMsPerRequest).toBeGreaterThan(0);
    expect(m.generator.cpuMsPerRequest).toBeLessThan(1);
    expect(m.generator.eventLoopDelayMs).not.toBeNull();
  });
});
