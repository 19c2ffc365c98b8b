import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';
import type { LiveTick, ServeState } from '../../harness/serve/protocol.js';

/** A running `bench serve`, as a user starts it: the real binary, its printed URL, and a session cookie. */
export interface Serving {
  child: ChildProcess;
  /** The URL bench printed, token included. */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  cookie: string;
  stderr(): string;
  /** Ctrl-C (or another signal): resolves to the exit code once bench has stopped. */
  interrupt(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `bin`: another bench than this checkout's (the one an npm install put in place). */
export async function startServe(args: string[], cwd: string, bin = BIN): Promise<Serving> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /open (http:\/\/\S+)/.exec(stdout);
      if (found) resolve(found[1]!);
    });
    child.on('exit', (code) => reject(new Error(`bench serve exited (${code}) before printing its URL: ${stderr}`)));
  });
  const origin = new URL(url).origin;
  const first = await fetch(url, { redirect: 'manual' });
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    url,
    origin,
    cookie,
    stderr: () => stderr,
    interrupt: (signal = 'SIGINT') => {
      child.kill(signal);
      return exited;
    },
  };
}

/** One call to the page's API, as the page makes it. */
export async function api(serving: Serving, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(serving.origin + path, {
    method,
    headers: { cookie: serving.cookie, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

/** The page's event stream, read as the page reads it: the latest state, and every tick since a mark. */
export class EventFeed {
  state: ServeState | undefined;
  /** Every state so far, in order: what was true for a moment (a load waiting for a deployment) stays seen. */
  readonly states: ServeState[] = [];
  readonly ticks: LiveTick[] = [];
  private readonly abort = new AbortController();

  constructor(private readonly serving: Serving) {}

  async open(): Promise<void> {
    const res = await fetch(this.serving.origin + '/api/events', { headers: { cookie: this.serving.cookie }, signal: this.abort.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null');
            if (event === 'state') this.states.push((this.state = data));
            if (event === 'tick') this.ticks.push(data);
          }
        }
      } catch {
        // closed
      }
    })();
  }

  /** Waits until the state passes `test`, or fails after `timeoutMs` with the last state. */
  async until(test: (state: ServeState) => boolean, timeoutMs: number): Promise<ServeState> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.state && test(this.state)) return this.state;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`state never came: ${JSON.stringify(this.state)}`);
  }

  /** The ticks of the next `seconds`. */
  async ticksFor(seconds: number): Promise<LiveTick[]> {
    const from = this.ticks.length;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return this.ticks.slice(from);
  }

  close(): void {
    this.abort.abort();
  }
}
