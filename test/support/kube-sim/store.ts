// The simulator's etcd and watch cache: objects per resource type, one global resourceVersion counter,
// a bounded history of changes for watches to resume from, and the live watchers.
import type { KubeObject, ResourceType } from "./resources.ts";
import { apiVersionOf } from "./resources.ts";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface Change {
  rv: number;
  type: ChangeType;
  rt: ResourceType;
  object: KubeObject;
  /** The state before a MODIFIED or DELETED change. */
  old?: KubeObject;
}

export type Listener = (change: Change) => void;

export function nameOf(obj: KubeObject): string {
  return String(obj.metadata.name ?? "");
}

export function namespaceOf(obj: KubeObject): string {
  return String(obj.metadata.namespace ?? "");
}

/** The storage key; listing in key order is what gives the real server's namespace-then-name order. */
export function keyOf(rt: ResourceType, namespace: string, name: string): string {
  return rt.namespaced ? `${namespace}/${name}` : name;
}

/** The object with kind and apiVersion first, as the API server serializes it. */
export function withTypeMeta(rt: ResourceType, obj: Record<string, unknown>): KubeObject {
  const { kind: _k, apiVersion: _a, ...rest } = obj;
  return { kind: rt.kind, apiVersion: apiVersionOf(rt), ...rest } as unknown as KubeObject;
}

export class Store {
  private rv = 0;
  /** Watches from a resourceVersion below this have lost events to the bounded history: 410. */
  private floor = 0;
  private readonly objects = new Map<ResourceType, Map<string, KubeObject>>();
  private readonly history: Change[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(private readonly historyLimit: number) {}

  get resourceVersion(): number {
    return this.rv;
  }

  /**
   * Adds an initial object without an event, keeping a numeric resourceVersion it already has; others get
   * the next one (unless `stamp` is false: metrics objects have none).
   */
  seed(rt: ResourceType, obj: KubeObject, stamp = true): void {
    const given = String(obj.metadata.resourceVersion ?? "");
    if (/^[1-9]\d*$/.test(given)) this.rv = Math.max(this.rv, Number(given));
    else if (stamp) obj.metadata.resourceVersion = String(++this.rv);
    this.floor = this.rv;
    this.table(rt).set(keyOf(rt, namespaceOf(obj), nameOf(obj)), obj);
  }

  get(rt: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.table(rt).get(keyOf(rt, namespace, name));
  }

  /** Objects of a type in key order, optionally in one namespace. */
  list(rt: ResourceType, namespace = ""): { key: string; object: KubeObject }[] {
    const out: { key: string; object: KubeObject }[] = [];
    for (const [key, object] of this.table(rt)) {
      if (namespace === "" || namespaceOf(object) === namespace) out.push({ key, object });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Creates or replaces; stamps a new resourceVersion and notifies watchers. */
  write(rt: ResourceType, obj: KubeObject): KubeObject {
    const key = keyOf(rt, namespaceOf(obj), nameOf(obj));
    const old = this.table(rt).get(key);
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    this.table(rt).set(key, obj);
    this.record(
      old ? { rv, type: "MODIFIED", rt, object: obj, old } : { rv, type: "ADDED", rt, object: obj },
    );
    return obj;
  }

  /** Deletes; the DELETED event carries the final state with the deletion's resourceVersion. */
  delete(rt: ResourceType, namespace: string, name: string, finalize?: (o: KubeObject) => void): KubeObject {
    const key = keyOf(rt, namespace, name);
    const old = this.table(rt).get(key);
    if (!old) throw new Error(`no ${rt.kind} ${key}`);
    this.table(rt).delete(key);
    const rv = ++this.rv;
    const object = structuredClone(old);
    finalize?.(object);
    object.metadata.resourceVersion = String(rv);
    this.record({ rv, type: "DELETED", rt, object, old });
    return object;
  }

  /**
   * Changes to `rt` after `from`, or "expired" when the bounded history no longer reaches back that far;
   * then `listener` receives every later change until the returned function is called.
   */
  watch(
    rt: ResourceType,
    from: number,
    listener: Listener,
  ): { replay: Change[] | "expired"; stop: () => void } {
    const replay = from < this.floor ? "expired" : this.history.filter((c) => c.rt === rt && c.rv > from);
    const l: Listener = (c) => {
      if (c.rt === rt) listener(c);
    };
    this.listeners.add(l);
    return { replay, stop: () => this.listeners.delete(l) };
  }

  /** The oldest resourceVersion a watch can resume from. */
  get oldest(): number {
    return this.floor;
  }

  private record(change: Change): void {
    this.history.push(change);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift() as Change;
      this.floor = dropped.rv;
    }
    for (const l of [...this.listeners]) l(change);
  }

  private table(rt: ResourceType): Map<string, KubeObject> {
    let t = this.objects.get(rt);
    if (!t) {
      t = new Map();
      this.objects.set(rt, t);
    }
    return t;
  }
}
