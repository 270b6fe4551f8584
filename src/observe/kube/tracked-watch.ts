// The watch half of an informer: client-node's Watch, as ListWatch drives it, with what ListWatch 1.4 lacks.
// - It asks for bookmarks (ListWatch sends only resourceVersion and selectors), so a quiet but healthy watch
//   still shows signs of life and the watchdog can tell it from a stalled one.
// - It reports when a watch opens, every event, and every 410, so the informer knows its state.
// - expire() ends a silent watch as a 410 would, so ListWatch itself re-lists and diffs against its cache.
// - Objects the informer does not keep (excluded namespaces) become bookmarks: ListWatch advances its
//   resourceVersion without caching them.
// - A watch whose response headers do not come within connectTimeoutMs fails, as any failed watch does
//   (the informer restarts it with backoff). client-node 1.4's Watch has no such limit (it builds a 30 s
//   timeout signal and then overwrites it), and the silence watchdog cannot end a watch that never opened.
import { type KubeConfig, Watch } from "@kubernetes/client-node";
import type { RawObject } from "./client.ts";

export interface WatchHooks {
  /** Whether an object from the stream is kept (cached and delivered). */
  keep(obj: RawObject): boolean;
  /** The server answered 200: the stream is open. */
  opened(): void;
  /** Any event, bookmarks included. */
  activity(): void;
  /** The server said 410 Gone (event or status), or expire() ended the watch: ListWatch re-lists next. */
  gone(reason: string): void;
}

type Callback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

/**
 * The kubeconfig as Watch uses it, with node-fetch's `timeout` added to the fetch options. That timeout
 * covers the wait for the response headers only: node-fetch applies it to a body read with text() or
 * json(), not to the stream Watch reads line by line, so an open watch may stay quiet as long as it likes.
 */
function withConnectTimeout(kc: KubeConfig, timeoutMs: number): KubeConfig {
  const timed = Object.create(kc) as KubeConfig;
  timed.applyToFetchOptions = async (opts) => ({
    ...(await kc.applyToFetchOptions(opts)),
    timeout: timeoutMs,
  });
  return timed;
}

/** The error a 410 carries, as ListWatch's doneHandler recognizes it. */
const gone = () => Object.assign(new Error("watch ended to re-list"), { statusCode: 410 });

export class TrackedWatch extends Watch {
  private current: AbortController | undefined;
  private expiring = false;
  private closed = false;

  constructor(
    kc: KubeConfig,
    private readonly hooks: WatchHooks,
    private readonly typeMeta: { apiVersion: string; kind: string },
    connectTimeoutMs: number,
  ) {
    super(withConnectTimeout(kc, connectTimeoutMs));
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: Callback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (this.closed) {
      // ListWatch opens a watch after a list that was in flight when it was stopped: refuse it.
      setImmediate(() => done(null));
      return new AbortController();
    }
    let ended = false;
    const finish = (err: unknown) => {
      if (ended) return;
      ended = true;
      this.current = undefined;
      if (this.expiring) {
        this.expiring = false;
        done(gone());
        return;
      }
      if ((err as { statusCode?: number } | null)?.statusCode === 410) this.hooks.gone("410 Gone");
      done(err);
    };
    let controller: AbortController;
    try {
      controller = await super.watch(
        path,
        { ...queryParams, allowWatchBookmarks: true },
        (phase, obj, raw) => this.event(phase, obj as RawObject, raw, callback),
        finish,
      );
    } catch (err) {
      // Thrown before the request (the kubeconfig's auth failed): ListWatch would leave it unhandled.
      finish(err);
      return new AbortController();
    }
    if (ended) return controller;
    if (this.closed) {
      controller.abort();
      return controller;
    }
    this.current = controller;
    this.hooks.opened();
    return controller;
  }

  /** Ends the open watch as a 410 would: ListWatch re-lists. */
  expire(): void {
    if (!this.current) return;
    this.expiring = true;
    this.current.abort();
  }

  /** Ends the open watch and refuses new ones. */
  close(): void {
    this.closed = true;
    this.current?.abort();
  }

  private event(phase: string, obj: RawObject, raw: unknown, callback: Callback): void {
    this.hooks.activity();
    if (phase === "ERROR") {
      if ((obj as { code?: number }).code === 410) this.hooks.gone("410 Gone");
      callback(phase, obj, raw);
      return;
    }
    if (phase !== "ADDED" && phase !== "MODIFIED" && phase !== "DELETED") {
      callback(phase, obj, raw);
      return;
    }
    // The API server sends kind and apiVersion on watch events; put them back if a server does not.
    const typed = obj.kind && obj.apiVersion ? obj : { ...this.typeMeta, ...obj };
    if (this.hooks.keep(typed)) callback(phase, typed, raw);
    else {
      const resourceVersion = (obj.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
      callback("BOOKMARK", { metadata: { resourceVersion } }, raw);
    }
  }
}
