import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, whether this file runs from source or from dist/. */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
export const scenariosDir = join(projectRoot, 'scenarios');
/** Servers run compiled, so the code under test is the same whether bench runs from source or dist. */
export const nodeServerEntry = join(projectRoot, 'dist', 'servers', 'node', 'server.js');
/** The cluster primary bench wraps around a user's Node program (node-cluster). */
export const nodeClusterHostEntry = join(projectRoot, 'dist', 'servers', 'node', 'cluster-host.js');
export const pythonServersDir = join(projectRoot, 'servers', 'python');
/** The files the demo apps serve at /static/, and nginx too with `static: web-server`. */
export const staticFilesDir = join(projectRoot, 'servers', 'static');
/** The builtin load engine's process, compiled like the servers. */
export const builtinEngineEntry = join(projectRoot, 'dist', 'harness', 'load', 'builtin', 'child.js');
/** The same engine driving live load for `bench serve`. */
export const liveEngineEntry = join(projectRoot, 'dist', 'harness', 'load', 'builtin', 'live-child.js');
/** The watchdog that finishes bench's teardown when bench is killed (process/guardian.ts). */
export const guardianEntry = join(projectRoot, 'dist', 'harness', 'process', 'guardian-child.js');
/** The `bench serve` page, built by npm run build from web/. */
export const webDir = join(projectRoot, 'dist', 'web');
/** The locustfile every Locust master and worker bench starts runs (plain Python, not compiled). */
export const locustfile = join(projectRoot, 'harness', 'load', 'locust', 'bench_locustfile.py');
/** The Lua script wrk runs to report its latency distribution. */
export const wrkReportScript = join(projectRoot, 'harness', 'load', 'wrk', 'report.lua');
