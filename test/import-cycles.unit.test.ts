import { describe, expect, it } from 'vitest';
import { projectRoot } from '../harness/files/bench-paths.js';
import { importCycles, importGraph } from './support/import-graph.js';

describe('the import graph', () => {
  it('has no cycles: each module depends only on modules that do not depend back on it', () => {
    const cycles = importCycles(importGraph(projectRoot, ['harness', 'reports', 'servers', 'web']));
    expect(cycles.map((cycle) => cycle.join(' → '))).toEqual([]);
  });
});
