// The module's own performance: the global one is a getter on globalThis, which optimized code
// cannot inline, and performance.now() runs several times per request.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EngineLoad, EngineMeasurement, LiveFigures } from '../engine.js';
import { LatencyHistogram } from '../histogram.js';
import { AnswerRecorder } from './answer-log.js';
import { formatRequest, mixCycle, ResponseParser } from './http.js';
import type { FailureKind, LiveTap } from './live-tap.js';
import { CountRecorder } from '../../shared-state/count-recorder.js';
import { startSlowClients, type SlowClients } from './slow-clients.js';
import { openerFor, type TcpConnection } from './tcp.js';

/**
 * bench's own load engine, run in a process of its own (child.ts) so that its CPU is the
 * generator's alone and nothing else shares its event loop.
 *
 * Closed loop: `concurrency` connections, each sending its next request when the last answer came.
 * Open loop: each request has an intended send time (1/rate apart); it goes out on an idle
 * kept-alive connection, or a new one while fewer than `maxConnections` are open, or else waits
 * for the first connection to free up (counted as late). Its latency runs from the intended time,
 * so a stalled server or a busy connection shows up in the latencies instead of thinning the
 * sends (wrk2's and k6's constant-arrival-rate semantics).
 *
 * A response that says the server will close (Connection: close, HTTP/1.0, or a body that runs to
 * EOF) is complete when its last body byte arrives: the client closes its own side at once and
 * reconnects, as wrk does, rather than wait for the server's FIN (Werkzeug 3 holds its side open
 * for a while after the response, and a client that waits pays that on every request).
 */
export function drive(load: EngineLoad, signal: AbortSignal): Promise<EngineMeasurement> {
  return new Promise((resolve) => new Driver(load, signal, resolve).start());
}

/** How long a live segment's figures may run before later seconds share its last timeline bucket. */
const LIVE_SEGMENT_S = 3600;

/**
 * Live load (`bench serve`): runs until stopped, feeding `tap` with every answer, while its
 * clients, rate or requests change under it (`retarget`). What it measured since the last change
 * comes out as one window (`cut`), so that each setting the instructor held becomes a row.
 */
export function driveLive(load: EngineLoad, tap: LiveTap, signal: AbortSignal, onStop: (last: EngineMeasurement) => void): LiveDriver {
  const driver = new Driver({ ...load, durationS: LIVE_SEGMENT_S }, signal, onStop, tap);
  driver.start();
  return driver;
}

export interface LiveDriver {
  /** New requests, clients or rate, same kind of loop: closed-loop clients are added, or retired as their answers come. */
  retarget(load: EngineLoad): void;
  /** Closes the window on what was measured so far and opens the next one `settleS` from now. */
  cut(settleS: number): EngineMeasurement;
  /** Requests sent and not answered yet, and open-loop sends waiting for a connection. */
  inFlight(): number;
}

/** How often requests are checked against the timeout: a timer per request would cost more than the request. */
const TIMEOUT_SWEEP_MS = 100;

/** How often the child reports live figures while the window is open. */
const LIVE_EVERY_MS = 500;

class Connection {
  socket: TcpConnection | undefined;
  readonly parser = new ResponseParser();
  /** When the request in flight was meant to start (open loop) or started (closed loop); undefined when idle. */
  startedAt: number | undefined;
  /** The socket has served a response before: the server may have closed it meanwhile. */
  reused = false;
  /** The request in flight, for a retry. */
  request: SentRequest | undefined;
  /** The worker pid the socket's last answer named (0: none yet): a kept-alive socket stays with one worker. */
  answeredBy = 0;
  /** The window that has counted this socket among its worker's connections. */
  countedIn: Window | undefined;
}

/** A request's bytes, and which of the mix's requests it is (0 without a mix). */
interface SentRequest {
  bytes: Buffer;
  index: number;
}

