import { performance } from 'node:perf_hooks';
import type { AnswerLog } from '../engine.js';

/** Keeps every answer of an open window (EngineLoad.recordAnswers), versions interned. */
export class AnswerRecorder {
  private readonly log: AnswerLog;
  private readonly versionIndex = new Map<string, number>();

  constructor(private readonly openedAt: number) {
    this.log = { openedAtEpochMs: performance.timeOrigin + openedAt, atMs: [], latencyMs: [], status: [], version: [], versions: [], waitingSentMs: [] };
  }

  /** An answer completed at `now` (performance.now()); status 0: none came. */
  record(now: number, latencyMs: number, status: number, version: string | undefined): void {
    this.log.atMs.push(round1(now - this.openedAt));
    this.log.latencyMs.push(round1(latencyMs));
    this.log.status.push(status);
    this.log.version.push(version === undefined ? -1 : this.intern(version));
  }

  /** The window closed with these requests (sent at these performance.now() times) still unanswered. */
  waiting(sentAt: number[]): void {
    this.log.waitingSentMs = sentAt.map((t) => round1(t - this.openedAt));
  }

  answers(): AnswerLog {
    return this.log;
  }

  private intern(version: string): number {
    let index = this.versionIndex.get(version);
    if (index === undefined) {
      index = this.log.versions.push(version) - 1;
      this.versionIndex.set(version, index);
    }
    return index;
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
