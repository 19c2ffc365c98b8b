import { connect, type Socket } from 'node:net';
import type { SlowClientLoad } from '../engine.js';
import { formatRequest, ResponseParser } from './http.js';

/**
 * Slow clients, each on its own connection: it trickles its request line and headers at
 * `sendBytesPerSecond`, reads the response, closes and starts again. A server that reads a
 * request in the worker (or thread) that will serve it gives that worker to the slow client for
 * the whole trickle; a buffering proxy (nginx) or an event loop holds only a connection meanwhile.
 * This is gunicorn's reason for wanting sync workers behind a buffering proxy.
 *
 * Independent of the load driver's classes, so that anything running load (the builtin engine, a
 * live page with a slider) can add slow clients beside it and change their number while it runs.
 */
export interface SlowClients {
  /** Starts or stops clients until `n` are trickling; those kept go on where they were. */
  setCount(n: number): void;
  /** Stops every client and closes its connection. */
  stop(): void;
  /** Responses the slow clients have read completely (any status), since `countFrom`. */
  completed(): number;
}

export interface SlowClientOptions {
  /** performance.now() from which completed responses count (a measured window's opening); default: from the start. */
  countFrom?: number;
}

/**
 * How long one request takes to send: the request is padded with a header of filler up to this
 * many seconds' worth of bytes, so that the trickle lasts long enough to see at any rate.
 */
export const TRICKLE_S = 3;

/** How often the trickle sends what is due: often enough to keep the flow steady, cheap at any count. */
const TICK_MS = 100;

/** A server that has read the whole request and says nothing for this long has left the client waiting: start again. */
const SILENCE_MS = 60_000;

/** The filler header's name and the bytes it adds besides its value. */
const PADDING_HEADER = 'X-Bench-Padding';
const PADDING_OVERHEAD = `${PADDING_HEADER}: \r\n`.length;

/** The request a slow client sends: GET `url`, padded so that at `bytesPerSecond` it takes about TRICKLE_S. */
export function slowRequest(url: URL, bytesPerSecond: number): Buffer {
  const headers = { Connection: 'close' };
  const bare = formatRequest(url, 'GET', headers);
  const padding = Math.round(bytesPerSecond * TRICKLE_S) - bare.length - PADDING_OVERHEAD;
  return padding > 0 ? formatRequest(url, 'GET', { ...headers, [PADDING_HEADER]: 'x'.repeat(padding) }) : bare;
}

class SlowClient {
  private socket: Socket | undefined;
  private readonly parser = new ResponseParser();
  private startedAt = 0;
  private sent = 0;
  private stopped = false;

  constructor(
    private readonly url: URL,
    private readonly request: Buffer,
    private readonly bytesPerSecond: number,
    private readonly onResponse: () => void,
  ) {
    this.begin();
  }

  /** Writes whatever of the request is due by now: the first byte at once, then bytesPerSecond. */
  tick(now: number): void {
    if (!this.socket || this.sent >= this.request.length) return;
    const due = Math.min(this.request.length, 1 + Math.floor(((now - this.startedAt) / 1000) * this.bytesPerSecond));
    if (due <= this.sent) return;
    this.socket.write(this.request.subarray(this.sent, due));
    this.sent = due;
  }

  stop(): void {
    this.stopped = true;
    this.socket?.destroy();
    this.socket = undefined;
  }

  private begin(): void {
    if (this.stopped) return;
    this.parser.reset();
    this.sent = 0;
    const socket = connect({ host: this.url.hostname, port: Number(this.url.port || 80) });
    this.socket = socket;
    // Each trickled piece goes out when it is written, not when Nagle's algorithm lets it.
    socket.setNoDelay(true);
    socket.setTimeout(SILENCE_MS, () => this.again(socket));
    socket.on('connect', () => {
      this.startedAt = performance.now();
      this.tick(this.startedAt);
    });
    socket.on('data', (chunk: Buffer) => {
      let complete: boolean;
      try {
        complete = this.parser.feed(chunk);
      } catch {
        return this.again(socket);
      }
      if (complete) this.answered(socket);
    });
    socket.on('end', () => (this.parser.endOfStream() ? this.answered(socket) : this.again(socket)));
    // A refused or reset connection: try again on the next tick rather than in a tight loop.
    socket.on('error', () => this.again(socket, TICK_MS));
  }

  private answered(socket: Socket): void {
    if (socket !== this.socket) return;
    this.onResponse();
    this.again(socket);
  }

  /** Closes this attempt's connection and starts the next one, after `delayMs`. */
  private again(socket: Socket, delayMs = 0): void {
    socket.destroy();
    if (socket !== this.socket) return;
    this.socket = undefined;
    if (delayMs > 0) setTimeout(() => this.begin(), delayMs);
    else this.begin();
  }
}

export function startSlowClients(url: URL, settings: SlowClientLoad, options: SlowClientOptions = {}): SlowClients {
  const request = slowRequest(url, settings.sendBytesPerSecond);
  const countFrom = options.countFrom ?? 0;
  const clients: SlowClient[] = [];
  let completed = 0;
  let stopped = false;
  const onResponse = () => {
    if (performance.now() >= countFrom) completed++;
  };
  // One timer drives every client's trickle: a timer per client would cost more than the bytes.
  const timer = setInterval(() => {
    const now = performance.now();
    for (const client of clients) client.tick(now);
  }, TICK_MS);
  const setCount = (n: number) => {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`slow clients: the count must be a whole number, 0 or more, not ${n}`);
    if (stopped && n > 0) throw new Error('slow clients: stopped; start new ones instead');
    while (clients.length < n) clients.push(new SlowClient(url, request, settings.sendBytesPerSecond, onResponse));
    for (const client of clients.splice(n)) client.stop();
  };
  setCount(settings.count);
  return {
    setCount,
    stop: () => {
      clearInterval(timer);
      setCount(0);
      stopped = true;
    },
    completed: () => completed,
  };
}
