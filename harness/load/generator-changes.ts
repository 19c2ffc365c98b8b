import type { GeneratorChange } from '../results/types.js';

/** "worker vm_1f2e lost 4.1 s into the window, worker vm_9a0b joined 6.0 s into it (repeat 2)": what the marks say, in words. */
export function describeGeneratorChanges(changes: GeneratorChange[]): string {
  return changes
    .map((c, i) => `worker ${c.worker} ${c.change.replace('worker ', '')} ${c.t.toFixed(1)} s into ${i === 0 ? 'the window' : 'it'}${c.repeat !== undefined ? ` (repeat ${c.repeat})` : ''}`)
    .join(', ');
}