class Driver implements LiveDriver {
  private url: URL;
  /** The requests sent in turn: one, or a mix's cycle. */
  private requests: SentRequest[];
  private nextRequest = 0;
  private window: Window;
  private windowTimer: NodeJS.Timeout | undefined;
  private readonly connections = new Set<Connection>();
  private readonly idle: Connection[] = [];
  /** Open loop: intended send times still waiting for a connection. */
  private readonly backlog: number[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private scheduleTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private stopped = false;
  private scheduled = 0;
  private slowClients: SlowClients | undefined;
  /** Slow clients' answers counted into windows already cut (live load). */
  private slowCompletedBefore = 0;

  constructor(
    private load: EngineLoad,
    private readonly signal: AbortSignal,
    private readonly finish: (m: EngineMeasurement) => void,
    private readonly tap?: LiveTap,
  ) {
    [this.url, this.requests] = requestsOf(load);
    this.window = new Window(load.durationS, load.requests, tap, load.recordAnswers);
  }

  start(): void {
    this.startedAt = performance.now();
    const warmupMs = this.load.warmupS * 1000;
    // Before the normal clients, so that the slow ones already hold what they hold when the window opens.
    if (this.load.slowClients) this.slowClients = startSlowClients(this.url, this.load.slowClients, { countFrom: this.startedAt + warmupMs });
    this.windowTimer = setTimeout(() => this.window.open(), warmupMs);
    // Live load runs until it is stopped.
    if (!this.tap) this.timers.push(setTimeout(() => this.stop(), warmupMs + this.load.durationS * 1000));
    this.timers.push(setInterval(() => this.sweepTimeouts(), TIMEOUT_SWEEP_MS));
    // Twice a second, the window's current figures for the parent's progress line (live load has its tap instead).
    if (!this.tap) {
      this.timers.push(
        setInterval(() => {
          const figures = this.window.live();
          if (figures) process.send?.({ type: 'live', figures });
        }, LIVE_EVERY_MS),
      );
    }
    this.signal.addEventListener('abort', () => this.stop(), { once: true });
    if ('concurrency' in this.load) this.addClients();
    else this.schedule();
  }

  retarget(load: EngineLoad): void {
    if ('concurrency' in load !== 'concurrency' in this.load) throw new Error('a live load cannot switch between closed and open loop');
    this.load = { ...load, durationS: this.load.durationS };
    [this.url, this.requests] = requestsOf(load);
    this.nextRequest = 0;
    const slow = load.slowClients?.count ?? 0;
    if (this.slowClients) this.slowClients.setCount(slow);
    else if (slow > 0) this.slowClients = startSlowClients(this.url, load.slowClients!);
    if ('concurrency' in this.load) return this.addClients();
    // The new rate's schedule starts now; sends already waiting keep their intended times.
    clearTimeout(this.scheduleTimer);
    this.startedAt = performance.now();
    this.scheduled = 0;
    this.schedule();
  }

  cut(settleS: number): EngineMeasurement {
    this.window.close(this.backlog, this.waitingSince());
    const measured = this.measured();
    this.window = new Window(this.load.durationS, this.load.requests, this.tap, this.load.recordAnswers);
    clearTimeout(this.windowTimer);
    this.windowTimer = setTimeout(() => this.window.open(), settleS * 1000);
    return measured;
  }

  /** When each request still waiting for its answer was sent (or meant to be, open loop). */
  private waitingSince(): number[] {
    const since: number[] = [];
    for (const connection of this.connections) if (connection.startedAt !== undefined) since.push(connection.startedAt);
    return since;
  }

  inFlight(): number {
    let busy = this.backlog.length;
    for (const connection of this.connections) if (connection.startedAt !== undefined) busy++;
    return busy;
  }

  /** Closed loop: opens clients until there are as many as asked (fewer are retired in next()). */
  private addClients(): void {
    if (!('concurrency' in this.load)) return;
    while (this.connections.size < this.load.concurrency) this.send(new Connection(), performance.now());
  }

  /** Open loop: sends everything due by now, then sleeps until the next intended time. */
  private schedule(): void {
    if (this.stopped || !('offeredRps' in this.load)) return;
    const intervalMs = 1000 / this.load.offeredRps;
    const now = performance.now();
    for (;;) {
      const intended = this.startedAt + this.scheduled * intervalMs;
      if (intended > now) {
        this.scheduleTimer = setTimeout(() => this.schedule(), intended - now);
        return;
      }
      this.scheduled++;
      const connection = this.idle.pop() ?? (this.connections.size < this.load.maxConnections ? new Connection() : undefined);
      if (connection) this.send(connection, intended);
      else {
        this.backlog.push(intended);
        this.window.late(intended);
      }
    }
  }

  /** Sends the next request on `connection`; `retry`: the same request again, not a new send. */
  private send(connection: Connection, startedAt: number, retry = false): void {
    if (this.stopped) return;
    this.connections.add(connection);
    this.window.connections(this.connections.size);
    connection.startedAt = startedAt;
    connection.parser.reset(this.load.countAnswers);
    if (!connection.socket) {
      connection.socket = this.open(connection);
      connection.reused = false;
      connection.answeredBy = 0;
      connection.countedIn = undefined;
    }
    // A retry sends the same request again; a new send takes the next of the mix.
    if (!retry) connection.request = this.requests[this.nextRequest++ % this.requests.length]!;
    connection.socket.write(connection.request!.bytes);
    if (!retry) this.window.sent();
  }

  private open(connection: Connection): TcpConnection {
    const mine = () => connection.socket === socket && connection.startedAt !== undefined;
    const { open, address } = openerFor(this.url.hostname);
    const socket: TcpConnection = open(address, Number(this.url.port || 80), {
      data: (bytes) => {
        if (mine()) this.received(connection, bytes);
      },
      end: () => {
        if (!mine()) return this.drop(connection, socket);
        if (connection.parser.endOfStream()) this.complete(connection, connection.parser.head!.status, false);
        else this.closedUnderRequest(connection, 'reset');
      },
      error: (code) => {
        if (!mine()) return this.drop(connection, socket);
        if (code === 'ECONNREFUSED') return this.fail(connection, 'refused');
        this.closedUnderRequest(connection, code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'other');
      },
    });
    return socket;
  }

  private received(connection: Connection, chunk: Buffer): void {
    let complete: boolean;
    try {
      complete = connection.parser.feed(chunk);
    } catch {
      return this.fail(connection, 'other');
    }
    if (complete) this.complete(connection, connection.parser.head!.status, connection.parser.head!.keepAlive);
  }

  /**
   * The connection ended before the answer was complete. On a kept-alive connection that had not
   * sent a byte of the answer yet, the server closed it as idle while the request was on its way
   * (a keep-alive race every HTTP client retries): send it again on a new connection, from the
   * same start. Anything else fails as `how`.
   */
  private closedUnderRequest(connection: Connection, how: FailureKind): void {
    if (connection.reused && !connection.parser.head) {
      connection.socket?.close();
      connection.socket = undefined;
      return this.send(connection, connection.startedAt!, true);
    }
    this.fail(connection, how);
  }

  /** A connection the server closed while it was idle: forget it. */
  private drop(connection: Connection, socket: TcpConnection): void {
    socket.close();
    if (connection.socket !== socket) return;
    connection.socket = undefined;
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    this.connections.delete(connection);
  }

  private complete(connection: Connection, status: number, keepAlive: boolean): void {
    const now = performance.now();
    const latencyMs = now - connection.startedAt!;
    // Close first, record after: a server that waits for the client's close before it takes the
    // next connection (Werkzeug 3) idles for whatever the client does in between, and the
    // histograms' work, cold in cache between responses, is most of that.
    if (!keepAlive) {
      connection.socket?.close();
      connection.socket = undefined;
    }
    this.window.response(status, latencyMs, connection.request!.index, now, connection.parser.head!.version);
    const pid = connection.parser.head!.workerPid;
    if (pid !== 0 && status >= 200 && status < 300) {
      const counted = connection.countedIn === this.window && pid === connection.answeredBy;
      if (this.window.answeredBy(pid, !counted)) connection.countedIn = this.window;
      connection.answeredBy = pid;
    }
    if (this.load.countAnswers && status === 200) this.window.countAnswer(connection.parser.bodyText());
    this.next(connection, keepAlive);
  }

  private fail(connection: Connection, how: FailureKind): void {
    this.window.error(performance.now() - connection.startedAt!, how);
    this.next(connection, false);
  }

  /** The connection is free: send its next request (closed loop), or serve the backlog, or idle. */
  private next(connection: Connection, keepAlive: boolean): void {
    connection.startedAt = undefined;
    connection.reused = keepAlive;
    if (!keepAlive) {
      connection.socket?.close();
      connection.socket = undefined;
    }
    if (this.stopped) return;
    if ('concurrency' in this.load) {
      // Live load turned the clients down: this one is retired now that its answer came.
      if (this.connections.size > this.load.concurrency) {
        connection.socket?.close();
        this.connections.delete(connection);
        return;
      }
      return this.send(connection, performance.now());
    }
    // A send that waited past the timeout for a connection has timed out already: sending it now
    // would only feed the server a request its client has given up on.
    const tooOld = performance.now() - this.load.timeoutS * 1000;
    while (this.backlog.length > 0 && this.backlog[0]! < tooOld) this.window.error(performance.now() - this.backlog.shift()!, 'timeout');
    const waiting = this.backlog.shift();
    if (waiting !== undefined) return this.send(connection, waiting);
    if (keepAlive) this.idle.push(connection);
    else this.connections.delete(connection);
  }

  private sweepTimeouts(): void {
    const limit = performance.now() - this.load.timeoutS * 1000;
    for (const connection of this.connections) {
      if (connection.startedAt !== undefined && connection.startedAt < limit) this.fail(connection, 'timeout');
    }
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.window.close(this.backlog, this.waitingSince());
    for (const timer of this.timers) clearTimeout(timer);
    clearTimeout(this.scheduleTimer);
    clearTimeout(this.windowTimer);
    for (const connection of this.connections) connection.socket?.close();
    this.slowClients?.stop();
    this.finish(this.measured());
  }

  /** The window's figures, and the slow clients' answers since the last window was cut. */
  private measured(): EngineMeasurement {
    const result = this.window.result('offeredRps' in this.load);
    if (!this.slowClients) return result;
    const completed = this.slowClients.completed();
    const slowCompleted = completed - this.slowCompletedBefore;
    this.slowCompletedBefore = completed;
    return { ...result, slowCompleted };
  }
}

/** Everything that happens while the window is open: counts, latency histograms, per-second buckets, the generator's own cost. */
class Window {
  private openedAt: number | undefined;
  private closedAt: number | undefined;
  private ok = 0;
  private non2xx = 0;
  private errors = 0;
  private timeouts = 0;
  private refused = 0;
  private resets = 0;
  private sends = 0;
  private lateSends = 0;
  private unsent = 0;
  private peakConnections = 0;
  private readonly latencies = new LatencyHistogram();
  private readonly failures = new LatencyHistogram();
  /** With a mix: each of its requests' 2xx latencies apart, in the mix's order. */
  private readonly byRequest: { name: string; weight: number; latencies: LatencyHistogram }[];
  private readonly seconds: { ok: number; errors: number; non2xx: number; latency: LatencyHistogram }[] = [];
  private cpuAtOpen: NodeJS.CpuUsage | undefined;
  private cpuPercent = 0;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private readonly counts = new CountRecorder();
  /** The demo app's worker pids: the 2xx answers each gave, and the connections it answered on. */
  private readonly workers = new Map<number, { responses: number; connections: number }>();
  private recorder: AnswerRecorder | undefined;

