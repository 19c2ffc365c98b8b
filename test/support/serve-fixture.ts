import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser.js';
import { workFolder } from './cli.js';
import { EventFeed, startServe, type Serving } from './serve.js';

/** What a test file opens on its one `bench serve`: filled in before its first test. */
export interface ServeFixture {
  dir: string;
  serving: Serving;
  /** The event stream, read as the page reads it. */
  feed: EventFeed;
  /** A Chromium page on the URL bench printed, at the projector's 1280×800 (when asked for). */
  page: Page;
  browser: Browser | undefined;
}

/**
 * One `bench serve` for a test file (in a work folder named `name`), with its event stream open and,
 * with `page`, a real browser on it; everything is stopped after the file's tests.
 */
export function serveForFile(name: string, options: { page?: boolean } = {}): ServeFixture {
  const fixture = { dir: workFolder(name), browser: undefined } as ServeFixture;
  beforeAll(async () => {
    fixture.serving = await startServe([], fixture.dir);
    fixture.feed = new EventFeed(fixture.serving);
    await fixture.feed.open();
    if (!options.page) return;
    fixture.browser = await launchChromium();
    fixture.page = await fixture.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await fixture.page.goto(fixture.serving.url);
  });
  afterAll(async () => {
    fixture.feed?.close();
    await fixture.browser?.close();
    if (fixture.serving?.child.exitCode === null) await fixture.serving.interrupt();
  });
  return fixture;
}
