import { chromium, type Browser } from 'playwright-core';
import { describe } from 'vitest';
import { findExecutable } from '../../harness/software/catalog.js';

/**
 * Debian's Chromium (`apt-get install chromium`, as scripts/install-servers.sh does), or one on
 * PATH: playwright-core downloads no browser of its own, so the page's tests drive this one.
 */
export function findChromium(): string | undefined {
  return findExecutable('chromium');
}

/** A headless Chromium for the page's tests; close it when done. */
export function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('chromium missing; install with: sudo apt-get install chromium');
  // Chromium's sandbox needs user namespaces or a setuid helper, which containers and CI's root lack.
  return chromium.launch({ executablePath, args: ['--no-sandbox'] });
}

const INSTALL = 'sudo apt-get install chromium (or npm run install-servers)';

/** Skipped without Chromium, saying how to get it; under CI=true, where CI installs it, that is a failure. */
export function describeWithChromium(): typeof describe {
  if (findChromium()) return describe;
  if (process.env.CI === 'true') throw new Error(`CI=true and chromium is missing; install with: ${INSTALL}`);
  console.warn(`skipping the browser tests: chromium is missing; install with: ${INSTALL}`);
  return describe.skip;
}
