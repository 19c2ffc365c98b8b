/** The element with this id: index.html has every one the modules ask for. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

/**
 * A whole number input's value within its min and max, or the fallback when it is blank or not a
 * number: a typed "0" workers or "9999" clients is sent as the nearest value the server accepts.
 */
export function wholeValue(input: HTMLInputElement, fallback: number): number {
  const value = Math.round(Number(input.value));
  if (input.value.trim() === '' || !Number.isFinite(value)) return fallback;
  const min = input.min === '' ? -Infinity : Number(input.min);
  const max = input.max === '' ? Infinity : Number(input.max);
  return Math.min(Math.max(value, min), max);
}
