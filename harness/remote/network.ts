import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { median } from '../stats/median.js';
import { ResponseParser } from '../load/builtin/http.js';
import type { NetworkUse } from '../results/types.js';
import { formatMs } from '../formatting/numbers.js';

/** Connections timed at idle: the median of a few shrugs off one that waited on a busy scheduler. */
const SAMPLES = 5;
const TIMEOUT_MS = 5_000;

/** Whether `host` is this machine: loopback, or an address of one of its interfaces (no wire between). */
export function onThisMachine(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1' || /^127\./.test(bare)) return true;
  return Object.values(networkInterfaces())
    .flat()
    .some((i) => i?.address === bare);
}

/**
 * The network between the generator and a deployment on another machine, measured once at idle
 * before its first point: the round-trip time (the median TCP connect time to its port: a
 * connect is one round trip, SYN to SYN-ACK), and how many of them each request pays: one on a
 * kept-alive connection, two where the server closes after each response (a connect, then the
 * request). Which it is, the server says in its answer to one request at its health path.
 * Undefined for a deployment on this machine, where the wire adds nothing worth a term.
 */
export async function measureNetwork(baseUrl: string, healthPath: string, loadFromOtherMachines = false): Promise<NetworkUse | undefined> {
  if (onThisMachine(new URL(baseUrl).hostname)) return undefined;
  const network = await timeNetwork(baseUrl, healthPath);
  // Timed from this machine: Locust workers on other machines have their own round trip to the server, perhaps none of this one.
  return loadFromOtherMachines ? { ...network, notInModel: "timed from bench's machine, while Locust workers on other machines sent the load" } : network;
}

/** measureNetwork's figures, wherever the server is. */
export async function timeNetwork(baseUrl: string, healthPath: string): Promise<NetworkUse> {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    (await connected(host, port)).destroy();
    times.push(performance.now() - started);
  }
  const keepAlive = await keepsAlive(host, port, url.host, healthPath);
  return { rttMs: Math.round(median(times) * 100) / 100, roundTrips: keepAlive ? 1 : 2 };
}

function connected(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`no connection to ${host}:${port} within ${TIMEOUT_MS / 1000} s`)));
    socket.once('connect', () => {
      socket.setTimeout(0);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Whether the server keeps the connection open after answering one HTTP/1.1 request, as every engine bench drives asks it to. */
async function keepsAlive(host: string, port: number, hostHeader: string, path: string): Promise<boolean> {
  const socket = await connected(host, port);
  const parser = new ResponseParser();
  parser.reset();
  try {
    return await new Promise<boolean>((resolve, reject) => {
      socket.setTimeout(TIMEOUT_MS, () => reject(new Error(`no answer from ${host}:${port}${path} within ${TIMEOUT_MS / 1000} s`)));
      socket.on('data', (chunk: Buffer) => {
        try {
          if (parser.feed(chunk)) resolve(parser.head!.keepAlive);
        } catch (err) {
          reject(err as Error);
        }
      });
      // Closed before the body's end: a body that ends at EOF, on a connection that is not kept.
      socket.once('end', () => resolve(false));
      socket.once('error', reject);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`);
    });
  } finally {
    socket.destroy();
  }
}

/** The progress line for a measured network: the round trip, and how many each request pays in the model, with why. */
export function describeNetwork(network: NetworkUse): string {
  const why = network.roundTrips === 1 ? 'on a kept-alive connection' : 'the server closes each connection, so each request connects anew';
  return `round trip ${formatMs(network.rttMs)} ms (TCP connect at idle), ${network.roundTrips} per request in the model: ${why}`;
}
