import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * node-cluster: runs a user's Node program in W cluster workers. The primary only supervises: it
 * forks the pool and respawns a worker that dies, like gunicorn's arbiter; each worker imports the
 * program, whose listen() on $HOST:$PORT the cluster module shares out between the workers.
 *
 *   cluster-host.js --workers W PROGRAM
 */
const { values, positionals } = parseArgs({ options: { workers: { type: 'string' } }, allowPositionals: true });
const workers = Number(values.workers);
const program = positionals[0];
if (!program || !(workers >= 1)) throw new Error('usage: cluster-host.js --workers W PROGRAM');

/** A program that dies this often this fast will not come up: stop, so readiness reports its crash. */
const MAX_DEATHS = 5;
const DEATH_WINDOW_MS = 10_000;

if (cluster.isPrimary) {
  const deaths: number[] = [];
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (_worker, code, signal) => {
    const now = Date.now();
    deaths.push(now);
    if (deaths.filter((t) => now - t < DEATH_WINDOW_MS).length >= MAX_DEATHS) {
      console.error(`node-cluster: ${MAX_DEATHS} workers died within ${DEATH_WINDOW_MS / 1000} s (the last: ${signal ?? `exit code ${code}`}); giving up on ${program}`);
      process.exit(1);
    }
    cluster.fork();
  });
} else {
  // As `node PROGRAM` would see it: its own path in argv[1].
  process.argv = [process.argv[0]!, resolve(program)];
  await import(pathToFileURL(resolve(program)).href);
}
