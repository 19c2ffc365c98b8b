import { readFileSync, readdirSync, type Stats } from 'node:fs';
import { scenarioBaseDir } from '../app/app.js';
import { withAbsoluteConfigPaths } from '../deployments/config-file.js';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { isMap, isPair, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { closestKind, findKind } from '../deployments/kinds.js';
import { UsageError } from '../cli/errors.js';
import { notARegularFile, statIfPresent } from '../files/file-kind.js';
import { keyPath } from '../formatting/key-path.js';
import { faultReason } from '../files/machine-faults.js';
import { isPlainDecimal } from './limits.js';
import { scenariosDir } from '../files/bench-paths.js';
import { escapeControls, quoted } from '../formatting/quote.js';
import { closest } from '../formatting/suggest.js';
import { scenarioSchema, type ScenarioFile } from './schema.js';

export interface Scenario extends ScenarioFile {
  name: string;
  /** What reports call it (scenarioTitle). */
  title: string;
  file: string;
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Built-in scenarios: name → file. */
export function builtInScenarios(): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(scenariosDir).sort()) {
    if (EXTENSIONS.includes(extname(entry))) found.set(basename(entry, extname(entry)), join(scenariosDir, entry));
  }
  return found;
}

/** A built-in name ("blocking-vs-workers") or a path to a scenario file. */
export function resolveScenario(nameOrPath: string): string {
  const builtIn = builtInScenarios().get(nameOrPath);
  if (builtIn) return builtIn;
  const looksLikePath = nameOrPath.includes('/') || EXTENSIONS.includes(extname(nameOrPath));
  const given = escapeControls(nameOrPath);
  const stats = scenarioStats(nameOrPath, given);
  if (looksLikePath || stats) {
    if (!stats) throw new UsageError(`scenario file ${given} does not exist`);
    const kind = notARegularFile(stats);
    if (kind) throw new UsageError(`scenario file ${given} is ${kind}, not a scenario file; name a .yaml or .json file`);
    if (stats.size > MAX_SCENARIO_BYTES) {
      throw new UsageError(`scenario file ${given} holds ${stats.size} bytes; a scenario is a few kilobytes of YAML or JSON (at most ${MAX_SCENARIO_BYTES})`);
    }
    return resolve(nameOrPath);
  }
  const names = [...builtInScenarios().keys()];
  const guess = closest(nameOrPath, names);
  throw new UsageError(
    `unknown scenario ${quoted(nameOrPath)}` +
      (guess ? `; did you mean "${guess}"?` : `; built-in scenarios: ${names.join(', ')}`) +
      ' (a path to a .yaml or .json file works too)',
  );
}

/** Far more than any scenario needs; a larger file is something else given by mistake. */
const MAX_SCENARIO_BYTES = 1_000_000;

function scenarioStats(path: string, given: string): Stats | undefined {
  try {
    return statIfPresent(path);
  } catch (err) {
    throw new UsageError(`cannot read scenario file ${given}: ${faultReason(err as NodeJS.ErrnoException)}`);
  }
}

