import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunResults } from '../harness/results/types.js';
import { benchIn, workFolder } from './support/cli.js';
import { describeWithChromium, launchChromium } from './support/browser.js';
import { api, EventFeed, startServe, type Serving } from './support/serve.js';

const MS = 50;
/** Each setting is held this long: the 1 s settle, then a window of some 3 s. */
const HOLD_MS = 4000;

const load = (clients: number) => ({ endpoint: 'io', ms: MS, mode: 'closed', clients, rate: 10, slowClients: 0 });

describeWithChromium()('the handout of a bench serve session', () => {
  const dir = workFolder('serve-handout');
  let serving: Serving;
  let feed: EventFeed;
  let browser: Browser;
  let saved: string;
  let run: RunResults;

  async function deploy(kind: string, workers?: number): Promise<void> {
    expect((await api(serving, 'POST', '/api/deployment', { kind, nginx: false, ...(workers && { workers }) })).status).toBe(202);
    const state = await feed.until((s) => s.deployment.choice?.kind === kind && ['ready', 'failed'].includes(s.deployment.status), 30_000);
    expect(state.deployment.status, state.deployment.message).toBe('ready');
  }

  async function hold(clients: number): Promise<void> {
    expect((await api(serving, 'POST', '/api/load', load(clients))).status).toBe(202);
    await new Promise((r) => setTimeout(r, HOLD_MS));
  }

  beforeAll(async () => {
    serving = await startServe([], dir);
    feed = new EventFeed(serving);
    await feed.open();
    // Three settings, as a class would see them: one blocking worker alone, then queued, then a pool of four.
    await deploy('node-blocking');
    await hold(1);
    await hold(4);
    await deploy('node-prefork', 4);
    await hold(8);
    const answer = await api(serving, 'POST', '/api/save');
    expect(answer.status).toBe(200);
    saved = answer.json.dir;
    run = JSON.parse(readFileSync(join(saved, 'results.json'), 'utf8'));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    feed?.close();
    await browser?.close();
    if (serving?.child.exitCode === null) await serving.interrupt();
  });

  it('records the steps in the order held, each at the model and with L near λ×W', () => {
    const steps = run.steps!;
    expect(steps.map((s) => [s.deployment, s.load])).toEqual([
      ['node-blocking', '1 client'],
      ['node-blocking', '4 clients'],
      ['node-prefork ×4', '8 clients'],
    ]);
    expect(steps.map((s) => s.predictedRps)).toEqual([1000 / MS, 1000 / MS, (4 * 1000) / MS]);
    for (const step of steps) {
      expect(step.throughputRps / step.predictedRps!).toBeGreaterThan(0.85);
      expect(step.throughputRps / step.predictedRps!).toBeLessThan(1.1);
      // L is what the generator counted in flight; λ×W comes from the answers alone.
      expect(step.inFlight / step.littleL!).toBeGreaterThan(0.8);
      expect(step.inFlight / step.littleL!).toBeLessThan(1.25);
    }
    expect(steps[1]!.inFlight).toBeGreaterThan(3.5);
    expect(steps[1]!.busy).toBeCloseTo(1, 0);
    expect(steps[2]!.busy).toBeGreaterThan(3);
    expect(steps.map((s) => s.note.split(':')[0])).toEqual(['below the ceiling', 'at the ceiling', 'at the ceiling']);
    expect(steps.map((s) => s.t)).toEqual([...steps.map((s) => s.t)].sort((a, b) => a - b));
  });

  it('opens report.html with the steps in order, each with its figures, in Chromium', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`file://${join(saved, 'report.html')}`);
    const handout = page.locator('section.handout');
    await expect(handout.locator('h2').textContent()).resolves.toBe('The session, step by step');
    const headers = await handout.locator('thead th').allTextContents();
    const rows = await handout.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const cell = (row: string[], header: string) => row[headers.indexOf(header)]!;
    expect(rows.map((row) => [cell(row, 'step'), cell(row, 'deployment'), cell(row, 'load')])).toEqual([
      ['1', 'node-blocking', `/io?ms=${MS}, 1 client`],
      ['2', 'node-blocking', `/io?ms=${MS}, 4 clients`],
      ['3', 'node-prefork ×4', `/io?ms=${MS}, 8 clients`],
    ]);
    for (const [i, row] of rows.entries()) {
      const step = run.steps![i]!;
      // The cell rounds to tenths: 19.05 shows as 19.1, half a tenth off (toBeCloseTo's 1 digit fails there).
      expect(Math.abs(Number(cell(row, 'served (req/s)')) - step.throughputRps)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(Number(cell(row, 'in flight (L)')) / Number(cell(row, 'λ × W'))).toBeGreaterThan(0.8);
      expect(Number(cell(row, 'in flight (L)')) / Number(cell(row, 'λ × W'))).toBeLessThan(1.25);
      expect(cell(row, 'what it shows')).toBe(step.note);
    }
    // The handout comes before anything an engineer reads.
    const order = await page.locator('main > section, main > h2').evaluateAll((els) => els.map((el) => el.className || el.textContent));
    expect(order[0]).toBe('handout');
    await page.screenshot({ path: join(saved, 'handout.png'), fullPage: false });
    await page.close();
  });

  it('is the same after bench report regenerates it from results.json', () => {
    const section = (html: string) => html.slice(html.indexOf('<section class="handout">'), html.indexOf('</section>', html.indexOf('<section class="handout">')));
    const before = section(readFileSync(join(saved, 'report.html'), 'utf8'));
    const report = benchIn(dir)('report', saved);
    expect(report.code, report.stderr).toBe(0);
    expect(section(readFileSync(join(saved, 'report.html'), 'utf8'))).toBe(before);
    expect(before).toContain('L = λ × W');
  });
});
