import { escapeControls } from './quote.js';

/**
 * A zod issue's path as a reader writes it: `deployments[0].workers`, `results[3].latencyMs.p99`.
 * A key is the user's text (a header's or a variable's name): its control characters are shown
 * escaped, never sent raw to the terminal.
 */
export function keyPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${escapeControls(String(p))}`)).join('');
}
