import type { ServeState } from '../harness/serve/protocol.js';
import { byId } from './dom.js';

/**
 * What to do next, over the charts while they have nothing to show (rather than empty axes):
 * before any deployment, while one starts, and before the first load.
 */
export function showNextStep(state: ServeState, chartsHaveLines: boolean): void {
  const { deployment } = state;
  const label = deployment.label ?? 'the deployment';
  let next: string;
  if (deployment.status === 'none') next = 'Start here: pick a kind on the left (node-blocking is the first lesson) and press Start deployment.';
  else if (deployment.status === 'starting') next = `Starting ${label}; the load can be started once it is ready.`;
  else if (deployment.status === 'failed') next = `${label} did not start (the reason is at the top): pick another kind, or press Start deployment again.`;
  else if (state.load === null) next = `${label} is ready: choose the endpoint and clients, then press Start load.`;
  else next = '';
  const empty = byId('empty-state');
  empty.textContent = next;
  empty.hidden = next === '' || chartsHaveLines;
}
