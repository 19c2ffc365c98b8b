#!/usr/bin/env node
// Takes docs/serve.png again: a 1280×800 screenshot of a real `bench serve` session, the one
// docs/workshop.md describes (/io?ms=50: node-blocking at 1, 2, 4 and 8 clients, then node-prefork
// ×4 at 8 and 16). Run by scripts/readme-figures.sh; needs Debian's chromium, which
// playwright-core (a dev dependency) drives, and the compiled CLI (npm run build).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs', 'serve.png');
const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (!executablePath) {
  console.error('serve-figure: chromium is missing; install it with: sudo apt-get install chromium (or bench install-servers)');
  process.exit(2);
}
// Each step holds long enough for the page's 2 s tiles to settle and the minute-long charts to show it.
const STEP_MS = 6000;

const serve = spawn(process.execPath, [join(root, 'bin', 'bench.js'), 'serve'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
const exited = new Promise((resolve) => serve.on('exit', resolve));
const url = await new Promise((resolve, reject) => {
  let out = '';
  serve.stdout.on('data', (chunk) => {
    out += chunk.toString();
    const found = /open (http:\/\/\S+)/.exec(out);
    if (found) resolve(found[1]);
  });
  serve.on('exit', (code) => reject(new Error(`bench serve exited (${code}) before printing its URL`)));
});

// Chromium's sandbox needs user namespaces or a setuid helper, which containers and root lack.
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  const deploy = async (kind, workers) => {
    await page.selectOption('#kind', kind);
    if (workers) await page.fill('#workers', String(workers));
    await page.click('#start-deployment');
    await page.waitForFunction(() => document.querySelector('#deployment-status')?.textContent === 'ready', undefined, { timeout: 60_000 });
  };
  const clients = async (n) => {
    await page.locator('#clients').fill(String(n));
    await page.waitForTimeout(STEP_MS);
  };

  await deploy('node-blocking');
  await page.selectOption('#endpoint', 'io');
  await page.fill('#ms', '50');
  await page.locator('#clients').fill('1');
  await page.click('#start-load');
  await page.waitForTimeout(STEP_MS);
  for (const n of [2, 4, 8]) await clients(n);
  await deploy('node-prefork', 4);
  if (await page.locator('#start-load').isEnabled()) await page.click('#start-load');
  await page.waitForTimeout(STEP_MS);
  await clients(16);
  await page.screenshot({ path: target });
  console.log(`drew ${target}`);
} finally {
  await browser.close();
  serve.kill('SIGINT');
  await exited;
}
