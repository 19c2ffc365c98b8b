/** The middle value; of an even count, the mean of the two middle ones, to a thousandth as every reported figure is. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : toThousandths((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/** Figures are kept to a thousandth (of a millisecond, of a request a second): finer digits are noise. */
export function toThousandths(x: number): number {
  return Math.round(x * 1000) / 1000;
}
