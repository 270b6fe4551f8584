// Which security audit findings become a fix pull request, and with which values edits (issue 17): one pull
// request per mapped workload, all of its findings' values fixes merged. Pure: what the values files hold is
// passed in as a lookup.
import type { WorkloadMapping } from "../formats/config.ts";
import type { SecurityFinding } from "../model/report.ts";
import type { ValuesScalar, ValuesValue, WorkloadRef } from "../model/types.ts";
import { findMapping } from "./proposals.ts";

/** One scalar the fix writes, under the workload's prefix, with the findings it fixes. */
export interface SecurityEdit {
  /** Below the prefix: "securityContext.allowPrivilegeEscalation", "livenessProbe.httpGet.port". */
  key: string;
  value: ValuesValue;
  /** The findings' keys. */
  findings: string[];
}

/** A values fix the pull request leaves out, and why (the finding stays in the audit). */
export interface UnwrittenFix {
  /** The fix's key below the prefix (named `path`: a field named "key" reads as a secret to kopt's output redaction). */
  path: string;
  /** The finding's check id. */
  check: string;
  reason: string;
}

export interface MergedFixes {
  edits: SecurityEdit[];
  unwritten: UnwrittenFix[];
}

const CONTROLLERS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

/** A mapped workload's findings that carry values fixes, in the audit's ranked order. */
export interface WorkloadFindings {
  workload: WorkloadRef;
  mapping: WorkloadMapping;
  findings: SecurityFinding[];
}

/** The findings with values fixes, grouped by the kopt.yaml mapping of their workload; unmapped ones dropped. */
export function findingsByWorkload(
  findings: readonly SecurityFinding[],
  mappings: readonly WorkloadMapping[],
): WorkloadFindings[] {
  const groups = new Map<WorkloadMapping, WorkloadFindings>();
  for (const f of findings) {
    const { kind, namespace, name } = f.resource;
    if (!f.valuesFix?.length || !namespace || !CONTROLLERS.has(kind)) continue;
    const workload = { kind, namespace, name } as WorkloadRef;
    const mapping = findMapping(mappings, workload);
    if (!mapping) continue;
    const group = groups.get(mapping) ?? { workload, mapping, findings: [] };
    group.findings.push(f);
    groups.set(mapping, group);
  }
  return [...groups.values()];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const isScalar = (v: unknown): v is ValuesScalar =>
  v === null || ["string", "number", "boolean"].includes(typeof v);

/** Whether two values are the same scalar, or lists of the same scalars in the same order. */
export function sameValuesValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, n) => x === b[n]);
  return a === b;
}

/**
 * A fix's value as the values it sets: an object becomes its leaves, a list of scalars stays whole (the values
 * editor writes it where the values hold none); a list of objects cannot be written.
 */
function leaves(key: string, value: unknown): { key: string; value: ValuesValue }[] | string {
  if (Array.isArray(value)) {
    return value.every(isScalar)
      ? [{ key, value }]
      : "a list of objects: kopt's values editor writes scalars and lists of scalars; set it by hand";
  }
  if (isPlainObject(value)) {
    const out: { key: string; value: ValuesValue }[] = [];
    for (const [k, v] of Object.entries(value)) {
      const sub = leaves(`${key}.${k}`, v);
      if (typeof sub === "string") return sub;
      out.push(...sub);
    }
    return out;
  }
  if (isScalar(value)) return [{ key, value }];
  return `not a YAML value kopt can write (${typeof value})`;
}

/** Where a fix's key may be written: `undefined` when it may, else why not. */
export type PlaceOf = (key: string) => string | undefined;

/**
 * One workload's fixes merged into edits: objects become their leaves (lists of scalars stay whole), the same
 * leaf from two findings is written once (the first, most severe finding's value wins a conflict, said); a list
 * of objects, a key with no place in the chart, or one a values file after the edited one sets, is left out with
 * why; a leaf the values already hold is not written.
 */
export function mergeWorkloadFixes(
  findings: readonly SecurityFinding[],
  placeOf: PlaceOf,
  current: (key: string) => unknown,
  /** The values file (or inline values) that sets the key after the one kopt edits, so wins over the edit. */
  overriddenBy: (key: string) => string | undefined = () => undefined,
): MergedFixes {
  const edits = new Map<string, SecurityEdit>();
  const unwritten: UnwrittenFix[] = [];
  for (const f of findings) {
    for (const fix of f.valuesFix ?? []) {
      const noPlace = placeOf(fix.path);
      const parts = noPlace ?? leaves(fix.path, fix.value);
      if (typeof parts === "string") {
        unwritten.push({ path: fix.path, check: f.check, reason: parts });
        continue;
      }
      for (const leaf of parts) {
        if (sameValuesValue(current(leaf.key), leaf.value)) continue;
        const by = overriddenBy(leaf.key);
        if (by) {
          unwritten.push({
            path: leaf.key,
            check: f.check,
            reason: `set by ${by}, which overrides the values file kopt edits, so the edit would change nothing; fix it there`,
          });
          continue;
        }
        const had = edits.get(leaf.key);
        if (!had) edits.set(leaf.key, { ...leaf, findings: [f.fingerprint] });
        else if (sameValuesValue(had.value, leaf.value)) had.findings.push(f.fingerprint);
        else
          unwritten.push({
            path: leaf.key,
            check: f.check,
            reason: `conflicts with ${JSON.stringify(had.value)} from a more severe finding, which is written`,
          });
      }
    }
  }
  return { edits: [...edits.values()], unwritten };
}

/** helm-create's keys kopt writes without asking the chart: the probes and resources every such chart renders. */
const ALWAYS_RENDERED = new Set(["livenessProbe", "readinessProbe", "startupProbe", "resources"]);
/** helm-create declares these in values.yaml (`securityContext: {}`): a chart that renders them declares them. */
const DECLARED = new Set(["securityContext", "podSecurityContext"]);

/**
 * Whether the chart can express a fix's key: a probe or resources key (helm-create renders them), or a
 * security context the chart's values declare (`<prefix>.securityContext: {}` as helm create writes it).
 */
export function helmCreatePlace(prefix: string, declared: (path: string) => boolean): PlaceOf {
  return (key) => {
    const root = key.split(".")[0] ?? "";
    const path = prefix ? `${prefix}.${root}` : root;
    if (ALWAYS_RENDERED.has(root)) return undefined;
    if (DECLARED.has(root))
      return declared(path)
        ? undefined
        : `the chart's values do not declare ${path} (helm create writes \`${root}: {}\`), so the chart may not render it`;
    return `${root} is not a helm-create values key kopt knows the chart renders`;
  };
}
