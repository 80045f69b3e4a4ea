/** Which cluster master a call goes to, so that its breaker can be chosen before the call is sent. */
import { getKeyIndexes } from '@ioredis/commands';
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';

/**
 * The masters a call goes to: the node of a command's first key, or for a pipeline or MULTI (whose args are
 * `[name, ...args]` entries) the node of each entry's first key, without repeats. `default` for keyless calls.
 */
export function clusterNodesFor(cluster: Cluster, operation: string, args: readonly unknown[]): string[] {
  if (operation !== 'pipeline' && operation !== 'multi') return [clusterNodeFor(cluster, operation, args)];
  const nodes = new Set<string>();
  for (const entry of args) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
    nodes.add(clusterNodeFor(cluster, entry[0], entry.slice(1)));
  }
  if (nodes.size > 1) nodes.delete('default');
  return nodes.size === 0 ? ['default'] : [...nodes];
}

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

/**
 * Report each master connection that becomes ready again (`host:port`), so its breaker probes at once instead of
 * waiting for its timer. Returns the function that stops listening.
 */
export function watchClusterNodes(cluster: Cluster, ready: (node: string) => void): () => void {
  type Node = ReturnType<Cluster['nodes']>[number];
  const watched = new Map<Node, () => void>();
  const watch = (node: Node) => {
    if (watched.has(node)) return;
    const onReady = () => ready(`${node.options.host}:${node.options.port}`);
    node.on('ready', onReady);
    watched.set(node, onReady);
  };
  for (const node of cluster.nodes('all')) watch(node);
  cluster.on('+node', watch);
  return () => {
    cluster.off('+node', watch);
    for (const [node, onReady] of watched) node.off('ready', onReady);
    watched.clear();
  };
}
