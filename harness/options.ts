import { InvalidArgumentError } from 'commander';
import { requestPath } from './scenario/schema.js';

/**
 * Flag parsers for `bench run`. Each one validates at the boundary and says what is expected;
 * commander adds the flag's name to the message.
 */
export function seconds(min: 'positive' | 'zero-ok') {
  return (value: string): number => {
    const n = Number(value);
    const ok = value.trim() !== '' && Number.isFinite(n) && (min === 'positive' ? n > 0 : n >= 0) && n <= 3600;
    if (!ok) throw new InvalidArgumentError(`expected a ${min === 'positive' ? 'positive ' : ''}number of seconds up to 3600`);
    return n;
  };
}

export function positiveInt(max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    }
    return Number(value);
  };
}

/** Like positiveInt, and 0 too. */
export function wholeNumber(max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) > max) throw new InvalidArgumentError(`expected a whole number from 0 to ${max}`);
    return Number(value);
  };
}

export function intList(max: number) {
  const one = positiveInt(max);
  return (value: string): number[] => {
    const items = value.split(',').map((s) => s.trim());
    if (items.length === 0 || items.some((s) => s === '')) {
      throw new InvalidArgumentError(`expected a comma-separated list of whole numbers, e.g. 1,4,16,64`);
    }
    try {
      return items.map(one);
    } catch {
      throw new InvalidArgumentError(`expected a comma-separated list of whole numbers from 1 to ${max}, e.g. 1,4,16,64`);
    }
  };
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
