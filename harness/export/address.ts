/** Where a server listens: HOST:PORT or a Unix socket. */
export type Address = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** "127.0.0.1:8000" or "unix:/run/app.sock" as gunicorn's bind and nginx's upstream server take it. */
export function addressText(a: Address, unixPrefix: 'unix:' | ''): string {
  return a.kind === 'unix' ? `${unixPrefix}${a.path}` : `${a.host}:${a.port}`;
}