  constructor(
    private readonly durationS: number,
    mix: EngineLoad['requests'],
    /** Live load: every answer, whether or not the window is open. */
    private readonly tap?: LiveTap,
    private readonly recordAnswers = false,
  ) {
    this.byRequest = (mix ?? []).map((r) => ({ name: `${r.method} ${r.path}`, weight: r.weight, latencies: new LatencyHistogram() }));
  }

  get isOpen(): boolean {
    return this.openedAt !== undefined && this.closedAt === undefined;
  }

  open(): void {
    this.openedAt = performance.now();
    if (this.recordAnswers) this.recorder = new AnswerRecorder(this.openedAt);
    this.cpuAtOpen = process.cpuUsage();
    this.loopDelay.enable();
    process.send?.({ type: 'window-open' });
  }

  /** Stops counting; intended sends inside the window still waiting for a connection were never sent. */
  close(backlog: number[], waitingSince: number[]): void {
    if (!this.isOpen) return;
    this.closedAt = performance.now();
    this.recorder?.waiting(waitingSince);
    this.loopDelay.disable();
    const used = process.cpuUsage(this.cpuAtOpen);
    this.cpuPercent = round1(((used.user + used.system) / 1000 / Math.max(this.closedAt - this.openedAt!, 1)) * 100);
    this.unsent = backlog.filter((t) => t >= this.openedAt!).length;
  }

