import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { findExecutable } from '../../harness/software.js';

/**
 * Debian's Chromium (`apt-get install chromium`, as scripts/install-servers.sh does), or one on
 * PATH: playwright-core downloads no browser of its own, so the page's tests drive this one.
 */
export function findChromium(): string | undefined {
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : findExecutable('chromium');
}

/** A headless Chromium for the page's tests; close it when done. */
export function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('chromium missing; install with: sudo apt-get install chromium');
  // Chromium's sandbox needs user namespaces or a setuid helper, which containers and CI's root lack.
  return chromium.launch({ executablePath, args: ['--no-sandbox'] });
}
