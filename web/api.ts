import type {
  ApiError,
  ChangeMarker,
  DeploymentChoice,
  HistoryPoint,
  LiveTick,
  LoadChoice,
  SaveResult,
  ServeOptions,
  ServeState,
} from '../harness/serve/protocol.js';

// Same-origin requests carry the access token's cookie, which the first page load set.
async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(errorMessage(response, text));
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

function errorMessage(response: Response, text: string): string {
  try {
    const { error } = JSON.parse(text) as ApiError;
    if (typeof error === 'string') return error;
  } catch {
    // not an ApiError: say what HTTP said
  }
  return `${response.status} ${response.statusText}`.trim();
}

export const api = {
  options: () => call<ServeOptions>('GET', '/api/options'),
  startDeployment: (choice: DeploymentChoice) => call<void>('POST', '/api/deployment', choice),
  startLoad: (load: LoadChoice) => call<void>('POST', '/api/load', load),
  stopLoad: () => call<void>('POST', '/api/stop'),
  save: () => call<SaveResult>('POST', '/api/save'),
};

export interface EventHandlers {
  state(state: ServeState): void;
  tick(tick: LiveTick): void;
  /** The ticks of the last minute, oldest first: sent once as the stream opens, before live ones. */
  history(points: HistoryPoint[]): void;
  change(marker: ChangeMarker): void;
  /** The stream is open, or lost (EventSource then reconnects by itself). */
  connected(open: boolean): void;
}

export function subscribe(handlers: EventHandlers): EventSource {
  const source = new EventSource('/api/events');
  source.addEventListener('state', (event) => handlers.state(JSON.parse(event.data) as ServeState));
  source.addEventListener('tick', (event) => handlers.tick(JSON.parse(event.data) as LiveTick));
  source.addEventListener('history', (event) => handlers.history(JSON.parse(event.data) as HistoryPoint[]));
  source.addEventListener('change', (event) => handlers.change(JSON.parse(event.data) as ChangeMarker));
  source.addEventListener('open', () => handlers.connected(true));
  source.addEventListener('error', () => handlers.connected(false));
  return source;
}