  late(at: number): void {
    if (this.isOpen && at >= this.openedAt!) this.lateSends++;
  }

  sent(): void {
    if (this.isOpen) this.sends++;
  }

  connections(open: number): void {
    if (this.isOpen && open > this.peakConnections) this.peakConnections = open;
  }

  /** A response completed at `now`, from the app's `version` when it announces one. */
  response(status: number, latencyMs: number, request: number, now: number, version: string | undefined): void {
    this.tap?.response(status, latencyMs);
    if (!this.isOpen) return;
    this.recorder?.record(now, latencyMs, status, version);
    const second = this.second(now);
    if (status >= 200 && status < 300) {
      this.ok++;
      this.latencies.recordMs(latencyMs);
      this.byRequest[request]?.latencies.recordMs(latencyMs);
      second.ok++;
      second.latency.recordMs(latencyMs);
    } else {
      this.non2xx++;
      this.failures.recordMs(latencyMs);
      second.non2xx++;
    }
  }

  /** A 2xx answer named worker `pid`; `newConnection`: the first its connection got from that worker in this window. False while closed. */
  answeredBy(pid: number, newConnection: boolean): boolean {
    if (!this.isOpen) return false;
    let worker = this.workers.get(pid);
    if (!worker) this.workers.set(pid, (worker = { responses: 0, connections: 0 }));
    worker.responses++;
    if (newConnection) worker.connections++;
    return true;
  }

