import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { childrenOf } from '../harness/process/procfs.js';
import type { LiveTick } from '../harness/serve/protocol.js';
import { describeWithChromium } from './support/browser.js';
import type { EventFeed, Serving } from './support/serve.js';
import { serveForFile } from './support/serve-fixture.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The generator's own figures once a setting has settled: the live window (2 s) then holds only its answers. */
async function settled(feed: EventFeed): Promise<{ inFlight: number; rps: number }> {
  await new Promise((r) => setTimeout(r, 3500));
  const ticks = await feed.ticksFor(2);
  return { inFlight: median(ticks.map((t) => t.inFlight)), rps: median(ticks.map((t) => t.rps)) };
}

function descendants(pid: number): number[] {
  const children = childrenOf(pid).map((p) => p.pid);
  return [...children, ...children.flatMap(descendants)];
}

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** SIGKILLs the processes under `root` whose command line has these words in a row, as soon as they appear; resolves to how many. */
async function killOnSight(root: number, words: string[]): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const found = descendants(root).filter((pid) => commandLine(pid).join(' ').includes(words.join(' ')));
    if (found.length > 0) {
      for (const pid of found) process.kill(pid, 'SIGKILL');
      return found.length;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return 0;
}

const reason = (page: Page, button: string) => page.locator(`#${button}-reason`);

