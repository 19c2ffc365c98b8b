import type { ServerKind } from './kind.js';
import { nodeAsync, nodeBlocking, nodePrefork } from './node.js';

/** Every server kind bench can start, in the order `bench list` shows them. */
export const serverKinds: readonly ServerKind[] = [nodeBlocking, nodePrefork, nodeAsync];

export function findKind(name: string): ServerKind | undefined {
  return serverKinds.find((k) => k.name === name);
}
