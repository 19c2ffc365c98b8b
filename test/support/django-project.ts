import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { DEBIAN_PYTHON } from '../../harness/software/catalog.js';

/**
 * A Django project as its owner makes one, `python3 -m django startproject mysite DIR` (DIR made
 * if missing), with two views that wait `?ms=N` (50 by default), as a view waiting on a database
 * or a remote API would:
 *   GET /slow     a plain def calling time.sleep;
 *   GET /awaited  an async def awaiting asyncio.sleep.
 * Its settings are mysite.settings, which mysite/wsgi.py and mysite/asgi.py name themselves.
 */
export function writeDjangoProject(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const made = spawnSync(DEBIAN_PYTHON, ['-m', 'django', 'startproject', 'mysite', dir], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  writeFileSync(
    join(dir, 'mysite', 'views.py'),
    [
      'import asyncio',
      'import time',
      '',
      'from django.http import HttpResponse',
      '',
      '',
      'def slow(request):',
      "    time.sleep(int(request.GET.get('ms', '50')) / 1000)",
      "    return HttpResponse('ok')",
      '',
      '',
      'async def awaited(request):',
      "    await asyncio.sleep(int(request.GET.get('ms', '50')) / 1000)",
      "    return HttpResponse('ok')",
      '',
    ].join('\n'),
  );
  appendFileSync(join(dir, 'mysite', 'urls.py'), "\nfrom . import views\nurlpatterns += [path('slow', views.slow), path('awaited', views.awaited)]\n");
}
