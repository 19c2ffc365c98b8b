import { byId } from './dom.js';

/**
 * Predict mode: the teacher asks the room what the numbers will be, with the load running and
 * the figures hidden, then reveals them. It hides what the room is asked to predict (the measured
 * figures and the model's ceiling, in the tiles and as lines in the charts), and leaves the
 * deployment's shape (its worker boxes, capacity K) in view, since the question is asked about it.
 */
export function createPredictToggle(onChange: (predicting: boolean) => void): void {
  const button = byId<HTMLButtonElement>('predict');
  const live = byId('live');
  button.addEventListener('click', () => {
    const predicting = button.getAttribute('aria-pressed') !== 'true';
    button.setAttribute('aria-pressed', String(predicting));
    button.textContent = predicting ? 'Reveal' : 'Predict';
    button.title = predicting ? 'show the measured figures' : 'hide the measured figures while the room predicts them';
    live.classList.toggle('predicting', predicting);
    onChange(predicting);
  });
}
