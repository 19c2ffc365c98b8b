import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { findChromium } from './support/browser.js';
import { serveForFile } from './support/serve-fixture.js';
import { findExecutable } from '../harness/software/catalog.js';

const CHROMIUM = 'sudo apt-get install chromium (or npm run install-servers)';
const GUNICORN = 'sudo apt-get install gunicorn python3-flask (or npm run install-servers)';
/** Where the lead looks at the page as the room sees it; test-output/ is not committed. */
const SCREENSHOT = resolve('test-output/serve-1280x800.png');

/** Skipped without Chromium or gunicorn, saying how to get them; under CI=true, where CI installs them, that is a failure. */
function describeWithSoftware(): typeof describe {
  const missing = [!findChromium() && CHROMIUM, !findExecutable('gunicorn') && GUNICORN].filter(Boolean);
  if (missing.length === 0) return describe;
  if (process.env.CI === 'true') throw new Error(`CI=true and software is missing; install with: ${missing.join('; ')}`);
  console.warn(`skipping the page's browser tests; install with: ${missing.join('; ')}`);
  return describe.skip;
}

interface Box {
  n: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

describeWithSoftware()('the workshop page in a real browser at 1280×800', () => {
  const fixture = serveForFile('serve-page', { page: true });
  let page: Page;
  beforeAll(() => void ({ page } = fixture));

  it('says what to do first before any deployment, in place of empty charts', async () => {
    await expect.poll(() => page.locator('#empty-state').textContent(), { timeout: 5000 }).toContain('Start deployment');
    expect(await page.locator('#empty-state').isVisible()).toBe(true);
  });

  it('works out the model on screen, ending on the ceiling tile’s figure', async () => {
    await page.selectOption('#kind', 'gunicorn-sync');
    await page.fill('#workers', '4');
    await page.click('#start-deployment');
    await page.waitForFunction(() => document.querySelector('#deployment-status')?.textContent === 'ready', undefined, { timeout: 30_000 });
    await page.selectOption('#endpoint', 'io');
    await page.fill('#ms', '50');
    await page.locator('#clients').fill('8');
    await page.click('#start-load');
    await expect.poll(() => page.locator('#model-working').textContent(), { timeout: 5000 }).toMatch(/= [\d.]+ req\/s$/);
    const working = (await page.locator('#model-working').textContent())!;
    const result = Number(/= ([\d.]+) req\/s$/.exec(working)![1]);
    // min(8 clients, 4 workers) / 0.050 s
    expect(result).toBe(80);
    expect(Number(await page.locator('#predicted').textContent())).toBe(result);
    expect(await page.locator('#empty-state').isVisible()).toBe(false);
  });

  it('hides the measured figures and lines in predict mode, and reveals them', async () => {
    await expect.poll(async () => Number(await page.locator('#throughput').textContent()), { timeout: 5000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#cpu').textContent(), { timeout: 5000 }).toMatch(/^\d+% of \d+ cores?$/);
    // The machine's CPU beside it: what was left for the server, with the generator and the browser on the same cores.
    expect(await page.locator('#machine-cpu').textContent()).toMatch(/^\d+%$/);
    await page.click('#predict');
    expect(await page.locator('#throughput').isVisible()).toBe(false);
    expect(await page.locator('#p99').isVisible()).toBe(false);
    expect(await page.locator('#predicted').isVisible()).toBe(false);
    const hiddenLines = () =>
      page.evaluate(() =>
        ['chart-throughput', 'chart-latency', 'chart-queue'].flatMap((id) =>
          Chart.getChart(id)!.data.datasets.filter((d) => d.hidden).map((d) => `${id}:${d.label}`),
        ),
      );
    expect(await hiddenLines()).toEqual(['chart-throughput:served', 'chart-throughput:ceiling', 'chart-throughput:errors', 'chart-latency:p50', 'chart-latency:p99', 'chart-queue:L', 'chart-queue:busy']);
    await page.click('#predict');
    expect(await page.locator('#throughput').isVisible()).toBe(true);
    expect(Number(await page.locator('#throughput').textContent())).toBeGreaterThan(0);
    expect(await hiddenLines()).toEqual([]);
  });

  it('shows 4 slow clients on bare gunicorn-sync ×4 as 4 held workers, and the ceiling as a sentence', async () => {
    await page.locator('#slow-clients').fill('4');
    await expect.poll(() => page.locator('#held-note').textContent(), { timeout: 8000 }).toBe('4 of 4 held reading slow requests');
    expect(await page.locator('#workers-view .worker-box.held').count()).toBe(4);
    expect(await page.locator('#busy').textContent()).toMatch(/^4\s*of\s*4$/);
    await expect.poll(() => page.locator('#ceiling-sentence').textContent()).toMatch(/^No ceiling left: slow clients hold all 4 workers/);
    expect(await page.locator('#predicted').isVisible()).toBe(false);
    // Waiting is L minus the workers serving: its line names that count, not the 4 the busy tile reads.
    const waitingNamesServing = () =>
      page.evaluate(() => {
        const serving = /^(\S+) serving/.exec(document.getElementById('busy-meaning')!.textContent!)?.[1];
        return document.getElementById('waiting-meaning')!.textContent === `queued for a worker: L − ${serving} serving`;
      });
    await expect.poll(waitingNamesServing, { timeout: 3000 }).toBe(true);
    // Predict hides the lines that carry measured counts ("0 serving, 4 held"), as it hides the figures.
    await page.click('#predict');
    expect(await page.locator('#busy-meaning').isVisible()).toBe(false);
    expect(await page.locator('#waiting-meaning').isVisible()).toBe(false);
    expect(await page.locator('#in-flight').locator('xpath=following-sibling::div[@class="meaning"]').isVisible()).toBe(true);
    await page.click('#predict');
    expect(await page.locator('#busy-meaning').isVisible()).toBe(true);
  });

  it('keeps labels at 16 px or more and figures at 32 px or more, times past a second in seconds', async () => {
    const sizes = await page.evaluate(() => {
      const px = (selector: string) =>
        [...document.querySelectorAll<HTMLElement>(selector)].filter((e) => e.offsetParent !== null).map((e) => ({ selector, text: e.textContent ?? '', size: parseFloat(getComputedStyle(e).fontSize) }));
      const legends = ['chart-throughput', 'chart-latency', 'chart-queue'].map((id) => Chart.getChart(id)!.options.plugins!.legend!.labels!.font);
      return {
        labels: px('.live .label, .live .meaning, .live .sub, figcaption, #marker-legend li, #held-note, .worker-pid, .ceiling-sentence, #clients-presets button'),
        presetsSpilling: [...document.querySelectorAll<HTMLElement>('#clients-presets button')].filter((b) => b.scrollWidth > b.clientWidth).map((b) => b.textContent),
        figures: px('.live .value'),
        legends: legends.map((font) => (font && 'size' in font ? Number(font.size) : 0)),
      };
    });
    expect(sizes.labels.length).toBeGreaterThan(15);
    for (const label of sizes.labels) expect(label.size, `${label.selector} "${label.text}"`).toBeGreaterThanOrEqual(16);
    expect(sizes.presetsSpilling).toEqual([]);
    // The ceiling is a sentence now, not a figure: all 4 workers are held.
    expect(sizes.figures.length).toBe(8);
    for (const figure of sizes.figures) expect(figure.size, `${figure.selector} "${figure.text}"`).toBeGreaterThanOrEqual(32);
    expect(sizes.legends).toEqual([16, 16, 16]);
    for (const id of ['p50', 'p99']) {
      const unit = await page.locator(`#${id}-unit`).textContent();
      const value = Number(await page.locator(`#${id}`).textContent());
      if (unit === 'ms') expect(value).toBeLessThan(1000);
      else expect(unit).toBe('s');
    }
  });

  it('numbers the change markers without overlapping boxes and names the deployment and load under the charts', async () => {
    for (const clients of ['2', '16', '8']) {
      await page.locator('#clients').fill(clients);
      await page.waitForTimeout(300);
    }
    await expect.poll(() => page.locator('#marker-legend li').allTextContents()).toContainEqual(expect.stringContaining('gunicorn-sync ×4 · /io?ms=50, 8 clients, 4 slow'));
    await page.waitForTimeout(600);
    for (const id of ['chart-throughput', 'chart-latency', 'chart-queue']) {
      const { boxes, width } = await page.evaluate((canvasId) => {
        const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
        return { boxes: JSON.parse(canvas.dataset.markerBoxes ?? '[]') as Box[], width: canvas.clientWidth };
      }, id);
      // Four changes within 2 s near the axis's left edge: at least two rows of badges fit there.
      expect(boxes.length, id).toBeGreaterThanOrEqual(2);
      for (const a of boxes) {
        expect(a.left).toBeGreaterThanOrEqual(0);
        expect(a.right).toBeLessThanOrEqual(width);
        for (const b of boxes) {
          if (a === b) continue;
          const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
          expect(overlap, `${id}: markers ${a.n} and ${b.n}`).toBe(false);
        }
      }
    }
    mkdirSync(resolve('test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });
});
