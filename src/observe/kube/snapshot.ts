// A cluster read as a snapshot file's content: what `kopt snapshot` writes, before validation.
import type { ClusterRead } from "./read-cluster.ts";

/**
 * A cluster read as a ClusterSnapshot (not yet validated). Usage history is empty matrices: it comes from
 * source.prometheus (filled in by the caller), and without one the snapshot says there is none.
 */
export function snapshotOf(read: ClusterRead, cluster: string, capturedAt: string): Record<string, unknown> {
  const empty = () => ({ resultType: "matrix", result: [] });
  return {
    apiVersion: "kopt.dev/v1",
    kind: "ClusterSnapshot",
    cluster,
    capturedAt,
    objects: { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items: read.items },
    usage: { cpu: empty(), memory: empty() },
    logs: read.logs,
    ...(Object.keys(read.previousLogs).length > 0 ? { previousLogs: read.previousLogs } : {}),
    ...(read.metrics ? { metrics: read.metrics } : {}),
    // Present whenever the read tried the security audit's kinds, empty when it read them all.
    ...(read.unreadable ? { unreadable: read.unreadable } : {}),
  };
}
