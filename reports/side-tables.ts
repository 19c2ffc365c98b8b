import type { RunResults } from '../harness/results/types.js';
import type { TableCells } from './tables/aligned-table.js';
import { deploysTable, DEPLOYS_TITLE } from './deploys.js';
import { faultsTable, FAULTS_TITLE } from './faults.js';
import { requestMixTable, REQUEST_MIX_TITLE } from './request-mix.js';

/** A table under the summary, as plain strings each format escapes. */
export interface SideTable extends TableCells {
  title: string;
  footnotes: string[];
}

/** The tables under the summary a run has: a mix's requests apart, its processes killed, its deploys under load. */
export function sideTables(run: RunResults): SideTable[] {
  const mix = requestMixTable(run);
  const faults = faultsTable(run);
  const deploys = deploysTable(run);
  return [
    ...(mix ? [{ title: REQUEST_MIX_TITLE, ...mix }] : []),
    ...(faults ? [{ title: FAULTS_TITLE, ...faults }] : []),
    ...(deploys ? [{ title: DEPLOYS_TITLE, ...deploys }] : []),
  ];
}
