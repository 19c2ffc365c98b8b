import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_PYTHON, fastapi } from '../../harness/software/catalog.js';

export { fastapi };

/** What the app is, to name it to bench: `--app main:app --app-dir DIR --python PYTHON --health /health`. */
export interface FastApiApp {
  dir: string;
  target: 'main:app';
  python: string;
  health: '/health';
}

/**
 * A user's FastAPI app, as a new user writes one, in `dir` (made if missing), not in bench's
 * repository. Each route waits `ms` milliseconds (query `?ms=N`) in one of the three ways an ASGI
 * app can:
 *   GET /async     `async def`, awaiting asyncio.sleep: the loop serves others meanwhile;
 *   GET /blocking  `async def`, calling time.sleep: the loop stops for the wait;
 *   GET /sync      plain `def`, calling time.sleep: FastAPI runs it in anyio's thread pool (40 tokens);
 *   GET /health    the readiness path.
 * `threadPool` sets the pool's size at startup (anyio's limiter is per event loop, so no earlier).
 */
export function writeFastApiApp(dir: string, options: { threadPool?: number } = {}): FastApiApp {
  mkdirSync(dir, { recursive: true });
  const startup = options.threadPool === undefined
    ? ''
    : [
        '',
        '@app.on_event("startup")',
        'async def size_the_thread_pool():',
        `    anyio.to_thread.current_default_thread_limiter().total_tokens = ${options.threadPool}`,
        '',
      ].join('\n');
  writeFileSync(
    join(dir, 'main.py'),
    [
      'import asyncio',
      'import time',
      '',
      'import anyio.to_thread',
      'from fastapi import FastAPI',
      '',
      'app = FastAPI()',
      startup,
      '',
      '@app.get("/health")',
      'async def health():',
      '    return {"ok": True}',
      '',
      '',
      '@app.get("/async")',
      'async def awaited(ms: float = 50):',
      '    await asyncio.sleep(ms / 1000)',
      '    return {"waited": ms}',
      '',
      '',
      '@app.get("/blocking")',
      'async def blocking(ms: float = 50):',
      '    time.sleep(ms / 1000)',
      '    return {"waited": ms}',
      '',
      '',
      '@app.get("/sync")',
      'def in_the_pool(ms: float = 50):',
      '    time.sleep(ms / 1000)',
      '    return {"waited": ms}',
      '',
    ].join('\n'),
  );
  return { dir, target: 'main:app', python: DEBIAN_PYTHON, health: '/health' };
}
