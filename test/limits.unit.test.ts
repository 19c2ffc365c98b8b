import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../harness/cli/errors.js';
import { LIMITS, type Limit } from '../harness/scenario/limits.js';
import { limited, limitedList } from '../harness/cli/option-parsers.js';
import { buildPlan } from '../harness/plan/build-plan.js';
import { parseScenario } from '../harness/scenario/load.js';

const BASE = 'path: /hello\nduration: 1\nconcurrency: [1]\ndeployments: [{ kind: gunicorn-gthread, workers: 2 }]\n';

/** Each limit with the flag and the scenario key that carry it (the flag may take a list). */
const CARRIERS: { limit: Limit; flag: (text: string) => unknown; key: string; yaml: (value: string) => string }[] = [
  { limit: LIMITS.workers, flag: limited(LIMITS.workers), key: 'deployments[0].workers', yaml: (v) => BASE.replace('workers: 2', `workers: ${v}`) },
  { limit: LIMITS.threads, flag: limited(LIMITS.threads), key: 'deployments[0].threads', yaml: (v) => BASE.replace('workers: 2', `threads: ${v}`) },
  { limit: LIMITS.concurrency, flag: limitedList(LIMITS.concurrency), key: 'concurrency[0]', yaml: (v) => BASE.replace('[1]', `[${v}]`) },
  { limit: LIMITS.rate, flag: limitedList(LIMITS.rate), key: 'rate[0]', yaml: (v) => `${BASE}rate: [${v}]\n` },
  { limit: LIMITS.duration, flag: limited(LIMITS.duration), key: 'duration', yaml: (v) => BASE.replace('duration: 1', `duration: ${v}`) },
  { limit: LIMITS.warmup, flag: limited(LIMITS.warmup), key: 'warmup', yaml: (v) => `${BASE}warmup: ${v}\n` },
  { limit: LIMITS.repeat, flag: limited(LIMITS.repeat), key: 'repeat', yaml: (v) => `${BASE}repeat: ${v}\n` },
  { limit: LIMITS.maxConnections, flag: limited(LIMITS.maxConnections), key: 'maxConnections', yaml: (v) => `${BASE}rate: [10]\nmaxConnections: ${v}\n` },
];

function flagRefusal(flag: (text: string) => unknown, text: string): string | undefined {
  try {
    flag(text);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
}

/** The message after "file:line:col: key: ", or undefined when the scenario is accepted. */
function keyRefusal(text: string, key: string): string | undefined {
  try {
    parseScenario(text, 'limits.yaml');
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as Error).message;
    const prefix = new RegExp(`^limits\\.yaml:\\d+:\\d+: ${key.replace(/[[\].]/g, '\\$&')}: `);
    expect(message).toMatch(prefix);
    return message.replace(prefix, '');
  }
}

describe('one table of limits', () => {
  it('refuses a value past each limit in the same words from a flag and from a scenario key, naming the limit', () => {
    for (const { limit, flag, key, yaml } of CARRIERS) {
      const outside = [limit.min - 1, limit.max + 1, ...(limit.whole ? [limit.min + 0.5] : [])];
      for (const value of outside) {
        const fromFlag = flagRefusal(flag, String(value));
        expect(fromFlag, `${key} = ${value}`).toMatch(new RegExp(`from ${limit.min} to ${limit.max}, got ${value}`));
        expect(keyRefusal(yaml(String(value)), key), `${key} = ${value}`).toBe(fromFlag);
      }
    }
  });

  it('accepts each limit at both of its edges from either side', () => {
    for (const { limit, flag, key, yaml } of CARRIERS) {
      for (const value of [limit.min, limit.max]) {
        expect(flagRefusal(flag, String(value)), `${key} = ${value}`).toBeUndefined();
        expect(keyRefusal(yaml(String(value)), key), `${key} = ${value}`).toBeUndefined();
      }
    }
  });

  it('gives the reason for a window under the minimum, on the command line and in a file', () => {
    expect(flagRefusal(limited(LIMITS.duration), '0.2')).toContain(`got 0.2: ${LIMITS.duration.belowMin}`);
    expect(keyRefusal(BASE.replace('duration: 1', 'duration: 0.0001'), 'duration')).toContain(LIMITS.duration.belowMin);
  });

  it('reads numbers in plain decimal notation only, on the command line as in a file', () => {
    const workers = limited(LIMITS.workers);
    for (const text of ['0x10', '1e1', ' 5', '5 ', '+5', 'Infinity', '0b11', '1_0', '']) {
      expect(flagRefusal(workers, text), JSON.stringify(text)).toMatch(/in plain decimal digits, got "/);
    }
    for (const text of ['16', '016']) expect(workers(text)).toBe(16);
    const duration = limited(LIMITS.duration);
    for (const [text, value] of [['0.5', 0.5], ['.5', 0.5], ['2.', 2]] as const) expect(duration(text)).toBe(value);
    for (const source of ['0x10', '1e1', '0o20', '.inf', '-.inf']) {
      expect(keyRefusal(BASE.replace('workers: 2', `workers: ${source}`), 'deployments[0].workers')).toMatch(/is not a plain decimal number \(YAML reads it as/);
    }
    // Text that only looks like a number is text when quoted.
    expect(parseScenario(BASE.replace('workers: 2', 'workers: 2, label: "0x10"'), 'limits.yaml').deployments[0]).toMatchObject({ label: '0x10' });
  });
});

describe('deployments that share a label', () => {
  const twoGthreads = (extra: [string, string]) =>
    parseScenario(
      'path: /hello\nduration: 1\nconcurrency: [1]\ndeployments:\n' +
        `  - { kind: gunicorn-gthread, workers: 2, env: { GUNICORN_CMD_ARGS: "--keep-alive 5" }${extra[0]} }\n` +
        `  - { kind: gunicorn-gthread, workers: 2, env: { GUNICORN_CMD_ARGS: "--keep-alive 0" }${extra[1]} }\n`,
      'env.yaml',
    );

  it('runs two that differ only in env side by side once each has a label of its own', () => {
    const plan = buildPlan(twoGthreads([', label: keep-alive 5', ', label: keep-alive 0']), {});
    expect(plan.deployments.map((d) => d.label)).toEqual(['keep-alive 5 ×2 (4 threads)', 'keep-alive 0 ×2 (4 threads)']);
    expect(plan.deployments.map((d) => d.spec.env?.GUNICORN_CMD_ARGS)).toEqual(['--keep-alive 5', '--keep-alive 0']);
  });

  it('asks for labels, never for --repeat, when they differ in env, and names the variable but not its value', () => {
    const refused = () => buildPlan(twoGthreads(['', '']), {});
    expect(refused).toThrow(UsageError);
    expect(refused).toThrow(/^deployments: two deployments are both labelled "gunicorn-gthread ×2 \(4 threads\)" and differ in env \(GUNICORN_CMD_ARGS\); give each a label: of its own/);
    expect(refused).not.toThrow(/--repeat|--keep-alive/);
  });

  it('calls the same deployment listed twice what it is: a repeat', () => {
    const same = parseScenario('path: /hello\nduration: 1\nconcurrency: [1]\ndeployments: [node-async, node-async]\n', 'same.yaml');
    expect(() => buildPlan(same, {})).toThrow(/^deployments: the deployment node-async is listed twice; list it once \(use --repeat to measure it again\)$/);
  });
});
