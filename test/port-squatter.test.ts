import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The port bench picks for the server: the first pick is the squatter's, later ones are free.
const picks: number[] = [];
vi.mock('../harness/process/ports.js', async (original) => {
  const real = await original<typeof import('../harness/process/ports.js')>();
  return { ...real, freePort: async () => picks.shift() ?? real.freePort() };
});

const { launch } = await import('../harness/deployments/launch.js');
const { findKind } = await import('../harness/deployments/kinds.js');

const tmpDir = mkdtempSync(join(tmpdir(), 'bench-squatter-'));
afterAll(() => rmSync(tmpDir, { recursive: true, force: true }));

describe('a program on the port bench chose for its server', () => {
  it('cannot pass for the deployment: readiness wants the token only the real server knows', async () => {
    // Answers /health with 200 at once, as a careless squatter would.
    let squatted = 0;
    const squatter = createServer((_req, res) => {
      squatted++;
      res.end('{"status":"ok"}\n');
    });
    await new Promise<void>((done) => squatter.listen(0, '127.0.0.1', done));
    const port = (squatter.address() as AddressInfo).port;
    picks.push(port);
    try {
      const kind = findKind('node-async')!;
      const d = await launch({ kind: 'node-async', workers: 1, proxy: 'none' }, kind, 'node-async', { tmpDir, readyTimeoutMs: 10_000 });
      try {
        // The server found its port taken, exited, and launch started it again on another one.
        expect(d.baseUrl).not.toBe(`http://127.0.0.1:${port}`);
        const res = await fetch(`${d.baseUrl}/health`);
        expect(res.headers.get('x-bench-token')).toBe(d.token);
        expect(d.token).toMatch(/^[0-9a-f]{32}$/);
      } finally {
        await d.stop();
      }
      expect(squatted).toBeGreaterThan(0);
    } finally {
      await new Promise((done) => squatter.close(done));
    }
  });
});
