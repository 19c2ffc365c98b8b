import { beforeAll, expect, it } from 'vitest';
import { api, type EventFeed, type Serving } from './support/serve.js';
import { serveForFile } from './support/serve-fixture.js';
import { flask, gunicorn, nginx } from '../harness/software/catalog.js';
import { describeWith } from './support/software.js';

const describePython = await describeWith([flask, gunicorn, nginx]);

/**
 * Item 2 of issue 28, measured: 4 slow clients trickling their requests (about 3 s each) hold
 * every worker of a bare sync pool of 4, which the page must show as held, not idle; behind nginx,
 * which reads each whole request before it passes it on, no worker is held.
 */
describePython('workers held by slow clients, in bench serve', () => {
  const fixture = serveForFile('held-workers');
  let serving: Serving;
  let feed: EventFeed;
  beforeAll(() => void ({ serving, feed } = fixture));

  async function ticksWith4Slow(nginxInFront: boolean) {
    await api(serving, 'POST', '/api/deployment', { kind: 'gunicorn-sync', workers: 4, nginx: nginxInFront });
    const label = nginxInFront ? 'gunicorn-sync+nginx ×4' : 'gunicorn-sync ×4';
    await feed.until((s) => s.deployment.label === label && s.deployment.status === 'ready', 30_000);
    await api(serving, 'POST', '/api/load', { endpoint: 'io', ms: 50, mode: 'closed', clients: 8, rate: 10, slowClients: 4 });
    // The slow clients connect at once; a tick later each worker has accepted one.
    await new Promise((r) => setTimeout(r, 1000));
    return feed.ticksFor(3);
  }

  it('shows 4 of 4 workers held on a bare sync pool, the ceiling at 0 req/s worked out with them', async () => {
    const ticks = await ticksWith4Slow(false);
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    // Every ~3 s the 4 trickles end together: the workers serve them (and the queued fast clients)
    // for a tick or two, and on a loaded machine the slow clients take a moment to be accepted again.
    const held = ticks.map((t) => t.held);
    const occupied = ticks.map((t) => t.held + t.busy);
    expect(held.filter((h) => h >= 3 && h <= 4).length, `held: ${held}`).toBeGreaterThanOrEqual(ticks.length / 2);
    // Held or serving, the pool is never left idle while the clients wait.
    expect(occupied.reduce((a, b) => a + b, 0) / ticks.length, `held + busy: ${occupied}`).toBeGreaterThanOrEqual(3);
    for (const t of ticks) {
      expect(t.held).toBe(t.workers.reduce((sum, w) => sum + w.held, 0));
      for (const w of t.workers) expect(w.held + w.busy).toBeLessThanOrEqual(1);
    }
    // The model is worked out with the workers held at that tick: one with all 4 held leaves none.
    const allHeld = ticks.find((t) => t.held === 4);
    expect(allHeld, `held: ${held}`).toBeDefined();
    expect(allHeld!.predictedRps).toBe(0);
    expect(allHeld!.modelWorking).toBe('min(8 clients, 4 workers − 4 held) / 0.050 s = 0 req/s');
  });

  it('shows none held behind nginx, where the pool serves the 8 clients at its ceiling', async () => {
    const ticks = await ticksWith4Slow(true);
    expect(ticks.map((t) => t.held)).toEqual(ticks.map(() => 0));
    const last = ticks.at(-1)!;
    expect(last.modelWorking).toBe('min(8 clients, 4 workers) / 0.050 s = 80 req/s');
    // Independent of the model: L = 8 clients in flight, served 4 at a time, each 50 ms.
    expect(last.rps).toBeGreaterThan(80 * 0.8);
    expect(last.errorsPerS).toBe(0);
  });
});
