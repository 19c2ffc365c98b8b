import { createRequire } from 'node:module';

/**
 * Two corrections to autocannon 9's HTTP client, applied to its prototype at run time.
 *
 * 1. Servers that close the connection after each response (Flask's dev server on HTTP/1.0,
 *    gunicorn's sync workers, uWSGI's http-socket). After such a response autocannon writes the next
 *    request onto the closing socket, then on 'end' reconnects and sends another without dropping
 *    the first from its queue of pending requests. The queue grows by one per reconnect, so every
 *    latency is timed from an ever older start (seconds instead of 50 ms), and the lost writes show
 *    up as errors. Fix: when the response says the server will close, send nothing more on that
 *    socket, and start each new connection with an empty queue; the reconnect sends the next
 *    request, timed from before its TCP connect (as wrk does).
 *
 * 2. Open-loop pacing. With a rate, every connection spends its per-second quota back to back when
 *    its 1-second timer fires, and all the timers fire together: the offered load arrives in one
 *    burst a second rather than spread over it. Fix: start each connection's timer at its own phase
 *    of the second, so the connections' sends interleave evenly. Also count the requests actually
 *    sent, so that an open-loop point can say how many its schedule called for but never sent.
 */
interface AutocannonClient {
  on(event: 'headers', listener: (info: { shouldKeepAlive?: boolean }) => void): void;
  _connect(): void;
  _doRequest(cer?: unknown): void;
  pipelinedRequests: { clear(): void };
  reqsMade: number;
  rate?: number;
  reqsMadeThisSecond: number;
  paused?: boolean;
  destroyed: boolean;
  rateInterval?: NodeJS.Timeout;
  cer?: unknown;
  serverWillClose?: boolean;
  patched?: boolean;
}

const require = createRequire(import.meta.url);
const Client = require('autocannon/lib/httpClient.js') as { prototype: AutocannonClient };

/**
 * Shared with the one load run in progress (bench drives one point at a time): how many rate-
 * limited connections it opens, so each gets its phase, and a hook counting requests sent.
 */
export const pacing = {
  connections: 1,
  nextPhase: 0,
  onSent: (): void => {},
};

let installed = false;

export function installAutocannonPatches(): void {
  if (installed) return;
  installed = true;
  const connect = Client.prototype._connect;
  const doRequest = Client.prototype._doRequest;

  Client.prototype._connect = function (this: AutocannonClient) {
    // Whatever was pending on the old socket is lost with it; the new one starts afresh.
    this.pipelinedRequests.clear();
    this.serverWillClose = false;
    if (!this.patched) {
      this.patched = true;
      this.on('headers', (info) => {
        this.serverWillClose = info.shouldKeepAlive === false;
      });
      if (this.rate) staggerRateTimer(this);
    }
    connect.call(this);
  };

  Client.prototype._doRequest = function (this: AutocannonClient, cer?: unknown) {
    if (this.serverWillClose) return;
    const before = this.reqsMade;
    doRequest.call(this, cer);
    if (this.reqsMade > before) pacing.onSent();
  };
}

/** Replaces the client's 1-second quota timer with one that starts at this client's phase. */
function staggerRateTimer(client: AutocannonClient): void {
  clearInterval(client.rateInterval);
  const phaseMs = ((pacing.nextPhase++ % pacing.connections) / pacing.connections) * 1000;
  // Hold the first request until the client's phase comes round.
  client.reqsMadeThisSecond = client.rate ?? 0;
  // The same tick autocannon runs each second: a fresh quota, and a paused client resumes.
  const tick = () => {
    if (client.destroyed) return;
    client.reqsMadeThisSecond = 0;
    if (client.paused) client._doRequest(client.cer);
    client.paused = false;
  };
  setTimeout(() => {
    if (client.destroyed) return;
    client.rateInterval = setInterval(tick, 1000);
    tick();
  }, phaseMs);
}
