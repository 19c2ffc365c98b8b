import type { DeploymentChoice, KindOption, ServeOptions, ServeState } from '../harness/serve/protocol.js';
import { allow } from './availability.js';
import { byId, wholeValue } from './dom.js';
import { startDeploymentReason } from './reasons.js';

export interface DeploymentControls {
  /** Puts a choice into the form: the scenario's first deployment, before the session says what runs. */
  show(choice: DeploymentChoice): void;
  /**
   * Follows the session: a deployment another tab started comes into the form, and "Start
   * deployment" waits while one is starting.
   */
  follow(state: ServeState): void;
}

export function createDeploymentControls(
  options: ServeOptions,
  start: (choice: DeploymentChoice) => void,
): DeploymentControls {
  const kindSelect = byId<HTMLSelectElement>('kind');
  const summary = byId('kind-summary');
  const workers = byId<HTMLInputElement>('workers');
  const threads = byId<HTMLInputElement>('threads');
  const nginx = byId<HTMLInputElement>('nginx');
  const startButton = byId<HTMLButtonElement>('start-deployment');

  for (const kind of options.kinds) {
    const option = new Option(kind.available ? kind.name : `${kind.name} (not installed)`, kind.name);
    option.disabled = !kind.available;
    if (kind.missing) option.title = kind.missing;
    kindSelect.add(option);
  }
  workers.max = String(options.limits.maxWorkers);
  threads.max = String(options.limits.maxThreads);

  const selected = (): KindOption | undefined => options.kinds.find((kind) => kind.name === kindSelect.value);
  let state: ServeState | undefined;
  /** The session's deployment as last put into the form: a state that repeats it leaves the form to whoever edits it. */
  let followed = '';

  // Only the settings the kind takes are shown, each at the kind's default or the given choice's.
  function fit(choice?: DeploymentChoice): void {
    const kind = selected();
    byId('workers-field').hidden = !kind?.takesWorkers;
    byId('threads-field').hidden = !kind?.takesThreads;
    byId('nginx-field').hidden = !kind?.nginxOptional;
    allow(startButton, startDeploymentReason(state, selected()));
    if (!kind) return;
    summary.textContent = kind.available ? kind.summary : `${kind.summary}. ${kind.missing ?? 'Not installed here.'}`;
    summary.classList.toggle('missing', !kind.available);
    workers.value = String(choice?.workers ?? kind.defaultWorkers);
    threads.value = String(choice?.threads ?? kind.defaultThreads ?? 1);
    nginx.checked = choice?.nginx ?? false;
  }

  function choice(kind: KindOption): DeploymentChoice {
    return {
      kind: kind.name,
      ...(kind.takesWorkers ? { workers: wholeValue(workers, kind.defaultWorkers) } : {}),
      ...(kind.takesThreads ? { threads: wholeValue(threads, kind.defaultThreads ?? 1) } : {}),
      nginx: kind.nginxOptional && nginx.checked,
    };
  }

  kindSelect.addEventListener('change', () => fit());
  startButton.addEventListener('click', () => {
    const kind = selected();
    if (kind) start(choice(kind));
  });

  function show(shown: DeploymentChoice): void {
    kindSelect.value = shown.kind;
    fit(shown);
  }

  return {
    show,
    follow(next) {
      state = next;
      const choice = next.deployment.choice;
      const key = JSON.stringify(choice);
      if (choice && key !== followed) show(choice);
      followed = key;
      allow(startButton, startDeploymentReason(state, selected()));
    },
  };
}
