import { join } from 'node:path';
import { ProcessGroup } from '../process/group.js';
import { freePort, LOOPBACK } from '../process/ports.js';
import { waitUntilHealthy } from '../process/readiness.js';
import type { DeploymentSpec, ServerKind } from './kind.js';

export interface RunningDeployment {
  /** Base URL on loopback, e.g. http://127.0.0.1:43121 */
  baseUrl: string;
  /** Every process group of the deployment (server, proxy), for teardown and resource sampling. */
  processes: ProcessGroup[];
  stop(): Promise<void>;
}

export interface LaunchOptions {
  tmpDir: string;
  readyTimeoutMs: number;
}

const PORT_ATTEMPTS = 3;

/**
 * Starts a deployment on a free loopback port and resolves once /health answers. A port taken
 * between choosing it and binding it is retried on another; anything else fails with the
 * server's own last words.
 */
export async function launch(
  spec: DeploymentSpec,
  kind: ServerKind,
  label: string,
  options: LaunchOptions,
): Promise<RunningDeployment> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const plan = kind.plan(spec, { host: LOOPBACK, port, tmpDir: options.tmpDir });
    const logPath = join(options.tmpDir, `${kind.name}-${port}.log`);
    const server = new ProcessGroup(label, plan, logPath);
    const baseUrl = `http://${LOOPBACK}:${port}`;
    const deployment: RunningDeployment = {
      baseUrl,
      processes: [server],
      stop: () => server.stop(),
    };
    try {
      await waitUntilHealthy(`${baseUrl}/health`, [server], options.readyTimeoutMs);
      return deployment;
    } catch (err) {
      await deployment.stop();
      const message = (err as Error).message;
      if (attempt < PORT_ATTEMPTS && /address already in use|EADDRINUSE/i.test(message)) continue;
      throw new Error(`${label} did not start: ${message}`);
    }
  }
}
