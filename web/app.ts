import type { ServeState } from '../harness/serve/protocol.js';
import { api, subscribe } from './api.js';
import { allow } from './availability.js';
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

/** Runs a request; a refusal (ApiError) shows in the banner until the next request succeeds. Resolves either way, once answered. */
function send(request: Promise<unknown>): Promise<void> {
  return request.then(
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
  const load = createLoadControls(options, {
    start: (choice) => send(api.startLoad(choice)),
    stop: () => void send(api.stopLoad()),
  });
  // An edit made just before the click reaches the session first, so the new deployment runs it.
  const deployment = createDeploymentControls(options, (choice) => void load.flush().then(() => send(api.startDeployment(choice))));
  deployment.show(options.initial.deployment);
  load.show(options.initial.load);

  const saveButton = byId<HTMLButtonElement>('save');
  saveButton.addEventListener('click', () => {
    allow(saveButton, 'writing the run folder');
    void send(
      api
        .save()
        .then(({ dir }) => {
          byId('saved-dir').textContent = dir;
          byId('saved').hidden = false;
        })
        .finally(() => allow(saveButton, null)),
    );
  });

  const charts = createCharts();
  createPredictToggle((predicting) => charts.setPredicting(predicting));
  // Lines are drawn once a load has run (now, or before this page was opened).
  let chartsHaveLines = false;
  const workersView = byId('workers-view');
  showWorkers(workersView, [], null);
  let state: ServeState | undefined;
  /** The newest tick drawn: a reconnected stream sends the history again, and its older ticks are drawn already. */
  let drawnUpTo = -Infinity;
  const markersDrawn = new Set<string>();
  subscribe({
    state(next) {
      deployment.follow(next);
      load.follow(next);
      // The figures measured the deployment that ran; a new start, or one that failed, has none yet.
      const leftReady = state?.deployment.status === 'ready' && next.deployment.status !== 'ready';
      const starts = next.deployment.status === 'starting' && state?.deployment.status !== 'starting';
      if (leftReady || starts) {
        clearFigures();
        showWorkers(workersView, [], null);
      }
      state = next;
      if (next.load) chartsHaveLines = true;
      showNextStep(next, chartsHaveLines);
      showStatus(next);
    },
    history(points) {
      for (const { tick, capacity } of points) {
        if (tick.t <= drawnUpTo) continue;
        drawnUpTo = tick.t;
        charts.addTick(tick, capacity);
      }
    },
    tick(tick) {
      const capacity = state?.deployment.capacity ?? null;
      showFigures(tick, capacity, options.liveWindowS);
      showWorkers(workersView, tick.workers, state?.deployment.slotsPerProcess ?? null);
      drawnUpTo = tick.t;
      charts.addTick(tick, capacity);
      if (!chartsHaveLines && (tick.rps > 0 || tick.inFlight > 0) && state) {
        chartsHaveLines = true;
        showNextStep(state, chartsHaveLines);
      }
    },
    change(marker) {
      const key = `${marker.t} ${marker.text}`;
      if (markersDrawn.has(key)) return;
      markersDrawn.add(key);
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
