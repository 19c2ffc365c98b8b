import cluster from 'node:cluster';
import { createServer, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { createHandler, type WaitMode } from './app.js';

/**
 * Starts the Node app in one of three shapes:
 *   --mode blocking               one process whose handlers block (the single blocking worker)
 *   --mode blocking --workers W   a cluster primary forking W blocking workers (the pre-fork pool)
 *   --mode async                  one process, non-blocking handlers (the event loop)
 * No SIGTERM handler on purpose: the harness tears down the whole process group, and a server
 * under test that drains its queue first would only slow that down. SIGINT, which only pm2 sends
 * (reload, restart), drains it: see serve().
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
  const handle = createHandler(mode, workers === 0);
  const unanswered = new Set<ServerResponse>();
  let closing = false;
  const server = createServer((req, res) => {
    unanswered.add(res);
    res.on('close', () => unanswered.delete(res));
    if (closing) res.shouldKeepAlive = false;
    handle(req, res);
  });
  // pm2 asks an instance to stop with SIGINT, and SIGKILLs it only after its kill_timeout: a
  // server that stops accepting and answers what it holds (each last answer closing its
  // connection) is what pm2 reload's zero-downtime promise rests on. bench's own teardown sends
  // SIGTERM, which still ends it at once.
  process.once('SIGINT', () => {
    closing = true;
    for (const res of unanswered) if (!res.headersSent) res.shouldKeepAlive = false;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
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
