// The agent's observation (issue 15): the objects its watch already holds, turned into the same Observation a
// live read gives `kopt plan` (snapshotOf + validateSnapshot + observationOf), so the agent and plan judge the
// same data the same way. Only what the cache lacks is read: the logs of the target's pods, and usage history
// from source.prometheus for the target's namespaces. No metrics.k8s.io: a reaction does not need them.
import type { LoadedConfig } from "../config/load.ts";
import { rfc3339 } from "../model/format.ts";
import { NO_USAGE_HISTORY } from "./capture.ts";
import { Client, type RawObject } from "./kube/client.ts";
import type { Connection } from "./kube/connection.ts";
import { NAMESPACED_KINDS, NAMESPACES, NODES } from "./kube/kinds.ts";
import { readLogs } from "./kube/logs.ts";
import type { ClusterRead } from "./kube/read-cluster.ts";
import { snapshotOf } from "./kube/snapshot.ts";
import { type ObservationMemo, validatedObjects } from "./object-memo.ts";
import { type Observation, observationOf, withHistory } from "./observe.ts";
import { type Env, readHistory } from "./prometheus/history.ts";
import { validateSnapshot } from "./snapshot.ts";

export interface CacheObservationInput {
  /** Repository root (relative secret files of source.prometheus are relative to it). */
  root: string;
  loaded: LoadedConfig;
  conn: Connection;
  /** The watch's cached objects, as the API sent them (apiVersion and kind set). */
  objects: readonly RawObject[];
  /** The pods whose logs are read (the target workload's); the others' logs are not needed. */
  logsOf: (pod: RawObject) => boolean;
  /** The workloads (Deployments, StatefulSets, DaemonSets) whose namespaces Prometheus is asked about. */
  historyOf: (workload: RawObject) => boolean;
  now: Date;
  prometheusUrl?: string;
  env: Env;
  /** Kept across reactions: each object is validated once while it is unchanged (object-memo.ts). */
  memo?: ObservationMemo;
}

const DEFAULT_TAIL_LINES = 50;
/** The order readCluster lists kinds in, so a cache gives the same snapshot a live read does. */
const KIND_ORDER = [NAMESPACES, NODES, ...NAMESPACED_KINDS].map((k) => k.kind);

/**
 * The cached objects of the kinds a live read lists, in its order: by kind as readCluster lists them, then by
 * namespace and name as the API server lists a kind (its storage order), whatever order the cache holds them in.
 */
export function snapshotItems(objects: readonly RawObject[]): RawObject[] {
  const rank = new Map(KIND_ORDER.map((k, i) => [k, i]));
  const key = (o: RawObject) => {
    const m = (o.metadata ?? {}) as { namespace?: string; name?: string };
    return `${m.namespace ?? ""}/${m.name ?? ""}`;
  };
  const kept = objects.filter((o) => typeof o.kind === "string" && rank.has(o.kind));
  const order = (a: RawObject, b: RawObject) => {
    const r = (rank.get(a.kind as string) ?? 0) - (rank.get(b.kind as string) ?? 0);
    if (r !== 0) return r;
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  // The agent's watch hands them in this order already: checking it is one pass, sorting is not.
  for (let i = 1; i < kept.length; i++) {
    if (order(kept[i - 1] as RawObject, kept[i] as RawObject) > 0) {
      return kept
        .map((o) => ({ o, r: rank.get(o.kind as string) ?? 0, k: key(o) }))
        .sort((a, b) => a.r - b.r || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
        .map((x) => x.o);
    }
  }
  return kept;
}

/**
 * validateSnapshot of the cache's snapshot. With a memo the objects are validated one by one, each once while
 * it is unchanged, and the rest of the snapshot on its own: the same result, since SnapshotSchema checks each
 * item alone. An invalid object sends it through validateSnapshot whole, whose error names item and field.
 */
function validated(
  data: Record<string, unknown>,
  items: RawObject[],
  source: string,
  memo: ObservationMemo | undefined,
) {
  const objects = memo && validatedObjects(items, memo.validated);
  if (!objects) return validateSnapshot(data, source);
  const rest = data.objects as Record<string, unknown>;
  const snapshot = validateSnapshot({ ...data, objects: { ...rest, items: [] } }, source);
  snapshot.objects.items = objects;
  return snapshot;
}

export async function observeCache(input: CacheObservationInput): Promise<Observation> {
  const { loaded, conn } = input;
  const items = snapshotItems(input.objects);
  const warnings: string[] = [];
  const pods = items.filter((o) => o.kind === "Pod" && input.logsOf(o));
  const tailLines = loaded.config.source.kubernetes?.logs.tailLines ?? DEFAULT_TAIL_LINES;
  // A 403 on pods/log leaves the logs out and says so, as `kopt diagnose` does: the agent keeps reacting.
  const logs = await readLogs(new Client(conn), pods, tailLines, warnings, "warn");
  const source = `kubernetes:${conn.context}`;
  const read: ClusterRead = {
    items,
    logs: logs.logs,
    previousLogs: logs.previousLogs,
    logsReadable: logs.readable,
    metrics: null,
    warnings,
    source,
    server: conn.server,
    requests: 0,
  };
  const snapshot = validated(
    snapshotOf(read, loaded.config.cluster, rfc3339(input.now)),
    items,
    source,
    input.memo,
  );
  let history: Awaited<ReturnType<typeof readHistory>> | undefined;
  if (loaded.config.source.prometheus) {
    const workloads = snapshot.objects.items.filter(
      (o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind) && input.historyOf(o as RawObject),
    );
    history = await readHistory(input.root, loaded, workloads, input.now.getTime() / 1000, input);
    warnings.push(...history.warnings);
  } else warnings.push(NO_USAGE_HISTORY);
  const obs = observationOf(snapshot, withHistory(source, history?.usage), history?.usage);
  return { ...obs, raw: { ...obs.raw, logsReadable: logs.readable }, warnings };
}
