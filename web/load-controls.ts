import type { EndpointOption, LoadChoice, ServeOptions, ServeState } from '../harness/serve/protocol.js';
import { byId, wholeValue } from './dom.js';

/** A slider drag becomes one request once it rests this long, not one per pixel. */
const RESEND_AFTER_MS = 200;

/** One-click client counts: the doublings a workshop steps through. */
const CLIENT_PRESETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

export interface LoadActions {
  start(load: LoadChoice): void;
  stop(): void;
}

export interface LoadControls {
  /** Puts a load into the form: the scenario's first load, or the one already running. */
  show(load: LoadChoice): void;
  /** Follows the server: whether a load runs (edits then apply at once) and the deployment is ready. */
  follow(state: ServeState): void;
}

export function createLoadControls(options: ServeOptions, actions: LoadActions): LoadControls {
  const endpoint = byId<HTMLSelectElement>('endpoint');
  const ms = byId<HTMLInputElement>('ms');
  const closed = byId<HTMLInputElement>('mode-closed');
  const open = byId<HTMLInputElement>('mode-open');
  const clients = byId<HTMLInputElement>('clients');
  const rate = byId<HTMLInputElement>('rate');
  const slowClients = byId<HTMLInputElement>('slow-clients');
  const startButton = byId<HTMLButtonElement>('start-load');
  const stopButton = byId<HTMLButtonElement>('stop-load');
  const { limits } = options;

  for (const option of options.endpoints) {
    const element = new Option(option.name, option.name);
    element.title = option.summary;
    endpoint.add(element);
  }
  ms.max = String(limits.maxMs);
  clients.max = String(limits.maxClients);
  rate.max = String(limits.maxRate);
  slowClients.max = String(limits.maxSlowClients);

  const presets = byId('clients-presets');
  for (const n of CLIENT_PRESETS.filter((n) => n <= limits.maxClients)) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = String(n);
    button.addEventListener('click', () => {
      clients.value = String(n);
      clients.dispatchEvent(new Event('input', { bubbles: true }));
    });
    presets.append(button);
  }

  let running = false;
  let resend: ReturnType<typeof setTimeout> | undefined;

  const selectedEndpoint = (): EndpointOption | undefined =>
    options.endpoints.find((option) => option.name === endpoint.value);

  function current(): LoadChoice {
    return {
      endpoint: endpoint.value,
      ms: wholeValue(ms, selectedEndpoint()?.defaultMs ?? 0),
      mode: open.checked ? 'open' : 'closed',
      clients: wholeValue(clients, 1),
      rate: wholeValue(rate, 1),
      slowClients: wholeValue(slowClients, 0),
    };
  }

  // The form shows only what the endpoint and mode use, and each slider's value beside it.
  function fit(): void {
    byId('ms-field').hidden = !selectedEndpoint()?.takesMs;
    byId('clients-field').hidden = open.checked;
    byId('rate-field').hidden = !open.checked;
    byId('clients-value').textContent = clients.value;
    byId('rate-value').textContent = rate.value;
    byId('slow-clients-value').textContent = slowClients.value;
  }

  function edited(): void {
    fit();
    clearTimeout(resend);
    if (!running) return;
    resend = setTimeout(() => {
      if (running) actions.start(current());
    }, RESEND_AFTER_MS);
  }

  endpoint.addEventListener('change', () => {
    const defaultMs = selectedEndpoint()?.defaultMs;
    if (defaultMs !== undefined) ms.value = String(defaultMs);
    edited();
  });
  for (const input of [ms, closed, open, clients, rate, slowClients]) {
    input.addEventListener('input', edited);
    input.addEventListener('change', edited);
  }
  startButton.addEventListener('click', () => {
    clearTimeout(resend);
    running = true;
    actions.start(current());
    stopButton.disabled = false;
  });
  stopButton.addEventListener('click', () => {
    clearTimeout(resend);
    running = false;
    actions.stop();
  });

  return {
    show(load) {
      endpoint.value = load.endpoint;
      ms.value = String(load.ms);
      (load.mode === 'open' ? open : closed).checked = true;
      clients.value = String(load.clients);
      rate.value = String(load.rate);
      slowClients.value = String(load.slowClients);
      fit();
    },
    follow(state) {
      running = state.load !== null;
      startButton.disabled = state.deployment.status !== 'ready';
      stopButton.disabled = !running;
    },
  };
}
