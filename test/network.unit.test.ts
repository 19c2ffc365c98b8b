import { createServer, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureNetwork, onThisMachine, timeNetwork } from '../harness/remote/network.js';

/** Node's own HTTP server on a free loopback port, closing after each response or keeping connections. */
async function serve(keepAlive: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', ...(!keepAlive && { connection: 'close' }) });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}` };
}

describe('the network to a server', () => {
  let keeping: Awaited<ReturnType<typeof serve>>;
  let closing: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    keeping = await serve(true);
    closing = await serve(false);
  });
  afterAll(() => {
    keeping.server.close();
    closing.server.close();
  });

  it('counts one round trip per request where the server keeps the connection, two where it closes it', async () => {
    expect(await timeNetwork(keeping.url, '/health')).toMatchObject({ roundTrips: 1 });
    expect(await timeNetwork(closing.url, '/health')).toMatchObject({ roundTrips: 2 });
  });

  it('times the round trip as a TCP connect, a few milliseconds at most on loopback', async () => {
    const { rttMs } = await timeNetwork(keeping.url, '/health');
    expect(rttMs).toBeGreaterThan(0);
    expect(rttMs).toBeLessThan(50);
  });

  it('is not measured for a server on this machine, loopback or one of its own addresses', async () => {
    expect(await measureNetwork(keeping.url, '/health')).toBeUndefined();
    expect(onThisMachine('127.0.0.1')).toBe(true);
    expect(onThisMachine('localhost')).toBe(true);
    expect(onThisMachine('[::1]')).toBe(true);
    const own = Object.values(networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal)?.address;
    if (own) expect(onThisMachine(own)).toBe(true);
    // TEST-NET-3: documentation only, no machine's own address.
    expect(onThisMachine('203.0.113.7')).toBe(false);
  });

  it('says which server did not answer when it cannot connect', async () => {
    const { server, url } = await serve(true);
    await new Promise((resolve) => server.close(resolve));
    await expect(timeNetwork(url, '/health')).rejects.toThrow(`ECONNREFUSED ${new URL(url).host}`);
  });
});
