import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * A port that was free on loopback a moment ago. Servers that cannot report the port they bound
 * (gunicorn, nginx, uWSGI) are given one of these; launch retries on the rare collision.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** 127.0.0.0/8, ::1 or localhost: where bench may send load without --allow-remote. */
export function isLoopback(hostname: string): boolean {
  return /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|::1|localhost)$/i.test(hostname);
}
