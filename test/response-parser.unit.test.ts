import { describe, expect, it } from 'vitest';
import { ResponseParser } from '../harness/load/builtin/http.js';

/** Feeds `text` in pieces of `step` bytes (the way a socket may deliver it); whether it completed, and the head. */
function parse(text: string, step = text.length) {
  const parser = new ResponseParser();
  parser.reset();
  const bytes = Buffer.from(text, 'latin1');
  let complete = false;
  for (let at = 0; at < bytes.length && !complete; at += step) complete = parser.feed(bytes.subarray(at, at + step));
  return { complete, head: parser.head, eof: parser.endOfStream() };
}

describe('the load engine reads a response head in place', () => {
  it('frames a Content-Length body whatever the header name case, and in one-byte pieces', () => {
    for (const name of ['Content-Length', 'content-length', 'CONTENT-LENGTH']) {
      for (const step of [1, 7, 1000]) {
        expect(parse(`HTTP/1.1 200 OK\r\n${name}: 5\r\n\r\nhello`, step)).toMatchObject({ complete: true, head: { status: 200, keepAlive: true } });
      }
    }
    // One byte short of the body is not complete.
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell').complete).toBe(false);
  });

  it('knows when the server keeps the connection, from the version and the Connection header', () => {
    expect(parse('HTTP/1.1 200 OK\r\ncontent-length:2\r\nConnection: Close\r\n\r\nhi').head).toEqual({ status: 200, keepAlive: false, workerPid: 0 });
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi').head).toEqual({ status: 200, keepAlive: false, workerPid: 0 });
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: Keep-Alive\r\n\r\nhi').head).toEqual({ status: 200, keepAlive: true, workerPid: 0 });
    // A header whose name only ends in "connection" is not the Connection header.
    expect(parse('HTTP/1.1 200 OK\r\nX-Connection: close\r\nContent-Length: 2\r\n\r\nhi').head).toEqual({ status: 200, keepAlive: true, workerPid: 0 });
  });

  it("reads the demo app's x-worker-pid, in any case, and 0 where a response does not name its worker", () => {
    expect(parse('HTTP/1.1 200 OK\r\nX-Worker-Pid: 4242\r\nContent-Length: 2\r\n\r\nhi', 5).head).toEqual({ status: 200, keepAlive: true, workerPid: 4242 });
    expect(parse('HTTP/1.1 200 OK\r\nx-worker-pid:  17 \r\nContent-Length: 2\r\n\r\nhi').head?.workerPid).toBe(17);
    expect(parse('HTTP/1.1 200 OK\r\nx-worker-pid: soon\r\nContent-Length: 2\r\n\r\nhi').head?.workerPid).toBe(0);
    expect(parse('HTTP/1.1 200 OK\r\nx-worker-pids: 17\r\nContent-Length: 2\r\n\r\nhi').head?.workerPid).toBe(0);
  });

  it('reads chunked bodies, bodiless statuses and bodies that run to the end of the stream', () => {
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 3).complete).toBe(true);
    expect(parse('HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n')).toMatchObject({ complete: true, head: { status: 204 } });
    expect(parse('HTTP/1.1 500 Oops\r\n\r\nruns to EOF')).toMatchObject({ complete: false, eof: true, head: { status: 500, keepAlive: false } });
  });

  it('refuses a reply that is not HTTP/1.x, quoting its start', () => {
    expect(() => parse('SSH-2.0-OpenSSH_9.2\r\n\r\n')).toThrow(/not an HTTP\/1\.x response: "SSH-2\.0/);
    expect(() => parse('HTTP/1.1 abc OK\r\n\r\n')).toThrow(/no status/);
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n')).toThrow(/Content-Length that is not a number/);
  });
});
