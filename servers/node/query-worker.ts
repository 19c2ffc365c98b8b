import { workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import type { Answer, Statement } from './database.js';

/**
 * The blocking Node worker's connection (database.ts, blockingDatabase): runs each statement the
 * blocked thread posts, posts the answer back, then wakes that thread. One statement at a time,
 * since the thread that posts it waits for its answer.
 */
const { config, port, done } = workerData as { config: pg.ClientConfig; port: MessagePort; done: Int32Array };
const client = new pg.Client(config);
// The connection dropped between statements: the next one's answer says so.
client.on('error', () => {});
let connected: Promise<unknown> | undefined;

port.on('message', async (statement: Statement) => {
  let answer: Answer;
  try {
    await (connected ??= client.connect());
    answer = { rows: (await client.query(statement)).rows };
  } catch (err) {
    answer = { error: (err as Error).message };
  }
  port.postMessage(answer);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
