/**
 * `bench run … | head -1`, a log reader that went away, a terminal closed under the run: stdout
 * and stderr then fail every write (EPIPE, EIO). Neither stops bench: the run goes on measuring
 * and writing its folder, its progress goes nowhere, and it exits as if the reader had stayed.
 * (Node ignores SIGPIPE; without a listener the first failed write would be an uncaught error.)
 */
export function outliveClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}
