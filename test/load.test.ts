import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { measurePoint } from '../harness/load/measure.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A real server on port 0 that answers after `ms`, closing the connection when `close` says so. */
async function serve(ms: number, close: 'announced' | 'silent' | 'keep-alive'): Promise<string> {
  server = createServer((_req, res) => {
    setTimeout(() => {
      if (close === 'announced') res.setHeader('connection', 'close');
      res.end('ok');
      if (close === 'silent') res.socket?.end();
    }, ms);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`;
}

describe('the load driver', () => {
  for (const close of ['announced', 'silent', 'keep-alive'] as const) {
    it(`times each request from its own start when the server closes connections (${close})`, async () => {
      const url = await serve(30, close);
      const m = await measurePoint({ url, concurrency: 2, warmupS: 0.3, durationS: 1.5, timeoutS: 10 });
      expect(m.errors).toBe(0);
      expect(m.latencyMs.p50).toBeGreaterThanOrEqual(29);
      expect(m.latencyMs.p99).toBeLessThan(60);
      // Little's law: 2 in flight, ~31 ms each.
      expect(m.throughputRps).toBeGreaterThan(2 * (1000 / 31) * 0.85);
    });
  }

  it('counts only the measured window, not the warm-up', async () => {
    const url = await serve(50, 'keep-alive');
    const m = await measurePoint({ url, concurrency: 1, warmupS: 1, durationS: 1, timeoutS: 10 });
    // 1 in flight at ~51 ms: about 19.6 in one second; the warm-up would add as many again.
    expect(m.requests).toBeGreaterThanOrEqual(17);
    expect(m.requests).toBeLessThanOrEqual(21);
    expect(m.durationS).toBe(1);
  });
});
