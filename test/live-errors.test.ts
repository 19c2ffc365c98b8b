import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { LiveLoad } from '../harness/load/live.js';
import type { LiveFiguresWindow } from '../harness/load/live.js';

/**
 * A server that fails each request in turn a different way: resets the connection under it,
 * answers something that is not HTTP, or answers 503; then answers one properly.
 */
function failingServer(): Promise<Server> {
  let n = 0;
  const server = createServer((socket: Socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      const how = n++ % 4;
      if (how === 0) socket.resetAndDestroy();
      else if (how === 1) socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n');
      else if (how === 2) socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function liveFigures(url: string): Promise<LiveFiguresWindow> {
  const load = new LiveLoad({ url, concurrency: 2, warmupS: 0, durationS: 0, timeoutS: 30 }, { windowS: 2, figuresEveryMs: 100, settleS: 0 });
  await new Promise((r) => setTimeout(r, 1200));
  const figures = load.figures!;
  await load.stop();
  return figures;
}

describe('live errors, by kind', () => {
  let server: Server;
  afterAll(() => server?.close());

  it('tells a reset connection, a reply that is not HTTP and a non-2xx answer apart, and sums them', async () => {
    server = await failingServer();
    const figures = await liveFigures(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const { errorsByKind: kinds } = figures;
    expect(kinds.reset, JSON.stringify(figures)).toBeGreaterThan(0);
    expect(kinds.other).toBeGreaterThan(0);
    expect(kinds.non2xx).toBeGreaterThan(0);
    expect(kinds.refused + kinds.timeout).toBe(0);
    // One of each in turn, and one success.
    expect(kinds.reset / figures.rps).toBeGreaterThan(0.5);
    expect(kinds.reset / figures.rps).toBeLessThan(2);
    expect(figures.errorsPerS).toBeCloseTo(kinds.refused + kinds.reset + kinds.timeout + kinds.non2xx + kinds.other, 5);
  });

  it('counts connections nothing listens for as refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const figures = await liveFigures(`http://127.0.0.1:${port}/`);
    expect(figures.errorsByKind.refused).toBeGreaterThan(0);
    expect(figures.errorsPerS).toBe(figures.errorsByKind.refused);
  });
});
