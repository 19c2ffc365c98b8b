import { describe, expect, it } from 'vitest';
import { projectRoot } from '../harness/files/bench-paths.js';
import { importCycles, importGraph, projectImports, type Import } from './support/import-graph.js';

const SOURCES = ['harness', 'reports', 'servers', 'web'];

/**
 * The layers of bench, bottom first: a folder (or a file that sits below its folder) may import
 * its own folder and anything on a lower row, never a row above nor another entry of its own row.
 * A run's path climbs it (scenario, plan, run, results IO, reports), with the parts each step uses
 * below the step; the commands sit on top and cli.ts above them.
 */
const LAYERS: string[][] = [
  ['harness/stats', 'harness/shared-state', 'harness/cli/errors.ts'],
  ['harness/files'],
  // The results' vocabulary: types that every layer speaks, which import nothing of bench's but a counter's type.
  ['harness/results/types.ts'],
  ['harness/formatting'],
  ['harness/results/schema.ts'],
  // The limits and the shape of a scenario's entries, which each kind's validate() reads.
  ['harness/scenario/limits.ts'],
  ['harness/scenario/schema.ts'],
  ['harness/software'],
  ['harness/process'],
  ['harness/managers'],
  ['harness/status'],
  ['harness/deployments'],
  ['harness/database'],
  ['harness/load'],
  ['harness/model'],
  ['harness/scenario'],
  // The flags' parsers check paths and limits the way a scenario file does.
  ['harness/cli'],
  ['harness/app'],
  // Aggregating a point's samples, and reading and writing a run's folder.
  ['harness/results'],
  ['harness/plan'],
  ['harness/remote'],
  ['harness/run'],
  ['harness/compare'],
  ['harness/tune'],
  ['reports'],
  ['harness/export'],
  ['harness/serve'],
  ['harness/benchmarks'],
  ['harness/commands/shared'],
  ['harness/commands'],
  ['harness/cli.ts'],
  ['web', 'servers'],
];

/** The entry of LAYERS a file belongs to (the longest that contains it) and that entry's row. */
function layerOf(file: string): { entry: string; rank: number } | undefined {
  let found: { entry: string; rank: number } | undefined;
  LAYERS.forEach((row, rank) => {
    for (const entry of row) {
      if ((file === entry || file.startsWith(`${entry}/`)) && entry.length > (found?.entry.length ?? 0)) found = { entry, rank };
    }
  });
  return found;
}

/** Imports of a file from another entry on the same row or a row above. */
function climbs(imports: Import[]): Import[] {
  return imports.filter((i) => {
    const from = layerOf(i.from);
    const to = layerOf(i.to);
    return from && to && from.entry !== to.entry && to.rank >= from.rank;
  });
}

const described = (i: Import) => `${i.from}:${i.line} imports ${i.to} (${layerOf(i.to)?.entry}, row ${layerOf(i.to)?.rank}; ${layerOf(i.from)?.entry} is on row ${layerOf(i.from)?.rank})`;

describe('the import graph', () => {
  const imports = projectImports(projectRoot, SOURCES);

  it('has no cycles: each module depends only on modules that do not depend back on it', () => {
    const cycles = importCycles(importGraph(projectRoot, SOURCES));
    expect(
      cycles.map((cycle) => cycle.join(' → ')),
      'each line is a loop of imports: move the piece both ends share down a layer (to a module neither imports back), or pass it in as an argument',
    ).toEqual([]);
  });

  it('places every source file on a row of the layers, so no new folder goes unchecked', () => {
    const files = [...importGraph(projectRoot, SOURCES).keys()];
    expect(
      files.filter((file) => !layerOf(file)),
      'a new folder needs a row in LAYERS (test/import-cycles.unit.test.ts): below what it imports, above what imports it',
    ).toEqual([]);
  });

  it('has no folder that imports a folder above it or beside it', () => {
    expect(
      climbs(imports).map(described),
      'move the shared piece down a layer (to the lowest folder whose modules need it), or pass it in from above; LAYERS in test/import-cycles.unit.test.ts gives the order',
    ).toEqual([]);
  });

  it('has no command that imports another command: what two commands share lives in harness/commands/shared/', () => {
    const isCommand = (file: string) => /^harness\/commands\/[^/]+\.ts$/.test(file);
    expect(imports.filter((i) => isCommand(i.from) && isCommand(i.to)).map((i) => `${i.from}:${i.line} imports ${i.to}`)).toEqual([]);
  });
});
