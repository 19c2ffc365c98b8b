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

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', () => cluster.fork());
} else {
  // As `node PROGRAM` would see it: its own path in argv[1].
  process.argv = [process.argv[0]!, resolve(program), ...positionals.slice(1)];
  await import(pathToFileURL(resolve(program)).href);
}
