import type { EndpointOption, LoadChoice, ServeOptions, ServeState } from '../harness/serve/protocol.js';
import { allow } from './availability.js';
import { byId, wholeValue } from './dom.js';
import { startLoadReason, stopLoadReason } from './reasons.js';

/** A slider drag becomes one request once it rests this long, not one per pixel. */
const RESEND_AFTER_MS = 200;

/**
 * One-click client counts: the doublings a workshop steps through, then the event loop's 64 and
 * the queue's 256. Nine buttons did not fit the column at 16 px ("128" and "256" ran past their
 * boxes); the slider reaches every count between.
 */
const CLIENT_PRESETS = [1, 2, 4, 8, 16, 64, 256];

export interface LoadActions {
  /** Resolves once the server has answered (a refusal shows in the page's banner). */
  start(load: LoadChoice): Promise<void>;
  stop(): void;
}

export interface LoadControls {
  /** Puts a load into the form: the scenario's first, before the session says what runs. */
  show(load: LoadChoice): void;
  /**
   * Follows the session: the form shows the load it runs or holds for a deployment being started
   * (whichever tab asked for it), and the buttons what they can do now.
   */
  follow(state: ServeState): void;
  /** Sends an edit still waiting out its debounce; resolves once the server has it. */
  flush(): Promise<void>;
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
  const loadMessage = byId('load-message');
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

  let state: ServeState | undefined;
  let resend: ReturnType<typeof setTimeout> | undefined;
  /** This tab's load requests not yet answered: until they are, the form is ahead of the state. */
  let sending = 0;

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

  function show(load: LoadChoice): void {
    endpoint.value = load.endpoint;
    ms.value = String(load.ms);
    (load.mode === 'open' ? open : closed).checked = true;
    clients.value = String(load.clients);
    rate.value = String(load.rate);
    slowClients.value = String(load.slowClients);
    fit();
  }

  function follow(next: ServeState): void {
    state = next;
    // An edit of this tab's still on its way is newer than the state: showing the state would undo it under the pointer.
    if (next.load && resend === undefined && sending === 0) show(next.load);
    allow(startButton, startLoadReason(next));
    allow(stopButton, stopLoadReason(next));
    loadMessage.textContent = next.loadMessage ?? '';
    loadMessage.hidden = next.loadMessage === null;
  }

  async function send(load: LoadChoice): Promise<void> {
    sending++;
    try {
      await actions.start(load);
    } finally {
      sending--;
      // Refused, or overtaken by another tab: the form goes back to what the session holds.
      if (state) follow(state);
    }
  }

  async function flush(): Promise<void> {
    if (resend === undefined) return;
    clearTimeout(resend);
    resend = undefined;
    await send(current());
  }

  // A load the session runs, or holds for a deployment being started, follows the form, and so
  // does one this tab's "Start load" is still asking for (the answer would put the form back);
  // with none, the form is a draft for "Start load".
  function edited(): void {
    fit();
    clearTimeout(resend);
    resend = undefined;
    if (state?.load || sending > 0) resend = setTimeout(() => void flush(), RESEND_AFTER_MS);
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
    resend = undefined;
    void send(current());
  });
  stopButton.addEventListener('click', () => {
    clearTimeout(resend);
    resend = undefined;
    actions.stop();
  });

  return { show, follow, flush };
}
