import * as registry from '../software/catalog.js';
import type { Software } from '../software/catalog.js';
import { serverKinds } from './kinds.js';

/**
 * Debian packages of the whole stack that are not software a deployment kind needs: tools for the
 * load engines and for the test suite, each with why it is installed.
 */
const TOOLS: Readonly<Record<string, string>> = {
  wrk: "the native load engine (--generator wrk), which npm run bench:crosscheck checks bench's own engine against",
  supervisor: 'the tests run the files bench export writes under supervisord, with configs of their own',
  chromium: 'the browser tests of bench serve drive it through playwright-core',
  'openssh-server': 'the --server-host tests run an sshd of their own on loopback',
};

function isSoftware(value: unknown): value is Software {
  return typeof value === 'object' && value !== null && Array.isArray((value as Software).apt) && typeof (value as Software).detect === 'function';
}

/**
 * Every Debian package `bench install-servers` installs: the packages of each Software that
 * catalog.ts exports or a deployment kind requires (a kind's module may declare its own), and the
 * tools. Read from those, so that software added to either is installed (and listed by bench
 * doctor) with no second list to keep in step.
 */
export function stackPackages(): string[] {
  const software = [...Object.values(registry).filter(isSoftware), ...serverKinds.flatMap((kind) => kind.requires)];
  return [...new Set([...software.flatMap((s) => s.apt), ...Object.keys(TOOLS)])].sort();
}

/** The one command for all of it, as bench doctor shows it. */
export function installAllCommand(): string {
  return `sudo apt-get install ${stackPackages().join(' ')}`;
}
