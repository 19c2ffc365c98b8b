import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { benchIn } from './support/cli.js';
import { describeWithChromium } from './support/browser.js';
import { serveForFile } from './support/serve-fixture.js';

const MS = 100;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** What the page shows, read the way a person in the room reads it: the throughput figure, a few times over the next seconds. */
async function shownThroughput(page: Page, seconds: number): Promise<number> {
  const seen: number[] = [];
  for (let i = 0; i < seconds * 2; i++) {
    await page.waitForTimeout(500);
    seen.push(Number(await page.locator('#throughput').textContent()));
  }
  return median(seen);
}

async function startDeployment(page: Page, kind: string, workers?: number): Promise<void> {
  await page.selectOption('#kind', kind);
  if (workers !== undefined) await page.fill('#workers', String(workers));
  await page.click('#start-deployment');
  await page.waitForFunction(() => document.querySelector('#deployment-status')?.textContent === 'ready', undefined, { timeout: 30_000 });
}

describeWithChromium()('bench serve in a real browser', () => {
  const fixture = serveForFile('serve-browser', { page: true });
  const dir = fixture.dir;
  let page: Page;
  beforeAll(() => void ({ page } = fixture));

  it('shows one blocking worker settle at 1000/d with 1 of 1 busy at 8 clients', async () => {
    await startDeployment(page, 'node-blocking');
    await page.selectOption('#endpoint', 'io');
    await page.fill('#ms', String(MS));
    await page.locator('#clients').fill('8');
    await page.click('#start-load');
    await page.waitForTimeout(3000);
    const rps = await shownThroughput(page, 3);
    expect(rps / (1000 / MS)).toBeGreaterThan(0.9);
    expect(rps / (1000 / MS)).toBeLessThan(1.1);
    await expect.poll(() => page.locator('#busy').textContent()).toMatch(/^1\s*of\s*1$/);
    expect(await page.locator('#workers-view .worker-box').count()).toBe(1);
    expect(await page.locator('#workers-view .worker-box.busy').count()).toBe(1);
  });

  it('switches to a pre-fork pool of 4 and settles at W·1000/d with 4 of 4 busy', async () => {
    await startDeployment(page, 'node-prefork', 4);
    await page.waitForTimeout(3500);
    const rps = await shownThroughput(page, 3);
    expect(rps / ((4 * 1000) / MS)).toBeGreaterThan(0.9);
    expect(rps / ((4 * 1000) / MS)).toBeLessThan(1.1);
    await expect.poll(() => page.locator('#busy').textContent()).toMatch(/^4\s*of\s*4$/);
    expect(await page.locator('#workers-view .worker-box').count()).toBe(4);
    await expect.poll(() => page.locator('#workers-view .worker-box.busy').count()).toBe(4);
    await page.screenshot({ path: join(dir, 'serve.png') });
    expect(readFileSync(join(dir, 'serve.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('saves a run that bench report accepts', async () => {
    await page.click('#save');
    await page.waitForFunction(() => (document.querySelector('#saved-dir')?.textContent ?? '') !== '', undefined, { timeout: 30_000 });
    const saved = (await page.locator('#saved-dir').textContent())!;
    const run = JSON.parse(readFileSync(join(saved, 'results.json'), 'utf8'));
    expect(run.results.map((r: { deployment: string }) => r.deployment)).toEqual(['node-blocking', 'node-prefork ×4']);
    const report = benchIn(dir)('report', saved);
    expect(report.code, report.stderr).toBe(0);
  });
});
