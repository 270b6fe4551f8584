// What Helm renders from a chain of values files: the chart's values.yaml, then each values file in order
// (later files win), then inline values. kopt edits one file of the chain; to know whether that edit
// changes what runs, it must read a value the way Helm does. Pure: texts in, values out.
import { isDeepStrictEqual } from "node:util";
import { LineCounter, parseDocument } from "yaml";
import type { ValuesLookup } from "../decide/drift.ts";
import { formatPath, KoptError } from "../errors.ts";
import { asHelmReads, parseValuesPath, type ValuesPath } from "./values-edit.ts";

/** One layer of values: a file of the repository, or inline values of an Argo CD / Flux manifest. */
export interface ValuesLayer {
  /** Where the layer comes from: a repository path, or e.g. `clusters/demo/app.yaml: spec.source.helm.values`. */
  file: string;
  values: Record<string, unknown>;
}

/** The layers Helm merges for one release, lowest precedence first, and the file kopt edits among them. */
export interface ValuesChain {
  layers: ValuesLayer[];
  /** The layer kopt edits (a repository path, one of `layers`). */
  edited: string;
  /** How the chain was found, for messages: "the Argo CD Application in clusters/demo/app.yaml". */
  origin: string;
}

/** A value as Helm would render it, and the layer that set it. */
export interface EffectiveValue {
  value: unknown;
  file: string;
}

/**
 * Parses one values file as Helm reads it: YAML 1.1 scalars (go-yaml), `<<` merge keys, aliases resolved.
 * An empty file is an empty mapping.
 */
export function parseValuesLayer(text: string, file: string): ValuesLayer {
  const lineCounter = new LineCounter();
  const doc = parseDocument(asHelmReads(text), {
    version: "1.1",
    merge: true,
    lineCounter,
    prettyErrors: false,
  });
  const first = doc.errors[0];
  if (first) {
    throw new KoptError("values", `not valid YAML: ${first.message.split("\n")[0]}`, {
      where: { file, line: lineCounter.linePos(first.pos[0]).line },
      hint: "fix the YAML syntax at that line (indentation, quotes, colons); Helm cannot read it either",
    });
  }
  const values: unknown = doc.toJS({ maxAliasCount: -1 }) ?? {};
  if (!isPlainObject(values)) {
    throw new KoptError("values", "a values file must be a mapping of keys to values", {
      where: { file, line: 1 },
      hint: "Helm reads values files as a YAML mapping (key: value); fix the top level of the file",
    });
  }
  return { file, values };
}

/**
 * The value at `path` after Helm's merge: later layers override earlier ones key by key (mappings merge,
 * anything else replaces), and a `null` removes the key. Undefined when no layer sets it.
 */
export function effectiveValue(chain: ValuesChain, path: ValuesPath): EffectiveValue | undefined {
  let found: EffectiveValue | undefined;
  for (const layer of chain.layers) {
    const here = lookup(layer.values, path);
    if (here.kind === "absent") continue;
    if (here.kind === "blocked") {
      // A scalar or null on the way replaces (or removes) whatever earlier layers had below it.
      found = undefined;
      continue;
    }
    found = here.value === null ? undefined : { value: here.value, file: layer.file };
  }
  return found;
}

/** Looks up dotted paths in the chain, saying whether the layer that set a value comes before or after the edited one. */
export function chainLookup(chain: ValuesChain): ValuesLookup {
  const editedAt = chain.layers.findIndex((l) => l.file === chain.edited);
  return (path) => {
    const found = effectiveValue(chain, parseValuesPath(path));
    if (!found) return undefined;
    const at = chain.layers.findIndex((l) => l.file === found.file);
    return {
      value: found.value,
      setBy: found.file,
      order: at === editedAt ? "edited" : at < editedAt ? "before" : "after",
    };
  };
}

/** Whether `path` holds a mapping after the merge (a component's block, a `resources` block). */
export function isMappingAt(chain: ValuesChain, path: ValuesPath): boolean {
  if (path.length === 0) return true;
  const v = effectiveValue(chain, path);
  return v !== undefined && isPlainObject(v.value);
}

/** The keys of the mapping at `path` after the merge, for "did you mean" suggestions. */
export function keysAt(chain: ValuesChain, path: ValuesPath): string[] {
  const keys = new Set<string>();
  for (const layer of chain.layers) {
    const here =
      path.length === 0 ? { kind: "found" as const, value: layer.values } : lookup(layer.values, path);
    if (here.kind === "found" && isPlainObject(here.value))
      for (const k of Object.keys(here.value)) keys.add(k);
  }
  return [...keys].sort();
}

/**
 * The effective values of the whole chain (what Helm would pass to the templates), for tests and checks
 * that an edit changed only what it meant to.
 */
export function mergedValues(chain: ValuesChain): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const layer of chain.layers) out = mergeInto(out, layer.values);
  return out;
}

/** The paths (dotted) whose effective values differ between two merged value trees. */
export function changedPaths(before: unknown, after: unknown, prefix: ValuesPath = []): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((k) => changedPaths(before[k], after[k], [...prefix, k]));
  }
  return isDeepStrictEqual(before, after) ? [] : [formatPath(prefix)];
}

function mergeInto(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k]))
      out[k] = mergeInto(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

type Lookup = { kind: "found"; value: unknown } | { kind: "absent" } | { kind: "blocked" };

function lookup(root: unknown, path: ValuesPath): Lookup {
  let node: unknown = root;
  for (const [i, seg] of path.entries()) {
    if (Array.isArray(node) && typeof seg === "number") {
      // Helm replaces lists whole: a shorter list in a later layer leaves nothing at this index.
      if (seg >= node.length) return { kind: "blocked" };
      node = node[seg];
      continue;
    }
    if (!isPlainObject(node)) return i === 0 ? { kind: "absent" } : { kind: "blocked" };
    const key = String(seg);
    if (!Object.hasOwn(node, key)) return { kind: "absent" };
    node = node[key];
    if (node === null && i < path.length - 1) return { kind: "blocked" };
  }
  return { kind: "found", value: node };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
