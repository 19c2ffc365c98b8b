import type { LoadEngine } from '../load/engine.js';
import type { RunningPostgres } from '../database/postgres.js';
import type { RunResults } from '../results/types.js';
import type { DeploymentDriver } from './deployment-driver.js';
import type { RecordPoint } from './point-recorder.js';
import type { Progress } from './progress.js';

export interface RunContext {
  progress: Progress;
  /** Aborted on SIGINT/SIGTERM: the run stops measuring, tears down and keeps what it has. */
  signal: AbortSignal;
  readyTimeoutMs?: number;
  /** Starts, checks and stops the deployments; undefined: real servers (serverDriver). Tests pass a fake kind's. */
  deployments?: DeploymentDriver;
  /** Drives every point instead of --generator's engine; undefined: the plan's. Tests pass a fake engine. */
  engine?: LoadEngine;
}

/** What one deployment's turn in the run needs beyond the run's context. */
export interface DeploymentContext extends RunContext {
  /** How the progress lines name this deployment, e.g. "[2/6] node-prefork ×4". */
  step: string;
  tmpDir: string;
  run: RunResults;
  record: RecordPoint;
  /** The run's private PostgreSQL, whose address the deployment's servers get. */
  database?: RunningPostgres;
}
