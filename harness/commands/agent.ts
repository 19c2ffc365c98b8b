import { runAgent } from '../remote/agent.js';

/**
 * `bench agent`: what `bench run --server-host` runs on the server machine over ssh. It talks JSON
 * lines on stdin and stdout (harness/remote/far-side.ts), so it is not meant to be typed.
 */
export async function agentCommand(): Promise<number> {
  const code = await runAgent(process.stdin, process.stdout);
  // Told to stop while bench still holds the session open: stdin would keep the agent alive.
  process.stdin.destroy();
  return code;
}
