/** Which cluster master a call goes to, so that its breaker can be chosen before the call is sent. */
import { getKeyIndexes } from '@ioredis/commands';
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';

/** `host:port` of the master serving the call's first key, or `default` for keyless calls or unknown slots. */
export function clusterNodeFor(cluster: Cluster, name: string, args: readonly unknown[]): string {
  let key: unknown;
  try {
    const idx = getKeyIndexes(name, args as string[]);
    if (idx.length > 0) key = args[idx[0]!];
  } catch {
    return 'default';
  }
  if (key === undefined) return 'default';
  const slot = calculateSlot(Buffer.isBuffer(key) ? key : String(key));
  return cluster.slots[slot]?.[0] ?? 'default';
}

/** The live connection to a master, for the half-open PING. */
export function clusterNode(cluster: Cluster, node: string) {
  return cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === node);
}
