import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { defaultWorkers, type DeploymentSpec } from '../../harness/deployments/kind.js';
import { findKind } from '../../harness/deployments/kinds.js';
import type { RunningDeployment } from '../../harness/deployments/launch.js';
import { databaseEnvironment } from '../../harness/database/connections.js';
import type { RunningPostgres } from '../../harness/database/postgres.js';
import { livingProcesses } from '../../harness/process/procfs.js';
import { withDeployment } from './deployments.js';

/** A real deployment of the demo app told where the private PostgreSQL is, as a `database: postgres` run tells it. */
export function withDatabaseDeployment<T>(
  db: RunningPostgres,
  spec: Partial<DeploymentSpec> & { kind: string },
  body: (d: RunningDeployment) => Promise<T>,
): Promise<T> {
  const kind = findKind(spec.kind)!;
  const full: DeploymentSpec = { workers: defaultWorkers(kind), proxy: 'none', ...spec, database: 'postgres' };
  return withDeployment({ ...full, env: databaseEnvironment(db.address, kind, full) }, body);
}

/** Pids of the living PostgreSQL processes on the machine: the postmaster and each child keep the program's name. */
export function postgresProcesses(): Set<number> {
  const pids = new Set<number>();
  for (const { pid } of livingProcesses()) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') pids.add(pid);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The private PostgreSQL folders (data and socket) under the temporary folder. */
export function postgresFolders(): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('bench-postgres-')));
}
