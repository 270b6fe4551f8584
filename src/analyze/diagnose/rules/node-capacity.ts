// The largest free cpu or memory on any node — allocatable minus the requests of the pods bound to it — against
// what an unschedulable pod requests: the number that shows why "Insufficient memory".
import { parseQuantity } from "../../../model/quantity.ts";
import { formatBytes } from "../candidate.ts";
import type { ClusterIndex, PodRecord } from "../cluster-index.ts";
import { at, metaOf, objs, str } from "../read.ts";

type Resource = "cpu" | "memory";

const quantity = (v: unknown) =>
  typeof v === "string" || typeof v === "number" ? (parseQuantity(v) ?? 0) : 0;

export function podRequest(pod: Record<string, unknown>, resource: Resource): number {
  return objs(at(pod, "spec", "containers")).reduce(
    (sum, c) => sum + quantity(at(c, "resources", "requests", resource)),
    0,
  );
}

/** Requested totals per node, computed once per index and resource. */
const requestedCache = new WeakMap<ClusterIndex, Map<Resource, Map<string, number>>>();

function requestedByNode(index: ClusterIndex, resource: Resource): Map<string, number> {
  let perResource = requestedCache.get(index);
  if (!perResource) {
    perResource = new Map();
    requestedCache.set(index, perResource);
  }
  const cached = perResource.get(resource);
  if (cached) return cached;
  const byNode = new Map<string, number>();
  for (const p of index.pods) {
    const phase = str(p.status.phase);
    if (!p.nodeName || phase === "Succeeded" || phase === "Failed") continue;
    byNode.set(p.nodeName, (byNode.get(p.nodeName) ?? 0) + podRequest(p.raw, resource));
  }
  perResource.set(resource, byNode);
  return byNode;
}

const show = (resource: Resource, v: number) =>
  resource === "memory" ? formatBytes(v) : `${Math.round(v * 1000)}m`;

export function largestFree(
  index: ClusterIndex,
  pod: PodRecord,
  resource: Resource,
): { figures: Record<string, string>; sentence: string } {
  const requested = requestedByNode(index, resource);
  let best: { node: string; free: number } | undefined;
  for (const n of index.nodes) {
    const name = metaOf(n)?.name ?? "";
    const free = quantity(at(n, "status", "allocatable", resource)) - (requested.get(name) ?? 0);
    if (!best || free > best.free || (free === best.free && name < best.node)) best = { node: name, free };
  }
  const request = podRequest(pod.raw, resource);
  const figures: Record<string, string> = { [`pod ${resource} request`]: show(resource, request) };
  if (!best)
    return {
      figures,
      sentence: `it requests ${show(resource, request)} ${resource} and no node has that free`,
    };
  figures[`largest free ${resource}`] = `${show(resource, best.free)} on ${best.node}`;
  return {
    figures,
    sentence: `it requests ${show(resource, request)} ${resource}, and the most any node has free is ${show(resource, best.free)} (${best.node})`,
  };
}
