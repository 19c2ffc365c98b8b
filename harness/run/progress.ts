/**
 * Progress on stderr: one line rewritten in place on a terminal, a line per finished point
 * otherwise (so CI logs stay readable).
 */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private liveLine = false;

  constructor(private readonly quiet = false) {}

  /** A line that stays. */
  say(text: string): void {
    if (this.quiet) return;
    this.clearLive();
    process.stderr.write(text + '\n');
  }

  /** A line that the next update replaces (terminal only). */
  live(text: string): void {
    if (this.quiet || !this.tty) return;
    const width = process.stderr.columns || 100;
    process.stderr.write('\r\x1b[2K' + text.slice(0, width - 1));
    this.liveLine = true;
  }

  clearLive(): void {
    if (this.liveLine) process.stderr.write('\r\x1b[2K');
    this.liveLine = false;
  }
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
