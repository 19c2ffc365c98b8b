import type { ServeState } from '../harness/serve/protocol.js';
import { api, subscribe } from './api.js';
import { createCharts } from './charts.js';
import { createDeploymentControls } from './deployment-controls.js';
import { byId } from './dom.js';
import { showNextStep } from './empty-state.js';
import { clearFigures, showFigures } from './figures.js';
import { createLoadControls } from './load-controls.js';
import { createPredictToggle } from './predict.js';
import { showStatus } from './status.js';
import { showWorkers } from './workers.js';

const errorBanner = byId('api-error');

/** Runs a request; a refusal (ApiError) shows in the banner until the next request succeeds. */
function send(request: Promise<unknown>): void {
  request.then(
    () => {
      errorBanner.hidden = true;
    },
    (error: unknown) => {
      errorBanner.textContent = error instanceof Error ? error.message : String(error);
      errorBanner.hidden = false;
    },
  );
}

async function main(): Promise<void> {
  const options = await api.options();
  const deployment = createDeploymentControls(options, (choice) => send(api.startDeployment(choice)));
  const load = createLoadControls(options, {
    start: (choice) => send(api.startLoad(choice)),
    stop: () => send(api.stopLoad()),
  });
  deployment.show(options.initial.deployment);
  load.show(options.initial.load);

  const saveButton = byId<HTMLButtonElement>('save');
  saveButton.addEventListener('click', () => {
    saveButton.disabled = true;
    send(
      api
        .save()
        .then(({ dir }) => {
          byId('saved-dir').textContent = dir;
          byId('saved').hidden = false;
        })
        .finally(() => {
          saveButton.disabled = false;
        }),
    );
  });

  const charts = createCharts();
  createPredictToggle((predicting) => charts.setPredicting(predicting));
  // Lines are drawn once a load has run (now, or before this page was opened).
  let chartsHaveLines = false;
  const workersView = byId('workers-view');
  showWorkers(workersView, [], null);
  let state: ServeState | undefined;
  subscribe({
    state(next) {
      // A page opened while a deployment or a load runs shows that one, not the scenario's first.
      if (state === undefined) {
        if (next.deployment.choice) deployment.show(next.deployment.choice);
        if (next.load) load.show(next.load);
      }
      if (state?.deployment.status === 'ready' && next.deployment.status !== 'ready') {
        clearFigures();
        showWorkers(workersView, [], null);
      }
      state = next;
      if (next.load) chartsHaveLines = true;
      showNextStep(next, chartsHaveLines);
      showStatus(next);
      load.follow(next);
    },
    tick(tick) {
      const capacity = state?.deployment.capacity ?? null;
      showFigures(tick, capacity);
      showWorkers(workersView, tick.workers, state?.deployment.slotsPerProcess ?? null);
      charts.addTick(tick, capacity);
      if (!chartsHaveLines && (tick.rps > 0 || tick.inFlight > 0) && state) {
        chartsHaveLines = true;
        showNextStep(state, chartsHaveLines);
      }
    },
    change(marker) {
      charts.addMarker(marker);
    },
    connected(open) {
      byId('connection').hidden = open;
    },
  });
}

main().catch((error: unknown) => {
  errorBanner.textContent = `bench serve did not answer: ${error instanceof Error ? error.message : String(error)}`;
  errorBanner.hidden = false;
});
