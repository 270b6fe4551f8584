// Defensive reading of raw Kubernetes objects (`kubectl get -o json` shapes): every accessor returns a typed
// value or undefined, never throws, so a malformed object becomes a warning instead of a crash.

export type Raw = Record<string, unknown>;

export const isObj = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Raw | undefined => (isObj(v) ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const objs = (v: unknown): Raw[] => arr(v).filter(isObj);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** A nested field: `at(o, "status", "phase")`. */
export function at(o: unknown, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const key of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** An RFC 3339 time as Unix seconds, or undefined when absent or unreadable. */
export function unixTime(v: unknown): number | undefined {
  const s = str(v);
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

export interface ObjectMeta {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

/** kind, namespace ("" for cluster objects), name and uid, or undefined when there is no name. */
export function metaOf(o: Raw): ObjectMeta | undefined {
  const name = str(at(o, "metadata", "name"));
  const kind = str(o.kind);
  if (!name || !kind) return undefined;
  return {
    kind,
    name,
    namespace: str(at(o, "metadata", "namespace")) ?? "",
    uid: str(at(o, "metadata", "uid")) ?? "",
  };
}

/** The controller owner reference (or the first owner), as kind and name. */
export function controllerOf(o: Raw): { kind: string; name: string } | undefined {
  const refs = objs(at(o, "metadata", "ownerReferences"));
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  const kind = str(ref?.kind);
  const name = str(ref?.name);
  return kind && name ? { kind, name } : undefined;
}

/** A condition of `status.conditions` by type. */
export function conditionOf(o: Raw, type: string): Raw | undefined {
  return objs(at(o, "status", "conditions")).find((c) => c.type === type);
}

export const objectKey = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

/** Code-unit order: deterministic whatever the locale (localeCompare is not). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A message as a clause inside a sentence: one line, trimmed, without its final period. */
export const clause = (s: string, max = 200): string =>
  s
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, max)
    .replace(/[.\s]+$/, "");
