import { byId } from './dom.js';

/**
 * A button that cannot act now is disabled, and says why on the page itself, in the element
 * `#ID-reason` beside it: a projected page has no hover, so a tooltip alone would go unread.
 * reason null: the button can act.
 */
export function allow(button: HTMLButtonElement, reason: string | null): void {
  const shown = byId(`${button.id}-reason`);
  button.disabled = reason !== null;
  button.title = reason ?? '';
  button.setAttribute('aria-describedby', shown.id);
  shown.textContent = reason === null ? '' : `${button.textContent}: ${reason}`;
  shown.hidden = reason === null;
}