describeWithChromium()('the live page and the session agree on what runs', () => {
  const fixture = serveForFile('serve-state-browser', { page: true });
  let serving: Serving;
  let feed: EventFeed;
  let page: Page;
  beforeAll(() => void ({ serving, feed, page } = fixture));

  it('disables Start load and Stop load, each with its reason on the page, before a deployment runs', async () => {
    // The first state comes with the page's event stream, after its scripts load; the page's own HTML has no title.
    await expect.poll(() => page.getAttribute('#start-load', 'title'), { timeout: 10_000 }).toBe('start a deployment first');
    expect(await reason(page, 'start-load').textContent()).toBe('Start load: start a deployment first');
    expect(await page.locator('#start-load').isDisabled()).toBe(true);
    expect(await reason(page, 'stop-load').textContent()).toBe('Stop load: no load is running');
    expect(await page.locator('#stop-load').isDisabled()).toBe(true);
    expect(await page.locator('#start-deployment').isDisabled()).toBe(false);
    expect(await reason(page, 'start-deployment').isHidden()).toBe(true);
  });

  it('says the load is running where Start load was, once it runs', async () => {
    await page.selectOption('#kind', 'node-blocking');
    await page.click('#start-deployment');
    await page.waitForFunction(() => document.querySelector('#deployment-status')?.textContent === 'ready', undefined, { timeout: 30_000 });
    await page.selectOption('#endpoint', 'io');
    await page.fill('#ms', '100');
    await page.locator('#clients').fill('8');
    await page.click('#start-load');
    await feed.until((s) => s.loadStatus === 'running' && s.load?.clients === 8, 10_000);
    await expect.poll(() => reason(page, 'start-load').textContent()).toBe('Start load: the load is running; edits apply as you make them');
    expect(await page.locator('#start-load').isDisabled()).toBe(true);
    expect(await page.locator('#stop-load').isDisabled()).toBe(false);
  });

  it('runs on the new deployment the edits made just before and during its start', async () => {
    await page.selectOption('#kind', 'node-prefork');
    await page.fill('#workers', '2');
    // Within the form's 200 ms debounce: the click must send this edit first.
    await page.click('#clients-presets button:text-is("4")');
    await page.click('#start-deployment');
    await page.waitForFunction(() => /is starting/.test(document.querySelector('#start-deployment-reason')?.textContent ?? ''), undefined, {
      polling: 'raf',
      timeout: 10_000,
    });
    expect(await page.locator('#start-deployment').isDisabled()).toBe(true);
    await page.fill('#ms', '50');
    const ready = await feed.until((s) => s.deployment.label === 'node-prefork ×2' && s.deployment.status === 'ready' && s.loadStatus === 'running', 30_000);
    expect(ready.load).toMatchObject({ endpoint: 'io', ms: 50, clients: 4 });
    // The ms edit really waited for the start, rather than landing after it.
    expect(feed.states.some((s) => s.deployment.status === 'starting' && s.loadStatus === 'queued' && s.load?.ms === 50)).toBe(true);
    expect(await page.inputValue('#clients')).toBe('4');
    expect(await page.inputValue('#ms')).toBe('50');
    // What the generator measures, not what the form says: 4 clients in a closed loop keep 4 in flight, and 2 workers at 50 ms serve 40 req/s (the old load: 8 and 10).
    const { inFlight, rps } = await settled(feed);
    expect(inFlight).toBeGreaterThan(3.5);
    expect(inFlight).toBeLessThan(4.5);
    expect(rps / 40).toBeGreaterThan(0.85);
    expect(rps / 40).toBeLessThan(1.15);
  });

  it('opens a second tab on the deployment and load running, and shows in the first the load the second set', async () => {
    const other = await fixture.browser!.newPage({ viewport: { width: 1280, height: 800 } });
    await other.goto(serving.url);
    await expect.poll(() => other.inputValue('#clients')).toBe('4');
    expect(await other.inputValue('#ms')).toBe('50');
    expect(await other.inputValue('#kind')).toBe('node-prefork');
    expect(await other.inputValue('#workers')).toBe('2');
    await other.click('#clients-presets button:text-is("1")');
    await expect.poll(() => page.inputValue('#clients')).toBe('1');
    expect(await page.locator('#clients-value').textContent()).toBe('1');
    await feed.until((s) => s.loadStatus === 'running' && s.load?.clients === 1, 10_000);
    const { inFlight, rps } = await settled(feed);
    expect(inFlight).toBeGreaterThan(0.8);
    expect(inFlight).toBeLessThan(1.2);
    expect(rps / 20).toBeGreaterThan(0.85);
    expect(rps / 20).toBeLessThan(1.15);
    await other.close();
  });

  it('draws the lines of before a reload again after it, from the ticks the session sent', async () => {
    const sent = new Map(feed.ticks.map((tick: LiveTick) => [tick.t, tick.rps]));
    const reloadedAt = feed.ticks.at(-1)!.t;
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#deployment-status')?.textContent === 'ready');
    const drawn = await page.evaluate((before) => {
      const chart = Chart.getChart('chart-throughput')!;
      return (chart.data.datasets[0]!.data as { x: number; y: number }[]).filter((p) => p.x <= before);
    }, reloadedAt);
    // The session has served well over 10 s of ticks, twice a second.
    expect(drawn.length).toBeGreaterThan(20);
    const matched = drawn.filter((p) => sent.has(p.x));
    expect(matched.length).toBeGreaterThan(drawn.length - 3);
    for (const p of matched) expect(p.y).toBe(sent.get(p.x));
  });

  it('says so beside the load buttons when the deployment a load waits for fails to start', async () => {
    await page.selectOption('#kind', 'node-prefork');
    await page.fill('#workers', '3');
    await page.click('#start-deployment');
    // Killed as it starts: a start that really fails, as one whose app crashes would.
    expect(await killOnSight(serving.child.pid!, ['--workers', '3'])).toBeGreaterThan(0);
    const failed = await feed.until((s) => s.deployment.status === 'failed' || s.deployment.status === 'ready', 30_000);
    expect(failed.deployment).toMatchObject({ label: 'node-prefork ×3', status: 'failed' });
    const said = 'the load (/io?ms=50, 1 client) did not run: node-prefork ×3 failed to start';
    expect(failed).toMatchObject({ load: null, loadStatus: null, loadMessage: said });
    await expect.poll(() => page.locator('#load-message').textContent()).toBe(said);
    expect(await reason(page, 'start-load').textContent()).toBe('Start load: node-prefork ×3 failed; start a deployment first');
    expect(await page.locator('#start-deployment').isDisabled()).toBe(false);
  });

  it('runs an edit made while Start load is being answered, rather than putting the form back', async () => {
    await page.selectOption('#kind', 'node-blocking');
    await page.click('#start-deployment');
    await feed.until((s) => s.deployment.label === 'node-blocking' && s.deployment.status === 'ready', 30_000);
    await expect.poll(() => page.locator('#start-load').isDisabled()).toBe(false);
    await page.click('#clients-presets button:text-is("2")');
    // The click and the edit in one task of the page: the edit comes before Start load's answer.
    await page.evaluate(() => {
      document.getElementById('start-load')!.click();
      const clients = document.getElementById('clients') as HTMLInputElement;
      clients.value = '3';
      clients.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await feed.until((s) => s.loadStatus === 'running' && s.load?.clients === 3, 10_000);
    expect(await page.inputValue('#clients')).toBe('3');
  });

  it('shows no ceiling for a deployment that died under its load, and its refused connections within their tile', async () => {
    expect(await killOnSight(serving.child.pid!, ['--mode', 'blocking'])).toBeGreaterThan(0);
    await feed.until((s) => s.deployment.status === 'failed', 10_000);
    const [tick] = await feed.ticksFor(1);
    expect(tick).toMatchObject({ predictedRps: null, modelWorking: 'no ceiling: node-blocking is not running' });
    await expect.poll(() => page.locator('#model-working').textContent()).toBe('no ceiling: node-blocking is not running');
    expect(await page.locator('#predicted').textContent()).toBe('—');
    await expect.poll(() => page.locator('#errors-detail [data-kind="refused"]').isVisible()).toBe(true);
    // A client that finds nothing listening fails thousands of times a second: the figure stays inside its tile.
    const overflow = await page.locator('.tile.errors').evaluate((tile) => tile.scrollWidth - tile.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
