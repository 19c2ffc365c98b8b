import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPostgres, type RunningPostgres } from '../harness/database/postgres.js';
import { asyncpg, postgresql, starlette, uvicorn } from '../harness/software/catalog.js';
import { withDatabaseDeployment } from './support/database.js';
import { expectLittle, measure } from './support/deployments.js';
import { describeWith } from './support/software.js';

const D = 20;
const DB = `/db?ms=${D}`;
const describeAsyncDatabase = await describeWith([postgresql, uvicorn, starlette, asyncpg]);

describeAsyncDatabase('the ASGI app on a private PostgreSQL', () => {
  let db: RunningPostgres;
  let logDir: string;
  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'bench-pgtest-logs-'));
    db = await startPostgres({ logDir, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await db?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('caps uvicorn at its asyncpg pool: 2 connections at d = 20 ms serve 100 req/s at 16 clients, within 10%', async () => {
    await withDatabaseDeployment(db, { kind: 'uvicorn', pool: 2 }, async (d) => {
      expectLittle(await measure(d, DB, 16), 2, D, 0.1);
    });
  });

  it('climbs with a bigger pool: 8 connections serve 8 × 50 at 16 clients, within 15%', async () => {
    await withDatabaseDeployment(db, { kind: 'uvicorn', pool: 8 }, async (d) => {
      expectLittle(await measure(d, DB, 16), 8, D, 0.15);
    });
  });

  it('answers /db-rows with the same bytes as the Flask app', async () => {
    await withDatabaseDeployment(db, { kind: 'uvicorn' }, async (d) => {
      const res = await fetch(`${d.baseUrl}/db-rows?n=2`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('{"endpoint":"db-rows","n":2,"rows":[{"id":1,"name":"item 1"},{"id":2,"name":"item 2"}]}\n');
      expect((await fetch(`${d.baseUrl}/db-rows?n=5000`)).status).toBe(400);
    });
  });
});
