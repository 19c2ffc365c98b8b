/**
 * The least HTTP/1.1 response parsing a load generator can do and still be right: find the end of
 * the headers, read the status, and know where the body ends (Content-Length, chunked, or the
 * server's EOF) and whether the server keeps the connection. Nothing is copied or decoded beyond
 * the header block. This is wrk's job too, and it does no more.
 */
export interface ResponseHead {
  status: number;
  /** The server will keep the connection open for another request. */
  keepAlive: boolean;
  /** The demo app's x-worker-pid: which process served it (0 when the response does not say). */
  workerPid: number;
  /** The demo app's x-bench-version, when it announces one (a deploy under load). */
  version?: string;
}

const CRLF = Buffer.from('\r\n');

type BodyState =
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked'; remaining: number; sizeLine: boolean; trailer: boolean }
  | { kind: 'eof' };

/** One response at a time on one connection; `reset()` before the next. A chunk fed is not kept: the caller may reuse its memory. */
export class ResponseParser {
  head: ResponseHead | undefined;
  private pending: Buffer | undefined;
  private body: BodyState | undefined;
  /** The body's bytes, copied, when the caller asked to read it (a Content-Length or EOF body; not a chunked one). */
  private kept: Buffer[] | undefined;

  /** Ready for the next response; `keepBody`: copy its body, for `bodyText()`. */
  reset(keepBody = false): void {
    this.head = undefined;
    this.pending = undefined;
    this.body = undefined;
    this.kept = keepBody ? [] : undefined;
  }

  /** The body of a complete response reset with `keepBody`, as UTF-8; undefined when it was not kept. */
  bodyText(): string | undefined {
    return this.kept && this.body?.kind !== 'chunked' ? Buffer.concat(this.kept).toString('utf8') : undefined;
  }

  /** Feeds bytes; true once the whole response has arrived. Throws on a reply that is not HTTP. */
  feed(chunk: Buffer): boolean {
    if (!this.head) {
      const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      const end = headEnd(data);
      if (end < 0) {
        if (data.length > 64 * 1024) throw new Error('response headers larger than 64 KiB');
        // A copy: the engine reads every socket into one shared buffer.
        this.pending = Buffer.from(data);
        return false;
      }
      this.pending = undefined;
      this.parseHead(data, end);
      return this.feedBody(data, end + 4);
    }
    return this.feedBody(chunk, 0);
  }

  /** The server closed its side: a body delimited by EOF is complete, anything else was cut off. */
  endOfStream(): boolean {
    return this.body?.kind === 'eof';
  }

  /**
   * Reads the head in place, byte by byte, without turning it into strings: this runs between the
   * response's last byte and the client's close, which a server that waits for that close (Werkzeug 3)
   * spends idle. Measured in the load loop, the string version (toString, toLowerCase, indexOf per
   * header) took 12-15 µs per response there, cold in cache, against ~1 µs in a tight loop. The
   * scans are plain loops too: Buffer's indexOf and compare cross into C++ and back on every call,
   * which for a head of a few lines costs more than looking at its bytes.
   */
  private parseHead(data: Buffer, end: number): void {
    const quoted = () => JSON.stringify(data.toString('latin1', 0, Math.min(end, 40)));
    if (end < 12 || !startsWith(data, 0, HTTP1)) throw new Error(`not an HTTP/1.x response: ${quoted()}`);
    const status = digits(data, 9, 12);
    if (Number.isNaN(status)) throw new Error(`no status in ${quoted()}`);
    const http11 = data[7] === 0x31;
    let connection = 0;
    let length: number | undefined;
    let chunked = false;
    let workerPid = 0;
    let version: string | undefined;
    // Each header line after the status line: only the three that frame the body are looked at,
    // the demo app's worker pid, which tells how evenly a pool shared the load, and its version,
    // which tells which side of a deploy answered.
    let line = lineAfter(data, 0, end);
    while (line < end) {
      const next = lineAfter(data, line, end);
      const valueEnd = next - 2;
      if (startsWithName(data, line, valueEnd, CONTENT_LENGTH)) length = digits(data, line + CONTENT_LENGTH.length, valueEnd);
      else if (startsWithName(data, line, valueEnd, CONNECTION)) connection = tokenFlags(data, line + CONNECTION.length, valueEnd);
      else if (startsWithName(data, line, valueEnd, TRANSFER_ENCODING)) chunked = (tokenFlags(data, line + TRANSFER_ENCODING.length, valueEnd) & CHUNKED) !== 0;
      else if (startsWithName(data, line, valueEnd, WORKER_PID)) workerPid = digits(data, line + WORKER_PID.length, valueEnd) || 0;
      else if (startsWithName(data, line, valueEnd, VERSION)) version = data.toString('latin1', line + VERSION.length, valueEnd).trim();
      line = next;
    }
    // A length that is not a number would leave the request waiting for a body end that never comes.
    if (Number.isNaN(length)) throw new Error(`a Content-Length that is not a number in ${quoted()}`);
    const keepAlive = http11 ? (connection & CLOSE) === 0 : (connection & KEEP_ALIVE) !== 0;
    // 1xx, 204 and 304 have no body, whatever the headers say.
    const bodiless = status < 200 || status === 204 || status === 304;
    if (bodiless) this.body = { kind: 'length', remaining: 0 };
    else if (chunked) this.body = { kind: 'chunked', remaining: 0, sizeLine: true, trailer: false };
    else if (length !== undefined) this.body = { kind: 'length', remaining: length };
    else this.body = { kind: 'eof' };
    // A body that runs to EOF cannot be followed by another response on the same connection.
    this.head = { status, keepAlive: keepAlive && this.body.kind !== 'eof', workerPid, ...(version && { version }) };
  }

