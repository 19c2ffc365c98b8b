import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openerFor, openTcp, transports, type OpenTcp } from '../harness/load/builtin/tcp.js';
import { freePort } from '../harness/process/ports.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real server on port 0 that answers each connection's first bytes with `onData`. */
async function serve(onData: (socket: Socket, bytes: Buffer) => void): Promise<number> {
  server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (bytes) => onData(socket, bytes));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

type Event = ['data', string] | ['end'] | ['error', string];

/** Opens a connection, sends `request`, and resolves with its events once it ends or fails. */
function exchange(open: OpenTcp, port: number, request: string): Promise<Event[]> {
  return new Promise((resolve) => {
    const events: Event[] = [];
    const connection = open('127.0.0.1', port, {
      data: (bytes) => void events.push(['data', bytes.toString('latin1')]),
      end: () => resolve([...events, ['end']]),
      error: (code) => resolve([...events, ['error', code]]),
    });
    connection.write(Buffer.from(request));
  });
}

const joined = (events: Event[]) => events.filter((e) => e[0] === 'data').map((e) => e[1]).join('');

it("uses libuv's handles on this Node, where the generator's CPU per connection is least", () => {
  expect(Object.keys(transports)).toContain('libuv handle');
  expect(openTcp).toBe(transports['libuv handle']);
});

it('connects to a name (localhost) or an IPv6 address over net.Socket, which a handle cannot', () => {
  expect(openerFor('127.0.0.1')).toEqual({ open: openTcp, address: '127.0.0.1' });
  expect(openerFor('localhost')).toEqual({ open: transports['net.Socket'], address: 'localhost' });
  // A URL's hostname keeps an IPv6 address in brackets.
  expect(openerFor('[::1]')).toEqual({ open: transports['net.Socket'], address: '::1' });
});

for (const [name, open] of Object.entries(transports)) {
  describe(`a load connection over ${name}`, () => {
    it('sends its request as soon as it is connected and reads the answer up to the server closing', async () => {
      const port = await serve((socket, bytes) => socket.end(`echo ${bytes.toString('latin1')}`));
      const events = await exchange(open, port, 'GET / HTTP/1.1\r\n\r\n');
      expect(joined(events)).toBe('echo GET / HTTP/1.1\r\n\r\n');
      expect(events.at(-1)).toEqual(['end']);
    });

    it('reads an answer larger than its read buffer whole', async () => {
      const big = 'x'.repeat(300_000);
      const port = await serve((socket) => socket.end(big));
      expect(joined(await exchange(open, port, 'go')).length).toBe(big.length);
    });

    it('says the connection was refused when nothing listens', async () => {
      const events = await exchange(open, await freePort(), 'hello');
      expect(events).toEqual([['error', 'ECONNREFUSED']]);
    });

    it('says the connection was reset when the server resets it', async () => {
      const port = await serve((socket) => socket.resetAndDestroy());
      expect((await exchange(open, port, 'hello')).at(-1)).toEqual(['error', 'ECONNRESET']);
    });

    it('reports nothing after it is closed', async () => {
      const events: string[] = [];
      let closed!: () => void;
      const port = await serve((socket) => setTimeout(() => socket.end('late'), 50));
      const connection = open('127.0.0.1', port, {
        data: () => void events.push('data'),
        end: () => void events.push('end'),
        error: () => void events.push('error'),
      });
      connection.write(Buffer.from('hello'));
      server!.once('connection', (socket) => socket.once('close', () => closed()));
      await new Promise<void>((resolve) => {
        closed = resolve;
        setTimeout(() => connection.close(), 10);
      });
      expect(events).toEqual([]);
    });
  });
}
