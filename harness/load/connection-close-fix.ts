import { createRequire } from 'node:module';

/**
 * autocannon 9 mishandles servers that close the connection after each response, which is what
 * Flask's dev server (HTTP/1.0), gunicorn's sync workers and uWSGI's http-socket all do. After such
 * a response its client writes the next request onto the closing socket, then on 'end' reconnects
 * and sends another one without dropping the first from its queue of pending requests. The queue
 * grows by one per reconnect, so every latency is measured from an ever older start time (seconds
 * instead of 50 ms), and the lost writes show up as errors.
 *
 * The fix: when the response says the server will close, send nothing more on that socket; the
 * reconnect that follows sends the next request, timed from before its TCP connect (as wrk does).
 */
interface AutocannonClient {
  pipelinedRequests: { clear(): void };
  on(event: 'headers', listener: (info: { shouldKeepAlive?: boolean }) => void): void;
  _connect(): void;
  _doRequest(): void;
  serverWillClose?: boolean;
  closeWatched?: boolean;
}

const require = createRequire(import.meta.url);
const Client = require('autocannon/lib/httpClient.js') as { prototype: AutocannonClient };

let installed = false;

export function installConnectionCloseFix(): void {
  if (installed) return;
  installed = true;
  const connect = Client.prototype._connect;
  const doRequest = Client.prototype._doRequest;
  Client.prototype._connect = function (this: AutocannonClient) {
    // Whatever was pending on the old socket is lost with it; the new one starts afresh.
    this.pipelinedRequests.clear();
    this.serverWillClose = false;
    if (!this.closeWatched) {
      this.closeWatched = true;
      this.on('headers', (info) => {
        this.serverWillClose = info.shouldKeepAlive === false;
      });
    }
    connect.call(this);
  };
  Client.prototype._doRequest = function (this: AutocannonClient) {
    if (this.serverWillClose) return;
    doRequest.call(this);
  };
}