export function loadScenario(nameOrPath: string): Scenario {
  const file = resolveScenario(nameOrPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read scenario file ${file}: ${faultReason(err as NodeJS.ErrnoException)}`);
  }
  return parseScenario(text, file);
}

/** Parses and validates scenario text (YAML, of which JSON is a subset). Errors name file, line, column and key. */
export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const at = lineCounter.linePos(syntax.pos[0]);
    // yaml's own words for this one name its API (parseAllDocuments), which is no advice to a user.
    const said = syntax.code === 'MULTIPLE_DOCS' ? 'a second document starts here (a "---" line); a scenario is one document' : firstLine(syntax.message);
    throw new UsageError(`${file}:${at.line}:${at.col}: not valid YAML or JSON: ${said}`);
  }
  rejectNonDecimalNumbers(doc, lineCounter, file);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  if (data === null || data === undefined) {
    throw new UsageError(`${file}: the scenario file is empty; copy one from scenarios/ to start from`);
  }
  const parsed = scenarioSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const issue = innermost(parsed.error.issues[0]!);
    throw new UsageError(`${where(file, doc, lineCounter, issue)}: ${describeIssue(issue)}`);
  }
  const { path, requests, concurrency, rate } = parsed.data;
  if (concurrency === undefined && rate === undefined) {
    throw new UsageError(`${file}: missing required key "concurrency" (clients, for a closed loop) or "rate" (req/s offered, for an open loop)`);
  }
  if ((path === undefined) === (requests === undefined)) {
    throw new UsageError(`${file}: ${path === undefined ? 'missing required key "path" (or "requests", a weighted mix)' : 'give "path" or "requests", not both'}`);
  }
  // A config file's path, in config: or args:, is the scenario's, wherever bench runs from.
  const deployments = parsed.data.deployments.map((entry) =>
    typeof entry === 'string' ? entry : withAbsoluteConfigPaths(entry, scenarioBaseDir(file), findKind(entry.kind.split('+')[0]!)?.configFile),
  ) as ScenarioFile['deployments'];
  return { ...parsed.data, deployments, name: parsed.data.name ?? basename(file, extname(file)), title: scenarioTitle(parsed.data, file), file };
}

/**
 * What reports call a scenario: its `name:`, a built-in's name, else its description, else its
 * folder's name; never a user's bare file name, which says little ("bench: bench" for bench.yaml).
 */
function scenarioTitle(data: ScenarioFile, file: string): string {
  const folder = dirname(resolve(file));
  if (data.name) return data.name;
  if (folder === scenariosDir) return basename(file, extname(file));
  return data.description ?? (basename(folder) || basename(file, extname(file)));
}

/**
 * YAML reads 0x10 as 16, 1e-300 and .inf as numbers; a scenario's numbers are plain decimals, as on
 * the command line. Checked on the source text, where the notation still shows: once converted,
 * 0x10 and 16 are the same number to the schema.
 */
function rejectNonDecimalNumbers(doc: Document, lineCounter: LineCounter, file: string): void {
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'number' || node.source === undefined || isPlainDecimal(node.source)) return;
      const at = lineCounter.linePos(node.range?.[0] ?? 0);
      const decimal = String(node.value);
      throw new UsageError(
        `${file}:${at.line}:${at.col}: ${keyPath(yamlPath([...ancestors, node]))}: ${node.source} is not a plain decimal number (YAML reads it as ${decimal}); ` +
          `write ${isPlainDecimal(decimal) ? decimal : 'decimal digits, e.g. 0.5'}, or quote it if it is text`,
      );
    },
  });
}

/** The keys and indexes leading to the last node of a chain of YAML ancestors. */
function yamlPath(chain: readonly unknown[]): PropertyKey[] {
  const path: PropertyKey[] = [];
  chain.forEach((node, i) => {
    if (isPair(node)) path.push(String((node.key as { value?: unknown } | null)?.value ?? node.key));
    else if (isSeq(node)) path.push(node.items.indexOf(chain[i + 1] as never));
  });
  return path;
}

type Issue = z.core.$ZodIssue;

/**
 * A deployment is a kind's name or an object, a pool size one number or a list: the issue of the
 * branch the input is (else of the first, the single value), with its whole path.
 */
function innermost(issue: Issue): Issue {
  if (issue.code !== 'invalid_union') return issue;
  const branch = issue.errors.find((issues) => issues[0] && !(issues[0].code === 'invalid_type' && issues[0].path.length === 0)) ?? issue.errors[0];
  return branch?.[0] ? innermost({ ...branch[0], path: [...issue.path, ...branch[0].path] } as Issue) : issue;
}

function describeIssue(issue: Issue): string {
  if (issue.code === 'invalid_format' && isKindPath(issue.path) && typeof issue.input === 'string') {
    // As --deployments does, through the plan: "Node-Async" most likely meant node-async.
    const [name = '', ...suffix] = issue.input.split('+');
    const guess = closestKind(name);
    if (guess) return `${keyPath(issue.path)}: unknown deployment kind ${quoted(issue.input)}; did you mean "${[guess, ...suffix].join('+').toLowerCase()}"?`;
  }
  const key = issue.path.length ? keyPath(issue.path) : 'the scenario';
  if (issue.code === 'invalid_key' && issue.issues[0]) {
    // zod says only "Invalid key in record"; the key's own check says what a key must be.
    return `${keyPath(issue.path.slice(0, -1))}: ${quoted(String(issue.path.at(-1)))} is not ${issue.issues[0].message}`;
  }
  if (issue.code === 'unrecognized_keys') {
    const known = issue.path.length ? '' : ` (known keys: ${Object.keys(scenarioSchema.shape).join(', ')})`;
    return `unknown key "${issue.keys.join('", "')}"${known}`;
  }
  if (issue.code === 'invalid_type' && !('input' in issue && issue.input !== undefined)) return `missing required key "${key}"`;
  return `${key}: ${issue.message}`;
}

/** deployments[0] (a kind's name) or deployments[0].kind. */
function isKindPath(path: PropertyKey[]): boolean {
  return path[0] === 'deployments' && ((path.length === 2 && typeof path[1] === 'number') || (path.length === 3 && path[2] === 'kind'));
}

/** file:line:col of the offending node, or just file when the parser cannot tell. */
function where(file: string, doc: Document, lineCounter: LineCounter, issue: Issue): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  let node = doc.getIn(path, true) as Node | undefined;
  if (issue.code === 'unrecognized_keys' && isMap(node ?? doc.contents)) {
    const map = (node ?? doc.contents) as { items: { key: Node }[] };
    const pair = map.items.find((item) => issue.keys.includes(String((item.key as { value?: unknown }).value)));
    node = pair?.key;
  }
  if (node === undefined && path.length > 1) node = doc.getIn(path.slice(0, -1), true) as Node | undefined;
  const offset = node?.range?.[0];
  if (offset === undefined) return file;
  const at = lineCounter.linePos(offset);
  return `${file}:${at.line}:${at.col}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

