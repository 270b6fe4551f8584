// Per-object work the agent's reactions would otherwise repeat over the whole cache (issue 15, item 4): a
// watch cache of 14,750 objects changes by a few objects between two reactions, yet each reaction validated
// every object again and redacted every string again. Each result is kept beside the object it came from
// (a WeakMap: it goes when the cache drops the object) and is used again only for that same object at the
// same resourceVersion. The informer replaces an object on every change, never mutates one in place; the
// resourceVersion check also catches an object changed in place by an API answer that bumps it.
import type { KubeObject } from "../formats/snapshot.ts";
import { SnapshotSchema } from "../formats/snapshot.ts";
import { redactStrings } from "./diagnose-input.ts";

type Raw = Record<string, unknown>;

/** The schema of one snapshot item: what validateSnapshot checks each object of `objects.items` against. */
const ITEM = SnapshotSchema.shape.objects.shape.items.element;

const versionOf = (o: Raw): unknown =>
  (o.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;

/** A cache of one derived value per object, valid while the object keeps its resourceVersion. */
export class ObjectMemo<T> {
  private readonly memo = new WeakMap<object, { version: unknown; value: T }>();
  /** Objects derived afresh since the memo was made (for tests and the bench). */
  misses = 0;

  constructor(private readonly derive: (o: Raw) => T) {}

  of(o: Raw): T {
    const version = versionOf(o);
    const hit = this.memo.get(o);
    if (hit && hit.version === version) return hit.value;
    this.misses++;
    const value = this.derive(o);
    this.memo.set(o, { version, value });
    return value;
  }
}

/** An object as SnapshotSchema validates it, or undefined when it is not valid (validateSnapshot says why). */
export function validatedObject(o: Raw): KubeObject | undefined {
  const r = ITEM.safeParse(o);
  return r.success ? r.data : undefined;
}

/**
 * The objects validated one by one, each once while it is unchanged; undefined when any is invalid (the
 * caller then validates the whole snapshot, whose error names the item and field).
 */
export function validatedObjects(
  objects: readonly Raw[],
  memo: ObjectMemo<KubeObject | undefined>,
): KubeObject[] | undefined {
  const out: KubeObject[] = new Array(objects.length);
  for (let i = 0; i < objects.length; i++) {
    const v = memo.of(objects[i] as Raw);
    if (v === undefined) return undefined;
    out[i] = v;
  }
  return out;
}

/** The objects with every string redacted (redactStrings), each object redacted once while it is unchanged. */
export function redactedObjects(objects: readonly Raw[], memo: ObjectMemo<Raw>): Raw[] {
  return objects.map((o) => memo.of(o));
}

/** The memos a long-running process (the agent) keeps across reactions. */
export interface ObservationMemo {
  validated: ObjectMemo<KubeObject | undefined>;
  redacted: ObjectMemo<Raw>;
}

export function createObservationMemo(): ObservationMemo {
  return {
    validated: new ObjectMemo(validatedObject),
    redacted: new ObjectMemo((o) => redactStrings(o)),
  };
}
