import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The app under test: the same endpoints and bodies in every deployment (the Python app mirrors it).
 *   GET /io?ms=N   waits N ms the way blocking I/O would
 *   GET /cpu?ms=N  burns CPU for N ms
 *   GET /hello     answers at once
 *   GET /health    readiness
 * `blocking` decides how /io waits: a blocked thread (like time.sleep in a sync Flask view) or an
 * awaited timer (an event loop that keeps serving while it waits).
 */
export type WaitMode = 'blocking' | 'async';

const MAX_MS = 60_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the whole thread, event loop included, for `ms` milliseconds. */
function blockFor(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x = (x + Math.sqrt(x + 1)) % 1e6;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-worker-pid': String(process.pid),
  });
  res.end(text);
}

function parseMs(url: URL): number | string {
  const raw = url.searchParams.get('ms') ?? '0';
  const ms = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || ms > MAX_MS) return `ms must be a number from 0 to ${MAX_MS}, got "${raw}"`;
  return ms;
}

export function createHandler(mode: WaitMode) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return send(res, 405, { error: 'only GET is served' });
    switch (url.pathname) {
      case '/health':
        return send(res, 200, { status: 'ok' });
      case '/hello':
        return send(res, 200, { hello: 'world' });
      case '/io':
      case '/cpu': {
        const ms = parseMs(url);
        if (typeof ms === 'string') return send(res, 400, { error: ms });
        const endpoint = url.pathname.slice(1);
        if (endpoint === 'cpu') {
          burnCpu(ms);
        } else if (mode === 'async') {
          setTimeout(() => send(res, 200, { endpoint, ms }), ms);
          return;
        } else {
          blockFor(ms);
        }
        return send(res, 200, { endpoint, ms });
      }
      default:
        return send(res, 404, { error: `no route ${url.pathname}` });
    }
  };
}
