import { describe, expect, it } from 'vitest';
import { probe } from '../harness/process/readiness.js';
import { expectLittle, groupAlive, measure, withDeployment } from './support/deployments.js';

const D = 40; // ms each request waits; Little's law: K in flight → K·25 req/s
const IO = `/io?ms=${D}`;

describe('the Node app', () => {
  it('answers every endpoint with the same bodies in every deployment', async () => {
    for (const kind of ['node-blocking', 'node-async']) {
      await withDeployment({ kind }, async (d) => {
        const get = async (path: string) => {
          const res = await fetch(d.baseUrl + path);
          return [res.status, await res.json()];
        };
        expect(await get('/health')).toEqual([200, { status: 'ok' }]);
        expect(await get('/hello')).toEqual([200, { hello: 'world' }]);
        expect(await get('/io?ms=5')).toEqual([200, { endpoint: 'io', ms: 5 }]);
        expect(await get('/io-blocking?ms=5')).toEqual([200, { endpoint: 'io-blocking', ms: 5 }]);
        expect(await get('/cpu?ms=5')).toEqual([200, { endpoint: 'cpu', ms: 5 }]);
        expect((await get('/io?ms=soon'))[0]).toBe(400);
        expect((await get('/nope'))[0]).toBe(404);
      });
    }
  });
});

describe("deployments measured against Little's law", () => {
  it('a single blocking worker serves one request at a time however many clients wait', async () => {
    await withDeployment({ kind: 'node-blocking' }, async (d) => {
      expectLittle(await measure(d, IO, 1), 1, D);
      expectLittle(await measure(d, IO, 8), 1, D);
    });
  });

  it('a pre-fork pool of W workers serves min(clients, W) at a time', async () => {
    await withDeployment({ kind: 'node-prefork', workers: 3 }, async (d) => {
      expectLittle(await measure(d, IO, 1), 1, D);
      expectLittle(await measure(d, IO, 3), 3, D);
      expectLittle(await measure(d, IO, 12), 3, D);
    });
  });

  it('an event loop serves every client at once', async () => {
    await withDeployment({ kind: 'node-async' }, async (d) => {
      expectLittle(await measure(d, IO, 4), 4, D);
      expectLittle(await measure(d, IO, 32), 32, D);
    });
  });

  it('the event loop serves /io-blocking, which blocks its thread, one request at a time', async () => {
    await withDeployment({ kind: 'node-async' }, async (d) => {
      expectLittle(await measure(d, `/io-blocking?ms=${D}`, 8), 1, D);
    });
  });

  it('a blocking worker blocks for /cpu as well, and the event loop cannot hide CPU work', async () => {
    await withDeployment({ kind: 'node-async' }, async (d) => {
      expectLittle(await measure(d, '/cpu?ms=20', 8), 1, 20, 0.15);
    });
  });
});

describe('teardown', () => {
  it('stops a pre-fork pool with every worker, leaving nothing that answers', async () => {
    let pid = 0;
    let url = '';
    await withDeployment({ kind: 'node-prefork', workers: 2 }, async (d) => {
      pid = d.processes[0]!.pid;
      url = d.baseUrl;
      expect(groupAlive(pid)).toBe(true);
    });
    expect(groupAlive(pid)).toBe(false);
    expect(await probe(`${url}/health`, 300)).toBeUndefined();
  });
});
