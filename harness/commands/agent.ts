import { runAgent } from '../remote/agent.js';

/**
 * `bench agent`: what `bench run --server-host` runs on the server machine over ssh. It talks JSON
 * lines on stdin and stdout (harness/remote/far-side.ts), so it is not meant to be typed.
 */
export function agentCommand(): Promise<number> {
  return runAgent(process.stdin, process.stdout);
}