  /** The body's bytes from `chunk[from]` on. */
  private feedBody(chunk: Buffer, from: number): boolean {
    const body = this.body!;
    switch (body.kind) {
      case 'eof':
        this.kept?.push(Buffer.from(chunk.subarray(from)));
        return false;
      case 'length':
        this.kept?.push(Buffer.from(chunk.subarray(from, from + Math.max(body.remaining, 0))));
        body.remaining -= chunk.length - from;
        return body.remaining <= 0;
      case 'chunked':
        return this.feedChunked(body, from === 0 ? chunk : chunk.subarray(from));
    }
  }

  /** Chunk sizes in hex, each chunk followed by CRLF, a 0-size chunk, then trailers up to an empty line. */
  private feedChunked(body: Extract<BodyState, { kind: 'chunked' }>, chunk: Buffer): boolean {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    for (;;) {
      if (body.remaining > 0) {
        const take = Math.min(body.remaining, data.length);
        body.remaining -= take;
        data = data.subarray(take);
        if (body.remaining > 0) return false;
        continue;
      }
      const eol = data.indexOf(CRLF);
      if (eol < 0) {
        this.pending = Buffer.from(data);
        return false;
      }
      const line = data.toString('latin1', 0, eol);
      data = data.subarray(eol + 2);
      if (body.trailer) {
        if (line === '') return true;
        continue;
      }
      if (body.sizeLine) {
        const size = parseInt(line, 16);
        if (Number.isNaN(size)) throw new Error(`bad chunk size ${JSON.stringify(line)}`);
        if (size === 0) {
          body.trailer = true;
          continue;
        }
        body.remaining = size;
        body.sizeLine = false;
        continue;
      }
      // The CRLF after a chunk's data.
      body.sizeLine = true;
    }
  }
}

const HTTP1 = Buffer.from('HTTP/1.');
/** Header names with their colon, lower case: a line matches whatever its case. */
const CONTENT_LENGTH = Buffer.from('content-length:');
const CONNECTION = Buffer.from('connection:');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding:');
const WORKER_PID = Buffer.from('x-worker-pid:');
const VERSION = Buffer.from('x-bench-version:');
/** What a Connection or Transfer-Encoding value says, as bits. */
const CLOSE = 1;
const KEEP_ALIVE = 2;
const CHUNKED = 4;
const TOKENS: [Buffer, number][] = [
  [Buffer.from('close'), CLOSE],
  [Buffer.from('keep-alive'), KEEP_ALIVE],
  [Buffer.from('chunked'), CHUNKED],
];

/** Where the head ends: the index of its blank line's CRLF CRLF, or -1 while it has not all arrived. */
function headEnd(data: Buffer): number {
  for (let i = 3; i < data.length; i++) {
    if (data[i] === 0x0a && data[i - 1] === 0x0d && data[i - 2] === 0x0a && data[i - 3] === 0x0d) return i - 3;
  }
  return -1;
}

/** The start of the line after the one at `from`; `end + 2` (past the head's last CRLF) for the head's last line. */
function lineAfter(data: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (data[i] === 0x0a) return i + 1;
  return end + 2;
}

/** data holds `bytes` at `at`, exactly. */
function startsWith(data: Buffer, at: number, bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (data[at + i] !== bytes[i]) return false;
  return true;
}

/** The line from `at` (up to `end`) starts with `name` (lower case), in any case. */
function startsWithName(data: Buffer, at: number, end: number, name: Buffer): boolean {
  if (end - at < name.length) return false;
  for (let i = 0; i < name.length; i++) if ((data[at + i]! | 0x20) !== (name[i]! | 0x20)) return false;
  return true;
}

/** The decimal number in data[from, to), spaces around it skipped; NaN when it is not one. */
function digits(data: Buffer, from: number, to: number): number {
  while (from < to && (data[from] === 0x20 || data[from] === 0x09)) from++;
  while (to > from && (data[to - 1] === 0x20 || data[to - 1] === 0x09)) to--;
  if (from === to) return NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = data[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** Which of close, keep-alive and chunked appear in data[from, to), in any case (a comma-separated list). */
function tokenFlags(data: Buffer, from: number, to: number): number {
  let flags = 0;
  for (const [token, flag] of TOKENS) {
    for (let at = from; at + token.length <= to; at++) {
      if (startsWithName(data, at, to, token)) {
        flags |= flag;
        break;
      }
    }
  }
  return flags;
}

/** The request every send writes: formatted once, sent as the same bytes each time. */
export function formatRequest(url: URL, method = 'GET', headers: Record<string, string> = {}, body?: string): Buffer {
  const content = body === undefined ? undefined : Buffer.from(body, 'utf8');
  const extra = Object.entries(headers)
    // bench frames the request itself: one Host, its own Content-Length, no chunking.
    .filter(([name]) => !/^(host|content-length|transfer-encoding)$/i.test(name))
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  // Nothing beyond Host unless the scenario asks: the same bytes wrk sends, since every header is
  // work for the server (Werkzeug turns each into an environ entry) and the cross-check compares
  // the generators, not their requests.
  const head =
    `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${extra}` +
    (content ? `Content-Length: ${content.length}\r\n` : '') +
    '\r\n';
  return content ? Buffer.concat([Buffer.from(head, 'latin1'), content]) : Buffer.from(head, 'latin1');
}

/**
 * The order a weighted mix is sent in, one cycle of sum(weights) requests: smooth weighted
 * round-robin (nginx's), so that weights 3:1 send A A B A rather than A A A B, and any window
 * holds the mix in its proportions.
 */
export function mixCycle<T extends { weight: number }>(items: T[]): T[] {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  const current = items.map(() => 0);
  const cycle: T[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < items.length; i++) {
      current[i]! += items[i]!.weight;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    cycle.push(items[best]!);
  }
  return cycle;
}
