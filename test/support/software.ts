import { describe } from 'vitest';
import { installCommand, missingSoftware, type Software } from '../../harness/software/catalog.js';

/**
 * describe() for tests that need real servers from Debian's packages. Where they are missing the
 * tests are skipped with the install command, except under CI=true, where CI installs them and a
 * missing one must fail instead of passing quietly.
 */
export async function describeWith(needs: Software[]): Promise<typeof describe> {
  const missing = await missingSoftware(needs);
  if (missing.length === 0) return describe;
  const message = `${missing.map((s) => s.name).join(', ')} missing; install with: ${installCommand(missing)}`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`);
  console.warn(`skipping: ${message}`);
  return describe.skip;
}
