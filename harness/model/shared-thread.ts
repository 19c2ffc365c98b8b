import type { DeploymentSpec } from '../deployments/kind.js';
import type { ModelPrediction } from '../results/types.js';

/**
 * Django under ASGI (3.2's ASGIHandler) sends each request to its process's one shared sync thread
 * (asgiref's sync_to_async(thread_sensitive=True)) about fifteen times, for an async view too:
 * request_started, each middleware, request_finished, close_old_connections. Measured under
 * uvicorn: those turns use the thread for only ~0.4 ms a request, but each turn goes loop →
 * thread → loop through one FIFO queue, which the process's one GIL serialises with the loop's
 * own work. A closed loop's clients, all waiting the same view time, come back together, and
 * each request's turns wait behind those of the others in flight on its process: 8 clients at
 * 50 ms measured 62.3 ms a request against 53.8 ms at one client, 128 req/s where c/d says 149.
 * The wait per other request is the process's CPU per request (1.3 ms there, measured at that
 * level), so a client's cycle is d + (c/W − 1)·s, with d the mean latency at one client.
 */
export const isDjangoAsgi = (spec: DeploymentSpec): boolean => spec.app?.kind === 'asgi' && (spec.app.facts?.framework?.startsWith('Django') ?? false);

/**
 * The shared thread's mark on a model: Django's ASGI handler, with `processes` such threads;
 * `holdsView` when the route is a sync view, which runs on that thread.
 */
export function sharedThread(spec: DeploymentSpec, processes: number, holdsView = false): Pick<ModelPrediction, 'sharedThread'> {
  return isDjangoAsgi(spec) ? { sharedThread: { processes, ...(holdsView && { holdsView }) } } : {};
}

/**
 * How long a request holds its slot of the capacity, in ms. A sync view holds the shared thread for
 * the view, not for the whole of one client's latency d: the rest of d is the loop's work (reading
 * the request, the turns' hand-offs, writing the response), CPU that overlaps the next request's
 * view. Measured under uvicorn at one client: the thread held each 50 ms view 50.7 ms of a 53.4 ms
 * latency, and the process's CPU per request was about 3 ms; so d less the CPU per request at
 * that one client, which errs by the thread's own sliver of that CPU (~0.5 ms): 8 clients at 50 ms
 * under hypercorn+nginx served 20.5 req/s where d alone predicted 18.3.
 */
export function holdMs(model: ModelPrediction, dMs: number): number {
  const thread = model.sharedThread;
  return thread?.outsideMs && thread.outsideMs < dMs ? dMs - thread.outsideMs : dMs;
}

/**
 * Once measured (aggregate.ts): the CPU per request a shared thread's queue costs each other
 * request (`appCpuMs`, this level's where it was read), and for a sync view what one client's
 * latency spent outside the thread (`oneClientCpuMs`, its CPU per request, at the same one client).
 */
export function withSharedThreadCost(model: ModelPrediction, appCpuMs: number | undefined, oneClientCpuMs: number): ModelPrediction {
  if (!model.sharedThread || appCpuMs === undefined || !(appCpuMs > 0)) return model;
  const outside = model.sharedThread.holdsView && oneClientCpuMs > 0 ? { outsideMs: round(oneClientCpuMs) } : {};
  return { ...model, sharedThread: { ...model.sharedThread, msPerRequest: round(appCpuMs), ...outside } };
}

/** A closed-loop client's cycle in ms: d, plus a turn behind each other request in flight on its process. */
export function cycleMs(model: ModelPrediction, dMs: number, concurrency: number): number {
  const thread = model.sharedThread;
  if (!thread?.msPerRequest) return dMs;
  return dMs + Math.max(0, concurrency / thread.processes - 1) * thread.msPerRequest;
}

/**
 * The bound in words: for an async view, when the shared thread's queue, not the capacity, set the
 * prediction (c/cycle below both c/d and K/d); for a sync view, when the thread it holds did.
 */
export function withSharedThreadBound(model: ModelPrediction, concurrency: number, predictedRps: number | null): ModelPrediction {
  const thread = model.sharedThread;
  const d = model.serviceMs;
  if (!thread?.msPerRequest || d === null || predictedRps === null) return model;
  const queued = round((concurrency * 1000) / cycleMs(model, d, concurrency));
  if (thread.holdsView) return predictedRps < queued - 0.01 && thread.outsideMs ? withHold(model, d, thread.outsideMs) : model;
  if (queued > predictedRps + 0.01 || queued >= round((concurrency * 1000) / d)) return model;
  const inFlight = concurrency / thread.processes;
  const each = thread.processes === 1 ? 'its process' : 'each of its processes';
  return {
    ...model,
    bound: `${model.bound}; Django's shared sync thread: each request waits behind the ${round(inFlight - 1)} others in flight on ${each}, ${thread.msPerRequest} ms each`,
  };
}

function withHold(model: ModelPrediction, d: number, cpuMs: number): ModelPrediction {
  return { ...model, bound: `${model.bound}; each view holds Django's shared sync thread ${round(holdMs(model, d))} ms: the ${round(d)} ms at one client less its ${cpuMs} ms of CPU there, spent on the loop` };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
