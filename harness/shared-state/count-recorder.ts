import { parseCountBody, type CountSample } from './count-sequences.js';

/** The most /count answers one window keeps: enough for a chart, small enough for results.json. */
export const MAX_COUNT_SAMPLES = 2000;

/**
 * The /count answers of one window, spread evenly over it however many arrive: every answer while
 * fewer than MAX_COUNT_SAMPLES have been kept, then every second one, every fourth, ... (each time
 * the list is full, every other sample is dropped and the stride doubles). Any subsequence of one
 * process's answers keeps their order, so what is kept still shows each sequence as it rose.
 */
export class CountRecorder {
  private readonly kept: CountSample[] = [];
  private stride = 1;
  private seen = 0;

  /** An answer's body, `atS` seconds into the window; anything but {"count":N,"pid":P} is ignored. */
  record(atS: number, body: string | undefined): void {
    if (this.seen++ % this.stride !== 0) return;
    const answer = body === undefined ? undefined : parseCountBody(body);
    if (!answer) return;
    this.kept.push({ atS: Math.round(atS * 1000) / 1000, ...answer });
    if (this.kept.length < MAX_COUNT_SAMPLES) return;
    let write = 0;
    for (let read = 0; read < this.kept.length; read += 2) this.kept[write++] = this.kept[read]!;
    this.kept.length = write;
    this.stride *= 2;
  }

  samples(): CountSample[] | undefined {
    return this.kept.length > 0 ? this.kept : undefined;
  }
}
