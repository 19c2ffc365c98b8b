import { connect, isIPv4 } from 'node:net';
import { getSystemErrorName } from 'node:util';

/**
 * The load engine's connections, at the least cost per connection Node allows.
 *
 * A server that closes after every response costs its client a connection per request, and on a
 * 2-core machine what the client spends per connection is what a single-threaded server waits for:
 * measured against nginx closing after each response, a net.Socket costs 0.08–0.10 ms of CPU per
 * request, wrk 0.053, and libuv's TCP handle driven directly (what net.Socket wraps, without its
 * stream machinery) 0.06. So connections are libuv handles where Node exposes them
 * (`process.binding('tcp_wrap')`), and net.Socket where it does not.
 */
export interface TcpEvents {
  /** Bytes arrived: `bytes` is a view into a shared buffer, valid only during the call. */
  data(bytes: Buffer): void;
  /** The server closed its side. */
  end(): void;
  /** The connection failed: the system's error name (ECONNREFUSED, ECONNRESET, ...). */
  error(code: string): void;
}

export interface TcpConnection {
  /** Sends `bytes` (at once, or as soon as the connection is up). */
  write(bytes: Buffer): void;
  /** Closes the connection; no event follows. */
  close(): void;
}

export type OpenTcp = (host: string, port: number, events: TcpEvents) => TcpConnection;

/** Every connection reads into this one buffer; the parser copies the little it must keep. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** net.Socket, read with `onread` into the shared buffer (which skips the readable stream's machinery). */
export const openNetSocket: OpenTcp = (host, port, events) => {
  let closed = false;
  const socket = connect({
    host,
    port,
    onread: {
      buffer: READ_BUFFER,
      callback: (bytes: number, buffer: Buffer) => {
        if (!closed) events.data(buffer.subarray(0, bytes));
        return true;
      },
    },
  });
  socket.on('end', () => !closed && events.end());
  socket.on('error', (err: NodeJS.ErrnoException) => !closed && events.error(err.code ?? 'ERROR'));
  return {
    write: (bytes) => void socket.write(bytes),
    close: () => {
      closed = true;
      socket.destroy();
    },
  };
};

/** The parts of Node's internal bindings used here (lib/net.js uses the same). */
interface TcpHandle {
  connect(req: object, host: string, port: number): number;
  useUserBuffer(buffer: Buffer): void;
  readStart(): number;
  writeBuffer(req: object, bytes: Buffer): number;
  close(): void;
  onread: () => void;
}
interface Bindings {
  newHandle(): TcpHandle;
  newConnectRequest(): { oncomplete: (status: number) => void };
  newWriteRequest(handle: TcpHandle): { oncomplete: (status: number) => void };
  /** Bytes read, or a negative libuv error (UV_EOF at the end). */
  readResult(): number;
}

function bindings(): Bindings | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, any> }).binding;
    const tcp = binding('tcp_wrap');
    const stream = binding('stream_wrap');
    const { TCP, TCPConnectWrap, constants } = tcp;
    const { WriteWrap, kReadBytesOrError, streamBaseState } = stream;
    if (typeof TCP !== 'function' || typeof WriteWrap !== 'function' || !streamBaseState) return undefined;
    return {
      newHandle: () => new TCP(constants.SOCKET),
      newConnectRequest: () => new TCPConnectWrap(),
      newWriteRequest: (handle) => {
        const request = new WriteWrap();
        request.handle = handle;
        request.async = false;
        return request;
      },
      readResult: () => streamBaseState[kReadBytesOrError],
    };
  } catch {
    return undefined;
  }
}

function openWith(b: Bindings): OpenTcp {
  return (host, port, events) => {
    const handle = b.newHandle();
    let closed = false;
    const fail = (status: number) => {
      if (closed) return;
      closed = true;
      handle.close();
      events.error(getSystemErrorName(status));
    };
    handle.useUserBuffer(READ_BUFFER);
    handle.onread = () => {
      if (closed) return;
      const n = b.readResult();
      if (n > 0) return events.data(READ_BUFFER.subarray(0, n));
      if (n === 0) return;
      if (getSystemErrorName(n) !== 'EOF') return fail(n);
      closed = true;
      handle.close();
      events.end();
    };
    // A request written while connecting waits here, not in libuv's queue: libuv would send a
    // queued write only on the loop's next turn after the connect, and report it done through one
    // more call into JavaScript; written from the connect's callback it goes out at once, in one
    // write(2) that finishes in place.
    let pending: Buffer | undefined;
    let connected = false;
    const send = (bytes: Buffer) => {
      const writing = b.newWriteRequest(handle);
      writing.oncomplete = (status) => void (status < 0 && fail(status));
      const status = handle.writeBuffer(writing, bytes);
      if (status < 0) queueMicrotask(() => fail(status));
    };
    const connecting = b.newConnectRequest();
    connecting.oncomplete = (status) => {
      if (status < 0) return fail(status);
      connected = true;
      if (pending) send(pending);
      pending = undefined;
    };
    const err = handle.connect(connecting, host, port);
    // Reading starts with the connect, so that libuv asks epoll for both at once.
    const started = err < 0 ? err : handle.readStart();
    if (started < 0) queueMicrotask(() => fail(started));
    return {
      write: (bytes) => {
        if (closed) return;
        if (connected) send(bytes);
        else pending = bytes;
      },
      close: () => {
        if (closed) return;
        closed = true;
        handle.close();
      },
    };
  };
}

const found = bindings();
const openHandle = found && openWith(found);

/** libuv's handles where Node exposes them, else net.Socket. */
export const openTcp: OpenTcp = openHandle ?? openNetSocket;

/**
 * What opens load connections to `host` (a URL's hostname): openTcp for an IPv4 address, the one
 * thing a handle connects to; net.Socket for a name such as localhost, which it resolves and tries
 * at each address as readiness's http.request does, and for an IPv6 address ("[::1]").
 */
export function openerFor(host: string): { open: OpenTcp; address: string } {
  const address = host.replace(/^\[(.*)\]$/, '$1');
  return { open: isIPv4(address) ? openTcp : openNetSocket, address };
}

/** For the tests: both kinds of connection, the handle one only where this Node has it. */
export const transports: Record<string, OpenTcp> = { 'net.Socket': openNetSocket, ...(openHandle && { 'libuv handle': openHandle }) };
