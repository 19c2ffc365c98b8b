import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { createHandler, type WaitMode } from './app.js';

/**
 * Starts the Node app in one of three shapes:
 *   --mode blocking               one process whose handlers block (the single blocking worker)
 *   --mode blocking --workers W   a cluster primary forking W blocking workers (the pre-fork pool)
 *   --mode async                  one process, non-blocking handlers (the event loop)
 * No SIGTERM handler on purpose: the harness tears down the whole process group, and a server
 * under test that drains its queue first would only slow that down.
 */
const { values } = parseArgs({
  // pm2's cluster mode starts each instance with its God's own arguments (pm2-runtime's process file) before the script's.
  allowPositionals: true,
  options: {
    mode: { type: 'string', default: 'async' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    workers: { type: 'string', default: '0' },
  },
});

const mode = values.mode as WaitMode;
if (mode !== 'blocking' && mode !== 'async') throw new Error(`--mode must be blocking or async, got ${values.mode}`);
const port = Number(values.port);
const workers = Number(values.workers);

function serve(): void {
  const server = createServer(createHandler(mode, workers === 0));
  // A keep-alive timeout longer than any queueing delay the harness creates, so that a connection
  // waiting behind a blocked worker is not closed under the client.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  server.requestTimeout = 0;
  server.listen(port, values.host);
}

if (workers > 0 && cluster.isPrimary) {
  // The primary only supervises: it forks the pool and respawns a worker that dies, like
  // gunicorn's arbiter. Connections are dealt to workers round-robin by the primary.
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', () => cluster.fork());
} else {
  serve();
}
