import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What `npm run build` reads: a change to any of these (a folder's own time changes when a file in it is added or removed) calls for a new build. */
const SOURCES = ['harness', 'servers', 'reports', 'web', 'scripts/copy-web.mjs', 'package.json', 'tsconfig.json'];

/** The build's last output: scripts/copy-web.mjs copies the page's files into dist/web/ after both compilers have run. */
const LAST_OUTPUT = join('dist', 'web', 'index.html');

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).filter((name) => name !== '__pycache__').map((name) => newestChange(join(path, name))));
}

function builtAfterEverySource(): boolean {
  try {
    return statSync(LAST_OUTPUT).mtimeMs > Math.max(...SOURCES.map(newestChange));
  } catch {
    return false;
  }
}

/**
 * `npm run build` itself, so the tests run what users get: the Node code and bench serve's page
 * (web/). Skipped when dist/ was built after every source changed, as on a fresh clone, where
 * `npm ci` has just built it (its prepare script): the same build again would cost half a minute.
 */
export default function build(): void {
  if (builtAfterEverySource()) {
    process.stdout.write('dist/ was built after every source changed: not built again\n');
    return;
  }
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
