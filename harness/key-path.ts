/** A zod issue's path as a reader writes it: `deployments[0].workers`, `results[3].latencyMs.p99`. */
export function keyPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