  /** A /count answer's body (load.countAnswers), kept with its time in the window. */
  countAnswer(body: string | undefined): void {
    if (this.isOpen) this.counts.record((performance.now() - this.openedAt!) / 1000, body);
  }

  error(latencyMs: number, how: FailureKind): void {
    this.tap?.error(how);
    if (!this.isOpen) return;
    this.recorder?.record(performance.now(), latencyMs, 0, undefined);
    this.errors++;
    if (how === 'timeout') this.timeouts++;
    if (how === 'refused') this.refused++;
    if (how === 'reset') this.resets++;
    this.failures.recordMs(latencyMs);
    this.second(performance.now()).errors++;
  }

  result(open: boolean): EngineMeasurement {
    const lengthS = this.openedAt === undefined ? 0 : ((this.closedAt ?? performance.now()) - this.openedAt) / 1000;
    // The last bucket may cover less than a second: its counts are scaled to per-second rates.
    const bucketS = (t: number) => Math.max(Math.min(1, lengthS - t), 1e-3);
    const perSecond = (count: number, t: number) => Math.round((count / bucketS(t)) * 10) / 10;
    const loop = this.loopDelay;
    const counts = this.counts.samples();
    return {
      lengthS,
      ok: this.ok,
      non2xx: this.non2xx,
      errors: this.errors,
      timeouts: this.timeouts,
      refused: this.refused,
      resets: this.resets,
      histogram: this.latencies.encode(),
      errorHistogram: this.failures.encode(),
      timeline: this.seconds.map((s, t) => ({
        t,
        rps: perSecond(s.ok, t),
        p50Ms: s.latency.percentileMs(50),
        p99Ms: s.latency.percentileMs(99),
        errors: perSecond(s.errors, t),
        non2xx: perSecond(s.non2xx, t),
      })),
      ...(open && { unsent: this.unsent, late: this.lateSends, peakConnections: this.peakConnections }),
      cpuPercent: this.cpuPercent,
      ...(this.byRequest.length > 0 && { byRequest: this.byRequest.map((r) => ({ name: r.name, weight: r.weight, ok: r.latencies.count, histogram: r.latencies.encode() })) }),
      sent: this.sends,
      eventLoopDelayMs: loop.count > 0 ? { p99: round1(loop.percentile(99) / 1e6), max: round1(loop.max / 1e6) } : null,
      ...(counts && { counts }),
      ...(this.workers.size > 0 && { workers: [...this.workers].map(([pid, w]) => ({ pid, ...w })) }),
      ...(this.recorder && { answers: this.recorder.answers() }),
    };
  }

  /** The latest second's rate so far and its p99 (the second before, while the current one is under 0.2 s old). */
  live(): LiveFigures | undefined {
    if (!this.isOpen) return undefined;
    const elapsedS = (performance.now() - this.openedAt!) / 1000;
    let index = Math.min(Math.floor(elapsedS), this.seconds.length - 1);
    if (index < 0) return undefined;
    if (elapsedS - index < 0.2 && index > 0) index--;
    const bucket = this.seconds[index]!;
    const spanS = index === Math.floor(elapsedS) ? Math.max(elapsedS - index, 0.05) : 1;
    return { rps: Math.round((bucket.ok / spanS) * 10) / 10, p99Ms: bucket.ok > 0 ? bucket.latency.percentileMs(99) : null };
  }

  private second(now: number) {
    const index = Math.min(Math.floor((now - this.openedAt!) / 1000), Math.ceil(this.durationS) - 1);
    while (this.seconds.length <= index) this.seconds.push({ ok: 0, errors: 0, non2xx: 0, latency: new LatencyHistogram(2) });
    return this.seconds[index]!;
  }
}

/** The URL and the requests sent in turn: one request, or each of a mix formatted once and cycled. */
function requestsOf(load: EngineLoad): [URL, SentRequest[]] {
  const url = new URL(load.url);
  const requests = load.requests
    ? mixCycle(load.requests.map((r, index) => ({ weight: r.weight, index, bytes: formatRequest(new URL(r.path, url), r.method, r.headers, r.body) })))
    : [{ index: 0, bytes: formatRequest(url) }];
  return [url, requests];
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
