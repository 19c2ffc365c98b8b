import { UsageError } from '../cli/errors.js';
import { alwaysBehindNginx, type DeploymentSpec, type ServerKind } from '../deployments/kind.js';
import { serverKinds } from '../deployments/kinds.js';

/**
 * Whether supervisord can run a kind's server as one program: bench starts it (not an external
 * server), and it is the server itself, not a CGI program nginx hands each request to
 * (fcgiwrap forks it) nor Apache hosting the app (apachectl manages its own children) nor a
 * manager of its own (pm2, forever).
 */
export function takesManager(kind: ServerKind): boolean {
  return kind.launch !== 'attach' && !alwaysBehindNginx(kind) && kind.front?.itself === undefined && kind.managedBy === undefined;
}

/** `manager:` and a `deploy: reload` on a deployment the manager cannot carry out, refused with what can. */
export function checkManager(spec: DeploymentSpec, kind: ServerKind, label: string): void {
  if (spec.manager && !takesManager(kind)) {
    const can = serverKinds.filter(takesManager).map((k) => k.name).join(', ');
    throw new UsageError(`${label}: manager: ${spec.manager} runs the server bench starts as one program; ${kind.name} is not one: remove manager:, or use one of ${can}`);
  }
  const fault = spec.fault;
  if (spec.manager === 'supervisord' && fault && 'deploy' in fault && fault.deploy === 'reload' && kind.reload !== 'hup') {
    const can = serverKinds.filter((k) => k.reload === 'hup').map((k) => k.name).join(', ');
    throw new UsageError(`${label}: fault: { deploy: reload }: ${kind.name} does not reload gracefully on SIGHUP (${can} do); use deploy: restart, or one of those kinds`);
  }
}
