import { runProbe } from '../software/catalog.js';

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * The first of `names` that exists here (getent passwd), for a server that refuses to run as
 * root when bench is root; undefined when bench is not root (the server runs as bench's user).
 * `refuses` says who refused, for the error when none of them exists.
 */
export async function unprivilegedUser(names: readonly string[], refuses: string): Promise<SystemUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of names) {
    const [, , uid, gid] = (await runProbe('getent', ['passwd', name]))?.split(':') ?? [];
    if (uid && gid) return { name, uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(`bench runs as root, which ${refuses} refuses, and there is no ${names.join(' or ')} user to run it as; run bench as another user`);
}
