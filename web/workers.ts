import type { WorkerBox } from '../harness/serve/protocol.js';

/** The more boxes, the smaller they are drawn, so a pool of 16 × 16 threads still fits in its panel. */
function density(boxes: number): string {
  if (boxes <= 16) return 'large';
  return boxes <= 48 ? 'medium' : 'small';
}

/**
 * One box per request slot, grouped per worker process with its pid under the group; the first
 * `busy` of a process's boxes are lit, the next `held` are drawn as held by a slow client (taken,
 * though the app has not been handed the request yet). A process with no fixed number of slots (an event loop) is
 * one box that shows how many requests it serves, lit while that is above 0.
 */
export function showWorkers(view: HTMLElement, workers: readonly WorkerBox[], slotsPerProcess: number | null): void {
  view.dataset.density = density(workers.length * (slotsPerProcess ?? 1));
  if (workers.length === 0) {
    const empty = document.createElement('p');
    empty.className = 'empty';
    empty.textContent = 'no worker processes reporting';
    view.replaceChildren(empty);
    return;
  }
  view.replaceChildren(...workers.map((worker) => group(worker, slotsPerProcess)));
}

function group(worker: WorkerBox, slotsPerProcess: number | null): HTMLElement {
  const element = document.createElement('div');
  element.className = 'worker-group';
  const slots = document.createElement('div');
  slots.className = 'worker-slots';
  if (slotsPerProcess === null) {
    slots.append(box(worker.busy > 0, String(worker.busy)));
  } else {
    const held = Math.min(worker.busy + worker.held, slotsPerProcess);
    for (let slot = 0; slot < slotsPerProcess; slot++) slots.append(box(slot < worker.busy, undefined, slot >= worker.busy && slot < held));
  }
  const pid = document.createElement('div');
  pid.className = 'worker-pid';
  pid.textContent = `pid ${worker.pid}`;
  element.append(slots, pid);
  return element;
}

function box(busy: boolean, text?: string, held = false): HTMLElement {
  const element = document.createElement('div');
  element.className = text === undefined ? 'worker-box' : 'worker-box counted';
  element.classList.toggle('busy', busy);
  element.classList.toggle('held', held);
  if (text !== undefined) element.textContent = text;
  return element;
}
