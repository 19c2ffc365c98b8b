/**
 * This process's request counter, for /count: a module global, which is exactly what a pre-fork
 * pool does not share. Each cluster worker holds its own, so clients of a pool of W see W separate
 * sequences; one process (blocking or event loop) counts in one. JavaScript runs a handler to its
 * end before the next, so the increment needs no lock.
 */
let count = 0;

/** The count after this request's increment, and which process counted it. */
export function nextCount(): { count: number; pid: number } {
  count += 1;
  return { count, pid: process.pid };
}
