// Every object the simulator takes in is checked against the Kubernetes schema (kubernetes-models), so a
// malformed fixture fails where it is loaded, naming the object, instead of confusing a test later.
import type { KubeObject, ResourceType } from "./resources.ts";
import { apiVersionOf, findByKind, RESOURCE_TYPES } from "./resources.ts";

/** "Pod shop/web-1", "Node node-a": how an object is named in errors. */
export function describe(obj: Record<string, unknown>): string {
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === "string" ? meta.name : "<no name>";
  const where = typeof meta.namespace === "string" ? `${meta.namespace}/${name}` : name;
  return `${String(obj.kind ?? "<no kind>")} ${where}`;
}

/** The schema's complaint about an object, or undefined when it conforms. */
export function schemaError(rt: ResourceType, obj: KubeObject): string | undefined {
  try {
    rt.validate?.(obj);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Resolves the object's type and validates it; throws an Error naming the object and the problem. */
export function checkObject(obj: unknown, where = ""): ResourceType {
  const at = where ? `${where}: ` : "";
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw new Error(`${at}kube-sim: expected a Kubernetes object, got ${JSON.stringify(obj)}`);
  }
  const o = obj as Record<string, unknown>;
  const rt = findByKind(String(o.apiVersion), String(o.kind));
  if (!rt) {
    const served = [...new Set(RESOURCE_TYPES.map((r) => `${apiVersionOf(r)} ${r.kind}`))].join(", ");
    throw new Error(
      `${at}kube-sim does not serve ${String(o.apiVersion)} ${String(o.kind)} (${describe(o)}); it serves ${served}`,
    );
  }
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (!meta || typeof meta.name !== "string" || meta.name === "") {
    throw new Error(`${at}${describe(o)} is invalid: metadata.name is required`);
  }
  if (rt.namespaced && (typeof meta.namespace !== "string" || meta.namespace === "")) {
    throw new Error(`${at}${describe(o)} is invalid: metadata.namespace is required for a namespaced kind`);
  }
  const problem = schemaError(rt, o as KubeObject);
  if (problem) throw new Error(`${at}${describe(o)} is invalid: ${problem}`);
  return rt;
}

/** Items of `kind: List` or a typed list (`PodList`), given their type when the items lack it. */
export function flattenLists(objects: Record<string, unknown>[]): Record<string, unknown>[] {
  return objects.flatMap((o) => {
    if (typeof o.kind !== "string" || !o.kind.endsWith("List") || !Array.isArray(o.items)) return [o];
    const itemKind = o.kind === "List" ? undefined : o.kind.slice(0, -"List".length);
    return flattenLists(
      (o.items as Record<string, unknown>[]).map((item) =>
        itemKind && item.kind === undefined ? { apiVersion: o.apiVersion, kind: itemKind, ...item } : item,
      ),
    );
  });
}
