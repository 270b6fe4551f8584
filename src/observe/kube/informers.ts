// The agent's view of the cluster (issue 15): informers on exactly the kinds readCluster reads (Namespaces,
// Nodes and the namespaced kinds of kinds.ts; not metrics), restarted on errors, re-listed on 410 and on
// silence (scope-informer.ts), with one cache of raw JSON objects that `objects()` hands to the diagnosis
// as readCluster's `items` would be, and every change delivered with the object it replaced.
//
// One copy of each object: ListWatch keeps its cache, and the index here holds the same instances (it
// exists to give a change its `old`, which ListWatch has already overwritten when it calls back).
import type {
  AgentLog,
  ClusterWatchPort,
  RawObject,
  WatchChange,
  WatchStats,
} from "../../workflows/agent/ports.ts";
import { Client, DEFAULT_REQUEST_TIMEOUT_MS } from "./client.ts";
import type { Connection } from "./connection.ts";
import { NAMESPACED_KINDS, NAMESPACES, NODES, namespaceOf } from "./kinds.ts";
import { ScopeInformer } from "./scope-informer.ts";
import type { WatchScope } from "./watch-list.ts";

export interface ClusterWatchOptions {
  /** As source.kubernetes.namespaces: include lists each namespace on its own; exclude drops objects. */
  namespaces?: { include?: string[]; exclude?: string[] };
  /** A watch with no event and no bookmark for this long is re-listed. */
  silentAfterMs: number;
  /** Restart delay after an informer stops on an error; default 200 ms doubling to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  log?: AgentLog;
  /** Objects per list request; default 500, as readCluster and kubectl. */
  pageSize?: number;
  /**
   * A list page not fully read, or a watch not answered (response headers), after this long fails and the
   * informer restarts with backoff; default 30 s. An open watch is bounded by silentAfterMs instead.
   */
  requestTimeoutMs?: number;
}

const DEFAULT_BACKOFF = { initialMs: 200, maxMs: 30_000 };
const DEFAULT_PAGE_SIZE = 500;
/** The order of objects(): readCluster's. */
const KIND_ORDER = [NAMESPACES, NODES, ...NAMESPACED_KINDS].map((k) => k.kind);

type Meta = { name?: string; namespace?: string };
const metaOf = (obj: RawObject) => (obj.metadata ?? {}) as Meta;
const keyOf = (obj: RawObject) => `${metaOf(obj).namespace ?? ""}/${metaOf(obj).name ?? ""}`;

/** One informer per kind, or per kind and included namespace (Namespaces then by name, not cluster-wide). */
function scopesFor(include: string[] | undefined): WatchScope[] {
  if (!include) return [{ kind: NAMESPACES }, { kind: NODES }, ...NAMESPACED_KINDS.map((kind) => ({ kind }))];
  return [
    ...include.map((name) => ({ kind: NAMESPACES, name })),
    { kind: NODES },
    ...NAMESPACED_KINDS.flatMap((kind) => include.map((namespace) => ({ kind, namespace }))),
  ];
}

/** Cached objects by kind, then "namespace/name". */
class Index {
  private readonly byKind = new Map<string, Map<string, RawObject>>(KIND_ORDER.map((k) => [k, new Map()]));

  /** Stores obj and returns the object it replaces. */
  put(kind: string, obj: RawObject): RawObject | undefined {
    const table = this.table(kind);
    const key = keyOf(obj);
    const old = table.get(key);
    table.set(key, obj);
    return old;
  }

  remove(kind: string, obj: RawObject): RawObject | undefined {
    const table = this.table(kind);
    const key = keyOf(obj);
    const old = table.get(key);
    table.delete(key);
    return old;
  }

  get(kind: string, namespace: string, name: string): RawObject | undefined {
    return this.byKind.get(kind)?.get(`${namespace}/${name}`);
  }

  /** Every object, by kind in readCluster's order, then by namespace and name as the API server lists. */
  all(): RawObject[] {
    const out: RawObject[] = [];
    for (const table of this.byKind.values()) {
      const keys = [...table.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const key of keys) out.push(table.get(key) as RawObject);
    }
    return out;
  }

  private table(kind: string): Map<string, RawObject> {
    let t = this.byKind.get(kind);
    if (!t) {
      t = new Map();
      this.byKind.set(kind, t);
    }
    return t;
  }
}

export function createClusterWatch(conn: Connection, opts: ClusterWatchOptions): ClusterWatchPort {
  const log: AgentLog = opts.log ?? (() => {});
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const client = new Client(conn, { timeoutMs: requestTimeoutMs });
  const exclude = new Set(opts.namespaces?.exclude ?? []);
  /** Drops objects in excluded namespaces, and the excluded Namespace objects themselves (as readCluster). */
  const keep = (obj: RawObject) => {
    const ns = obj.kind === "Namespace" ? metaOf(obj).name : namespaceOf(obj);
    return ns === undefined || !exclude.has(ns);
  };
  const index = new Index();
  const listeners: ((change: WatchChange) => void)[] = [];
  const stats: WatchStats = { events: 0, restarts: 0, relists: 0 };
  let stopped = false;
  let watchdog: NodeJS.Timeout | undefined;

  const emit = (change: WatchChange) => {
    if (stopped) return;
    stats.events++;
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (err) {
        // A listener's failure must not break the informer that called it (ListWatch would stop mid-list).
        log("watch.listener.error", {
          kind: change.kind,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  };
  const changed = (kind: string, type: "ADDED" | "MODIFIED") => (object: RawObject) => {
    const old = index.put(kind, object);
    emit(old ? { kind, type, object, old } : { kind, type, object });
  };
  const informers = scopesFor(opts.namespaces?.include).map((scope) => {
    const kind = scope.kind.kind;
    return new ScopeInformer({
      conn,
      client,
      scope,
      pageSize: opts.pageSize ?? DEFAULT_PAGE_SIZE,
      connectTimeoutMs: requestTimeoutMs,
      keep,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      log,
      added: changed(kind, "ADDED"),
      updated: changed(kind, "MODIFIED"),
      deleted: (object) => {
        const old = index.remove(kind, object);
        emit(old ? { kind, type: "DELETED", object, old } : { kind, type: "DELETED", object });
      },
      restarted: () => stats.restarts++,
      relisted: () => stats.relists++,
    });
  });

  return {
    async start() {
      // Checked a few times per silence period, so a stall is caught soon after it passes the limit.
      const every = Math.max(25, Math.min(1000, opts.silentAfterMs / 4));
      watchdog ??= setInterval(() => {
        const now = Date.now();
        for (const informer of informers) informer.checkSilence(now, opts.silentAfterMs);
      }, every);
      await Promise.all(informers.map((i) => i.start()));
    },
    async stop() {
      stopped = true;
      clearInterval(watchdog);
      await Promise.all(informers.map((i) => i.stop()));
    },
    onChange(listener) {
      listeners.push(listener);
    },
    get: (kind, namespace, name) => index.get(kind, namespace, name),
    objects: () => index.all(),
    synced: () => !stopped && informers.every((i) => i.synced()),
    stats: () => ({ ...stats }),
  };
}
