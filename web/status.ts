import type { ServeState } from '../harness/serve/protocol.js';
import { byId } from './dom.js';

/** The header: which deployment, its status word, and its start-up progress or why it failed. */
export function showStatus(state: ServeState): void {
  const { deployment } = state;
  byId('deployment-label').textContent = deployment.label ?? 'no deployment';
  const status = byId('deployment-status');
  status.textContent = deployment.status;
  status.dataset.status = deployment.status;
  const message = byId('deployment-message');
  const showsMessage = deployment.status === 'starting' || deployment.status === 'failed';
  message.textContent = showsMessage ? (deployment.message ?? '') : '';
  message.title = message.textContent;
  message.dataset.status = deployment.status;
  const recording = byId('recording');
  recording.hidden = state.recording === null;
  recording.textContent = state.recording === null ? '' : `recording to ${state.recording}`;
}
