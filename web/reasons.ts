import type { KindOption, ServeState } from '../harness/serve/protocol.js';

/**
 * Why a button of the page cannot act in the session's state, or null when it can. The whole table:
 *
 *   session                           Start deployment     Start load                      Stop load
 *   no deployment                     starts               start a deployment first        no load is running
 *   starting, no load                 wait until ready     queues a load for when ready    no load is running
 *   starting, a load queued           wait until ready     it runs once ready              drops the queued load
 *   ready, no load                    starts               starts                          no load is running
 *   ready, a load running             switches (the load   the load is running             stops
 *                                     carries over)
 *   failed to start, or died          starts               start a deployment first        stops a load still running
 *
 * and Start deployment, whatever the state, for a kind not installed here: it says so.
 */
export function startDeploymentReason(state: ServeState | undefined, kind: KindOption | undefined): string | null {
  if (kind && !kind.available) return `${kind.name} is not installed here (see above)`;
  if (state?.deployment.status === 'starting') return `${state.deployment.label} is starting; wait until it is ready`;
  return null;
}

export function startLoadReason(state: ServeState): string | null {
  const { deployment } = state;
  if (state.loadStatus === 'queued') return `it runs once ${deployment.label} is ready; edits apply then`;
  if (state.load) return 'the load is running; edits apply as you make them';
  if (deployment.status === 'starting' || deployment.status === 'ready') return null;
  if (deployment.status === 'failed') return `${deployment.label ?? 'the deployment'} failed; start a deployment first`;
  return 'start a deployment first';
}

export function stopLoadReason(state: ServeState): string | null {
  return state.load ? null : 'no load is running';
}
