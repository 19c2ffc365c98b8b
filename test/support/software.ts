import { describe } from 'vitest';
import { DEBIAN_PYTHON, findExecutable, installCommand, missingSoftware, runProbe, type Software } from '../../harness/software/catalog.js';

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

/**
 * Programs some tests need that no deployment kind lists: the Python that imports a user's WSGI
 * app (bench's own check runs on it), and the ssh client behind --server-host.
 */
export const python3: Software = { name: 'python3', apt: ['python3'], detect: () => runProbe(DEBIAN_PYTHON, ['--version']) };
export const sshClient: Software = { name: 'ssh', apt: ['openssh-client'], detect: async () => findExecutable('ssh') };
