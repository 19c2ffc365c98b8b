import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { webDir } from '../files/bench-paths.js';
import { SessionError, type LiveSession, type SessionListener } from './session.js';
import type { ChangeMarker, HistoryPoint, LiveTick, ServeOptions, ServeState } from './protocol.js';

/** The page's own files, and Chart.js from the package bench already depends on: nothing comes from the network. */
const chartJs = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
const ASSET = /^\/assets\/([A-Za-z0-9_-]+\.(?:js|css|map))$/;
const TYPES: Record<string, string> = { js: 'text/javascript', css: 'text/css', map: 'application/json', html: 'text/html' };
const COOKIE = 'bench_serve';
const MAX_BODY = 64 * 1024;
/** A page opened later gets this much of the ticks so far: the span its charts show (web/charts.ts). */
const HISTORY_S = 60;

/**
 * The page's server: the page, its API and a server-sent event stream of the session's state, ticks
 * and changes. Every request needs the access token, given once in the URL bench prints (which
 * sets a cookie and redirects to a URL without it, so that a projected address bar does not show
 * it) or by that cookie afterwards.
 */
export class ServeServer implements SessionListener {
  readonly token = randomBytes(18).toString('base64url');
  private readonly streams = new Set<ServerResponse>();
  private readonly changes: ChangeMarker[] = [];
  private readonly history: HistoryPoint[] = [];
  private readonly server: Server;
  private session: LiveSession | undefined;
  private latestState: ServeState | undefined;

  constructor(private readonly options: () => Promise<ServeOptions>) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => answer(res, 500, { error: err.message }));
    });
  }

  attach(session: LiveSession): void {
    this.session = session;
    this.latestState = session.current;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve((this.server.address() as { port: number }).port));
    });
  }

  async close(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }

  state(state: ServeState): void {
    this.latestState = state;
    this.broadcast('state', state);
  }

  tick(tick: LiveTick): void {
    this.history.push({ tick, capacity: this.latestState?.deployment.capacity ?? null });
    // One point older than the span stays, as the charts keep one, so the lines run in from the left edge.
    while ((this.history[1]?.tick.t ?? Infinity) < tick.t - HISTORY_S) this.history.shift();
    this.broadcast('tick', tick);
  }

  change(change: ChangeMarker): void {
    this.changes.push(change);
    this.broadcast('change', change);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const given = url.searchParams.get('token');
    if (given !== null && req.method === 'GET' && url.pathname === '/') {
      if (!this.matches(given)) return answer(res, 403, { error: 'wrong access token: use the URL bench serve printed' });
      res.writeHead(303, { location: '/', 'set-cookie': `${COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/` }).end();
      return;
    }
    if (!this.matches(cookie(req, COOKIE))) return answer(res, 403, { error: 'no access token: open the URL bench serve printed' });
    if (req.method === 'GET') return this.get(url.pathname, res);
    if (req.method === 'POST') return this.post(url.pathname, req, res);
    answer(res, 405, { error: `${req.method} is not served` });
  }

  private async get(path: string, res: ServerResponse): Promise<void> {
    if (path === '/') return file(res, join(webDir, 'index.html'), 'html');
    if (path === '/assets/chart.umd.js') return file(res, chartJs, 'js');
    const asset = ASSET.exec(path);
    if (asset) return file(res, join(webDir, asset[1]!), asset[1]!.split('.').pop()!);
    if (path === '/api/options') return answer(res, 200, await this.options());
    if (path === '/api/events') return this.stream(res);
    answer(res, 404, { error: `no page ${path}` });
  }

  /** A page action; what the page asked wrongly answers 400, what the session cannot do now 409. */
  private async post(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = this.session!;
    try {
      const body = await readJson(req);
      if (path === '/api/deployment') {
        // setDeployment checks the choice before it queues, so a bad one still answers 400 here.
        // Starting takes seconds: the page follows it through state events.
        session.setDeployment(body as never).catch(() => undefined);
        return answer(res, 202, { ok: true });
      }
      if (path === '/api/load') {
        await session.setLoad(body as never);
        return answer(res, 202, { ok: true });
      }
      if (path === '/api/stop') {
        await session.stopLoadNow();
        return answer(res, 202, { ok: true });
      }
      if (path === '/api/save') return answer(res, 200, { dir: await session.save() });
    } catch (err) {
      if (err instanceof UsageError) return answer(res, 400, { error: err.message });
      if (err instanceof SessionError) return answer(res, 409, { error: err.message });
      throw err;
    }
    answer(res, 404, { error: `no action ${path}` });
  }

  /** Server-sent events: the state, the last minute's ticks and the changes so far at once, then everything as it happens. */
  private stream(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    if (this.latestState) send(res, 'state', this.latestState);
    send(res, 'history', this.history);
    for (const change of this.changes) send(res, 'change', change);
  }

  private broadcast(event: string, data: unknown): void {
    for (const stream of this.streams) send(stream, event, data);
  }

  private matches(given: string | undefined): boolean {
    if (given === undefined) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body) + '\n');
}

async function file(res: ServerResponse, path: string, type: string): Promise<void> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch {
    return answer(res, 404, { error: `${path} is missing: run npm run build in the bench folder` });
  }
  res.writeHead(200, { 'content-type': TYPES[type] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(content);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY) throw new UsageError('request body too large');
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError('the request body is not JSON');
  }
}
