// One informer: client-node's ListWatch on one scope (a kind, in all namespaces or one), kept alive. In
// client-node 1.4 a ListWatch stops on any error but a 410; this restarts it with backoff, resuming from its
// resourceVersion (the server then replays what changed meanwhile, or answers 410 and ListWatch re-lists
// and diffs against its cache). A watch silent for too long is ended as a 410 would be: a re-list.
import { type KubernetesObject, ListWatch } from "@kubernetes/client-node";
import { redact } from "../../redact.ts";
import type { AgentLog } from "../../workflows/agent/ports.ts";
import type { Client, RawObject } from "./client.ts";
import type { Connection } from "./connection.ts";
import { clusterError } from "./errors.ts";
import { TrackedWatch } from "./tracked-watch.ts";
import {
  describeScope,
  ListFailed,
  listScope,
  scopeFieldSelector,
  scopePath,
  type WatchScope,
} from "./watch-list.ts";

export interface ScopeInformerOptions {
  conn: Connection;
  client: Client;
  scope: WatchScope;
  pageSize: number;
  /** A watch whose response headers have not come by then fails and is restarted with backoff. */
  connectTimeoutMs: number;
  /** Whether an object is kept: objects in excluded namespaces are neither cached nor delivered. */
  keep: (obj: RawObject) => boolean;
  backoff: { initialMs: number; maxMs: number };
  log: AgentLog;
  /** Where the informer's cache changes go (ListWatch's add/update/delete, each with the object it now holds). */
  added: (obj: RawObject) => void;
  updated: (obj: RawObject) => void;
  deleted: (obj: RawObject) => void;
  restarted: () => void;
  relisted: () => void;
}

/** "relisting": the watch ended with a 410 (or was ended for silence) and ListWatch lists again. */
const statusOf = (err: unknown) => (err as { statusCode?: number } | null)?.statusCode;

type State = "new" | "watching" | "relisting" | "restarting" | "stopped";

export class ScopeInformer {
  private state: State = "new";
  /** A watch has been open once: start() has resolved. */
  private opened = false;
  private lastActivity = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly watch: TrackedWatch;
  private readonly lw: ListWatch<KubernetesObject>;
  private readonly firstList: Promise<void>;
  private settleFirst: (err?: Error) => void = () => {};

  constructor(private readonly o: ScopeInformerOptions) {
    const { kind } = o.scope;
    this.firstList = new Promise<void>((resolve, reject) => {
      this.settleFirst = (err) => (err ? reject(err) : resolve());
    });
    // A rejection nobody awaits (stop() before start()) must not be unhandled.
    this.firstList.catch(() => {});
    this.watch = new TrackedWatch(
      o.conn.kc,
      {
        keep: o.keep,
        opened: () => {
          if (this.state !== "stopped") this.state = "watching";
          this.lastActivity = Date.now();
          this.opened = true;
          this.settleFirst();
        },
        activity: () => {
          this.lastActivity = Date.now();
          this.failures = 0;
        },
        gone: (reason) => this.relist(reason),
      },
      { apiVersion: kind.apiVersion, kind: kind.kind },
      o.connectTimeoutMs,
    );
    const list = async () => {
      const result = await listScope(o.client, o.conn, o.scope, o.pageSize, o.keep);
      this.failures = 0;
      return result as unknown as { metadata: { resourceVersion: string }; items: KubernetesObject[] };
    };
    this.lw = new ListWatch(
      scopePath(o.scope),
      this.watch,
      list,
      false,
      undefined,
      scopeFieldSelector(o.scope),
    );
    const live = (sink: (obj: RawObject) => void) => (obj: KubernetesObject) => {
      if (this.state !== "stopped") sink(obj as RawObject);
    };
    this.lw.on("add", live(o.added));
    this.lw.on("update", live(o.updated));
    this.lw.on("delete", live(o.deleted));
    this.lw.on("error", (err: unknown) => this.failed(err));
  }

  /**
   * Lists and starts watching; resolves once listed and watching, rejects when the first list or watch is refused
   * (401/403: retrying goes on, in case RBAC is fixed, but the caller should know at once).
   */
  start(): Promise<void> {
    if (this.state === "new") this.resume();
    return this.firstList;
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    clearTimeout(this.timer);
    this.settleFirst();
    this.watch.close();
    await this.lw.stop();
  }

  /** Listed once, and the watch is open now. */
  synced(): boolean {
    return this.state === "watching";
  }

  /**
   * The watchdog: re-lists when the open watch has had no event and no bookmark for silentAfterMs. A watch
   * that never opens is not its business: TrackedWatch fails it after connectTimeoutMs.
   */
  checkSilence(now: number, silentAfterMs: number): void {
    if (this.state !== "watching" || now - this.lastActivity < silentAfterMs) return;
    this.o.log("watch.silent", { ...describeScope(this.o.scope), silentForMs: now - this.lastActivity });
    this.lastActivity = now;
    this.relist(`silent for ${silentAfterMs} ms`);
    this.watch.expire();
  }

  /** The watch itself refused (the list was allowed): what to grant. */
  private watchRefused(status: number | undefined): Error {
    const { kind, namespace } = this.o.scope;
    const where = kind.clusterScoped
      ? "cluster-scoped"
      : namespace
        ? `namespace ${namespace}`
        : "all namespaces";
    const group = kind.apiGroup === "" ? "core" : kind.apiGroup;
    return clusterError(
      `the Kubernetes API at ${this.o.conn.server} refused to watch ${kind.resource} (API group ${group}, ${where}) for ${this.o.conn.identity} (${status === 401 ? "401 Unauthorized" : "403 Forbidden"})`,
      status === 401
        ? "refresh the credentials of the kubeconfig's context"
        : `grant the verbs get, list and watch on ${kind.resource} (the kopt-agent chart's ClusterRole holds them)`,
    );
  }

  private relist(reason: string): void {
    if (this.state === "watching") this.state = "relisting";
    this.o.relisted();
    this.o.log("watch.relist", { ...describeScope(this.o.scope), reason });
  }

  private resume(): void {
    this.lw.start().catch((err: unknown) => this.failed(err));
  }

  /** ListWatch stopped on an error: restart it after a backoff that doubles up to the maximum. */
  private failed(err: unknown): void {
    if (this.state === "stopped") return;
    const message = redact(err instanceof Error ? err.message : String(err));
    if (!this.opened) {
      if (err instanceof ListFailed && err.permanent) this.settleFirst(err);
      else if (statusOf(err) === 401 || statusOf(err) === 403)
        this.settleFirst(this.watchRefused(statusOf(err)));
    }
    const { initialMs, maxMs } = this.o.backoff;
    const delay = Math.min(maxMs, initialMs * 2 ** this.failures);
    this.failures++;
    this.state = "restarting";
    this.o.restarted();
    this.o.log("watch.restart", { ...describeScope(this.o.scope), error: message, retryInMs: delay });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state !== "stopped") this.resume();
    }, delay);
  }
}
