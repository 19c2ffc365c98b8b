import { InvalidArgumentError } from 'commander';
import { describeLimit, isPlainDecimal, refusalOfText, type Limit } from '../scenario/limits.js';
import { requestPath } from '../scenario/schema.js';

/**
 * Flag parsers for `bench run`. Each one validates at the boundary and says what is expected;
 * commander adds the flag's name to the message. Numbers are plain decimals (Number() would take
 * "0x10" as 16 and " 5" as 5).
 */

/** A number within one of the limits the scenario file has too (harness/scenario/limits.ts), refused in the same words. */
export function limited(limit: Limit) {
  return (value: string): number => {
    const why = refusalOfText(limit, value);
    if (why) throw new InvalidArgumentError(why);
    return Number(value);
  };
}

/** A comma-separated list of numbers within a limit, e.g. --concurrency 1,4,16. */
export function limitedList(limit: Limit) {
  const one = limited(limit);
  return (value: string): number[] => {
    const items = value.split(',');
    if (items.some((s) => s === '')) throw new InvalidArgumentError(`expected a comma-separated list (no spaces), each ${describeLimit(limit)}, e.g. 1,4,16,64`);
    return items.map(one);
  };
}

export function positiveInt(max: number) {
  return limited({ unit: '', min: 1, max, whole: true });
}

/** Like positiveInt, and 0 too. */
export function wholeNumber(max: number) {
  return limited({ unit: '', min: 0, max, whole: true });
}

/** "HOST:PORT" (an IPv6 host in brackets: "[::1]:5557"). */
export function hostPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/.exec(value.trim());
  const port = Number(match?.[3]);
  if (!match || !(port >= 1 && port <= 65_535)) throw new InvalidArgumentError('expected HOST:PORT, e.g. 192.168.1.10:5557');
  return { host: match[1] ?? match[2]!, port };
}

export function nameList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new InvalidArgumentError('expected a comma-separated list, e.g. node-blocking,node-async');
  return items;
}

export function path(value: string): string {
  const parsed = requestPath.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]!.message);
  return value;
}

/** --threshold: a percentage; above 1000% a "regression" would mean nothing. Commander names the flag. */
export function threshold(value: string): number {
  const n = Number(value);
  if (!isPlainDecimal(value) || n <= 0 || n > 1000) {
    throw new InvalidArgumentError('expected a positive percentage up to 1000, e.g. 10');
  }
  return n;
}
