import { readFileSync, readdirSync } from 'node:fs';
import { isFile, scenarioBaseDir } from '../app/app.js';
import { withAbsoluteConfigPaths } from '../deployments/config-file.js';
import { findKind } from '../deployments/kinds.js';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { isMap, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { keyPath } from '../key-path.js';
import { scenariosDir } from '../paths.js';
import { closest } from '../suggest.js';
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
  if (looksLikePath || isFile(nameOrPath)) {
    const path = resolve(nameOrPath);
    if (!isFile(path)) throw new UsageError(`scenario file ${nameOrPath} does not exist`);
    return path;
  }
  const names = [...builtInScenarios().keys()];
  const guess = closest(nameOrPath, names);
  throw new UsageError(
    `unknown scenario "${nameOrPath}"` +
      (guess ? `; did you mean "${guess}"?` : `; built-in scenarios: ${names.join(', ')}`) +
      ' (a path to a .yaml or .json file works too)',
  );
}

export function loadScenario(nameOrPath: string): Scenario {
  const file = resolveScenario(nameOrPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read scenario file ${file}: ${(err as Error).message}`);
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
    throw new UsageError(`${file}:${at.line}:${at.col}: not valid YAML or JSON: ${firstLine(syntax.message)}`);
  }
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
    const issue = parsed.error.issues[0]!;
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

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue): string {
  // A deployment is a kind's name or an object: say what is wrong with the branch the input is.
  if (issue.code === 'invalid_union') {
    const branch = issue.errors.find((issues) => issues[0] && !(issues[0].code === 'invalid_type' && issues[0].path.length === 0));
    if (branch) return describeIssue({ ...branch[0]!, path: [...issue.path, ...branch[0]!.path] } as Issue);
  }
  const key = issue.path.length ? keyPath(issue.path) : 'the scenario';
  if (issue.code === 'unrecognized_keys') {
    const known = issue.path.length ? '' : ` (known keys: ${Object.keys(scenarioSchema.shape).join(', ')})`;
    return `unknown key "${issue.keys.join('", "')}"${known}`;
  }
  if (issue.code === 'invalid_type' && !('input' in issue && issue.input !== undefined)) return `missing required key "${key}"`;
  return `${key}: ${issue.message}`;
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

