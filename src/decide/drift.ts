// Drift: the values file and the running cluster disagree. kopt computes every proposal from the live
// value (what runs), but its edit lands in the values file, so the edit must be judged against the file:
// a field the file already holds at or past the target is left alone (writing the target there would move
// it the wrong way), a field that still needs the change gets the target, and the pull request says that
// the two disagree, with the tier one step higher. Drift that cannot be explained (the mapping points at
// another component's values; a later values file overrides the one kopt edits) skips the workload.
// Pure: the values are looked up through a function the workflow builds from the files.
import { monthlyCost, round2 } from "../analyze/cost.ts";
import type { WorkloadMapping } from "../formats/config.ts";
import { formatCpu, formatMemory } from "../model/format.ts";
import { same } from "../model/numbers.ts";
import type { PriceModel } from "../model/policy.ts";
import { parseQuantity } from "../model/quantity.ts";
import { RESOURCE_FIELDS, type ResourceField } from "../model/recommendation.ts";
import { APPROVAL_BY_TIER, type Tier } from "../model/tier.ts";
import type { ClusterState, Resources, ValuesScalar, Workload, WorkloadRef } from "../model/types.ts";
import { workloadKey, workloadLabel } from "../model/types.ts";
import { autoscalingPath, type Proposal, replicasPath, resourcesPath } from "./proposals.ts";

/** A value as Helm renders it from the values files, and which file set it relative to the one kopt edits. */
export interface ValuesFact {
  value: unknown;
  /** The file (or inline values) that set it. */
  setBy: string;
  /** "edited": the file kopt edits; "before": a file it overrides (the chart's defaults); "after": one that overrides it. */
  order: "before" | "edited" | "after";
}

/** The effective value at a dotted values path of one workload's values chain; undefined when nothing sets it. */
export type ValuesLookup = (path: string) => ValuesFact | undefined;

/** One field where the values files and the running object disagree. */
export interface DriftField {
  workload: WorkloadRef;
  /** "" for workload settings (replicas, autoscaling). */
  container: string;
  /** requests.cpu, replicaCount, autoscaling.maxReplicas, ... */
  field: string;
  path: string;
  /** The value as the values files render it, and the file that set it. */
  inValues: string;
  setBy: string;
  /** The value the cluster runs ("unset" when the object has none). */
  running: string;
}

export interface WorkloadDrift {
  fields: DriftField[];
  /** Set when the disagreement cannot be a pending sync: the workload must not be edited. */
  unexplained?: string;
}

/** A values edit as the pull request shows it: `from` is what the edit replaces. */
export interface PlannedChange {
  file: string;
  path: string;
  container: string;
  field: string;
  /** The value the values files give today (what the edit replaces); undefined when none sets it. */
  from: ValuesScalar | undefined;
  to: ValuesScalar;
  /** What the cluster runs, when it differs from `from`. */
  running?: string;
}

export type Reconciled =
  /** `drift`: what the reviewer must know about the values files and the cluster disagreeing (empty when they agree). */
  | { kind: "propose"; proposal: Proposal; changes: PlannedChange[]; drift: string[] }
  /** The values files already hold every change (perhaps not yet synced). */
  | { kind: "unchanged"; reason: string }
  | { kind: "skip"; reason: string; fix: string };

const TIER_UP: Record<Tier, Tier> = {
  trivial: "low",
  low: "medium",
  medium: "critical",
  critical: "critical",
};

/** Why the two may disagree, said once in every drift note. */
export const DRIFT_QUESTION =
  "the cluster is not running what the repository says — is a sync pending, or another values file winning?";

// ---------------------------------------------------------------------------------------------------------------
// Comparing the values files with the cluster

interface Compared {
  container: string;
  field: string;
  path: string;
  fact: ValuesFact;
  /** The file's value in the unit of the live one (cores, bytes, a count, a flag); undefined when unreadable. */
  file: number | boolean | null | undefined;
  live: number | boolean | null;
  show: (v: number | boolean | null) => string;
}

const showResource = (field: ResourceField) => (v: number | boolean | string | null) =>
  v === null
    ? "unset"
    : typeof v === "number"
      ? field.endsWith("cpu")
        ? formatCpu(v)
        : formatMemory(v)
      : String(v);
const showPlain = (v: number | boolean | string | null) => (v === null ? "unset" : String(v));

function resourceOf(r: Resources, field: ResourceField): number | null {
  const [kind, name] = field.split(".") as ["requests" | "limits", "cpu" | "memory"];
  return r[kind][name];
}

function asQuantity(v: unknown): number | null | undefined {
  if (v === null) return null;
  if (typeof v === "number" || typeof v === "string") return parseQuantity(v);
  return undefined;
}

function asCount(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** Every mapped field of the workload whose values-file value is known, next to the live value. */
function compareAll(workload: Workload, mapping: WorkloadMapping, lookup: ValuesLookup): Compared[] {
  const out: Compared[] = [];
  for (const c of workload.containers) {
    const base = resourcesPath(mapping, workload, c.name);
    if (!base) continue;
    for (const field of RESOURCE_FIELDS) {
      const path = `${base}.${field}`;
      const fact = lookup(path);
      if (!fact) continue;
      out.push({
        container: c.name,
        field,
        path,
        fact,
        file: asQuantity(fact.value),
        live: resourceOf(c.resources, field),
        show: showResource(field),
      });
    }
  }
  const auto = autoscalingPath(mapping);
  const enabled = lookup(`${auto}.enabled`);
  const fileEnabled = enabled?.value === true;
  if (enabled && typeof enabled.value === "boolean") {
    out.push({
      container: "",
      field: "autoscaling.enabled",
      path: `${auto}.enabled`,
      fact: enabled,
      file: enabled.value,
      live: workload.hpa !== null,
      show: showPlain,
    });
  }
  if (workload.hpa && fileEnabled) {
    const hpa = workload.hpa;
    for (const [setting, live] of [
      ["minReplicas", hpa.minReplicas],
      ["maxReplicas", hpa.maxReplicas],
      ["targetCPUUtilizationPercentage", hpa.targetCPUUtilizationPercentage],
    ] as const) {
      const path = `${auto}.${setting}`;
      const fact = lookup(path);
      if (fact)
        out.push({
          container: "",
          field: `autoscaling.${setting}`,
          path,
          fact,
          file: asCount(fact.value),
          live,
          show: showPlain,
        });
    }
  }
  // The replica count matters only while no HPA sets it.
  if (!workload.hpa && !fileEnabled && workload.replicas !== null) {
    const path = replicasPath(mapping);
    const fact = lookup(path);
    if (fact) {
      out.push({
        container: "",
        field: "replicaCount",
        path,
        fact,
        file: asCount(fact.value),
        live: workload.replicas,
        show: showPlain,
      });
    }
  }
  return out;
}

function shownFileValue(c: Compared): string {
  return c.file === undefined ? JSON.stringify(c.fact.value) : c.show(c.file);
}

/**
 * Where the values files and the workload disagree, and whether that can be a pending sync. Unexplained:
 * a container whose resources in the values files (at least two of them) all differ from what it runs and
 * equal another workload's container — the mapping points at the wrong component — or a container three or
 * more of whose resource values differ at once.
 */
export function workloadDrift(
  workload: Workload,
  mapping: WorkloadMapping,
  lookup: ValuesLookup,
  state: ClusterState,
): WorkloadDrift {
  const compared = compareAll(workload, mapping, lookup);
  const fields: DriftField[] = compared
    .filter((c) => !same(c.file, c.live))
    .map((c) => ({
      workload: workload.ref,
      container: c.container,
      field: c.field,
      path: c.path,
      inValues: shownFileValue(c),
      setBy: c.fact.setBy,
      running: c.show(c.live),
    }));
  for (const container of workload.containers) {
    const mine = compared.filter(
      (c) => c.container === container.name && c.file !== undefined && c.file !== null && c.live !== null,
    );
    const differing = mine.filter((c) => !same(c.file, c.live));
    const both = differing
      .map((c) => `${c.field} ${shownFileValue(c)} in the values, ${c.show(c.live)} running`)
      .join("; ");
    const other =
      mine.length >= 2 && differing.length === mine.length
        ? state.workloads.find(
            (w) =>
              workloadKey(w.ref) !== workloadKey(workload.ref) &&
              w.containers.some((oc) =>
                mine.every((c) => same(c.file, resourceOf(oc.resources, c.field as ResourceField))),
              ),
          )
        : undefined;
    if (other) {
      return {
        fields,
        unexplained: `the values at ${mine[0]?.path.replace(/\.[^.]+\.[^.]+$/, "")} match ${workloadLabel(other.ref)}, not ${workloadLabel(workload.ref)} (container ${container.name}: ${both}): the mapping in kopt.yaml seems to point at another component`,
      };
    }
    if (differing.length >= 3) {
      return {
        fields,
        unexplained: `${differing.length} resource values of container ${container.name} differ between the values files and the cluster (${both}): kopt cannot tell which is meant`,
      };
    }
  }
  return { fields };
}

// ---------------------------------------------------------------------------------------------------------------
// Reconciling a proposal with the values files

/** A value compared between the values files, the cluster and the target: a string only for probe settings. */
type Comparable = number | boolean | string | null;

interface Wanted {
  path: string;
  container: string;
  field: string;
  to: ValuesScalar;
  /** Target and live value in comparable units. */
  target: Comparable;
  live: Comparable | undefined;
  parse: (v: unknown) => Comparable | undefined;
  show: (v: Comparable) => string;
}

function wantedChanges(p: Proposal, workload: Workload): Wanted[] {
  const container = (name: string) => workload.containers.find((c) => c.name === name);
  const resources: Wanted[] = p.valueChanges.map((vc) => ({
    path: vc.path,
    container: vc.container,
    field: vc.field,
    to: vc.to,
    target: vc.to === null ? null : (parseQuantity(vc.to) ?? null),
    live: (() => {
      const c = container(vc.container);
      return c ? resourceOf(c.resources, vc.field) : undefined;
    })(),
    parse: asQuantity,
    show: showResource(vc.field),
  }));
  const hpa = workload.hpa;
  const settings: Wanted[] = (p.settingChanges ?? []).map((sc) => {
    const live =
      sc.setting === "enabled"
        ? hpa !== null
        : sc.setting === "scaleDownStabilizationSeconds"
          ? undefined // not in the model: no comparison
          : hpa
            ? hpa[sc.setting]
            : null;
    return {
      path: sc.path,
      container: "",
      field: `autoscaling.${sc.setting}`,
      to: sc.to,
      target: sc.to,
      live,
      parse: sc.setting === "enabled" ? (v: unknown) => (typeof v === "boolean" ? v : undefined) : asCount,
      show: showPlain,
    };
  });
  // Probe settings: the model does not hold the running probes, so only the values files are compared.
  const probes: Wanted[] = (p.probeChanges ?? []).map((pc) => ({
    path: pc.path,
    container: pc.container,
    field: pc.field,
    to: pc.to,
    target: pc.to,
    live: undefined,
    parse: (v: unknown) => scalarOf(v),
    show: showPlain,
  }));
  return [...resources, ...settings, ...probes];
}

function sameValue(a: Comparable | undefined, b: Comparable | undefined): boolean {
  return typeof a === "string" || typeof b === "string" ? a === b : same(a, b);
}

/**
 * Whether the values files already hold the change: at or past the target, in the direction the change
 * goes from the live value. Without a direction (a flag, a value that was unset) only the target itself.
 */
function satisfied(file: Comparable, live: Comparable | undefined, target: Comparable): boolean {
  if (sameValue(file, target)) return true;
  if (typeof file !== "number" || typeof target !== "number" || typeof live !== "number") return false;
  if (target < live) return file <= target;
  if (target > live) return file >= target;
  return false;
}

/** The proposal as the values files need it: fields already there dropped, drift shown, tier and cost right. */
export function reconcile(
  proposal: Proposal,
  workload: Workload,
  lookup: ValuesLookup,
  drift: WorkloadDrift,
  prices: PriceModel,
): Reconciled {
  const label = workloadLabel(proposal.workload);
  if (drift.unexplained) {
    return {
      kind: "skip",
      reason: `${label}: ${drift.unexplained}`,
      fix: "check the workload's entry in kopt.yaml (prefix / resources paths) and whether Argo CD or Flux synced the values file; kopt edits nothing until they agree",
    };
  }
  const changes: PlannedChange[] = [];
  const notes: string[] = [];
  const fileValues = new Map<string, number | null>(); // container/field -> the values files' value, for the cost
  let drifted = false;
  for (const w of wantedChanges(proposal, workload)) {
    const fact = lookup(w.path);
    if (fact?.order === "after") {
      return {
        kind: "skip",
        reason: `${label}: ${w.path} is set by ${fact.setBy}, which overrides the values file kopt edits, so the edit would change nothing`,
        fix: "map the workload to the values file that wins (workloads[].valuesFile in kopt.yaml), or remove the override",
      };
    }
    const file = fact ? w.parse(fact.value) : undefined;
    if (fact && file === undefined) {
      return {
        kind: "skip",
        reason: `${label}: ${w.path} is ${JSON.stringify(fact.value)} in ${fact.setBy}, which is not a ${w.field.startsWith("autoscaling.enabled") ? "true/false" : w.container ? "Kubernetes quantity" : "number"}`,
        fix: `fix the value in ${fact.setBy}, then rerun kopt`,
      };
    }
    const differs = file !== undefined && w.live !== undefined && !sameValue(file, w.live);
    if (w.container && typeof file === "number") fileValues.set(`${w.container}/${w.field}`, file);
    if (file !== undefined && satisfied(file, w.live, w.target)) {
      if (differs) {
        drifted = true;
        notes.push(
          `${w.path}: left as is — the values file has ${w.show(file)}, already ${w.show(w.target)} or beyond (running ${w.show(w.live ?? null)}): ${DRIFT_QUESTION}`,
        );
      }
      continue;
    }
    const running = differs ? w.show(w.live ?? null) : undefined;
    if (differs) {
      drifted = true;
      notes.push(`${w.path}: values file ${w.show(file ?? null)}, running ${running}: ${DRIFT_QUESTION}`);
    }
    changes.push({
      file: mappingFileOf(proposal, w.path),
      path: w.path,
      container: w.container,
      field: w.field,
      from: fact ? scalarOf(fact.value) : undefined,
      to: w.to,
      ...(running === undefined ? {} : { running }),
    });
  }
  if (changes.length === 0) {
    return {
      kind: "unchanged",
      reason: drifted
        ? `the values file already holds the change (not yet running: ${notes.map((n) => n.split(":")[0]).join(", ")}); ${DRIFT_QUESTION}`
        : "values file already has the recommendation",
    };
  }
  if (!drifted) return { kind: "propose", proposal, changes, drift: [] };
  const tier = TIER_UP[proposal.tier];
  notes.push(
    tier === proposal.tier
      ? `tier stays ${tier}: the values file and the cluster disagree`
      : `tier ${proposal.tier} -> ${tier} (approval: ${APPROVAL_BY_TIER[tier]}): the values file and the cluster disagree`,
  );
  const cost =
    proposal.kind === "hpa" ? proposal.cost : costFromValues(proposal, workload, changes, fileValues, prices);
  return { kind: "propose", proposal: { ...proposal, tier, cost }, changes, drift: notes };
}

function mappingFileOf(p: Proposal, path: string): string {
  const hit = [...p.valueChanges, ...(p.settingChanges ?? []), ...(p.probeChanges ?? [])].find(
    (c) => c.path === path,
  );
  if (!hit) throw new Error(`drift: no change at ${path} in proposal ${p.id}`);
  return hit.file;
}

function scalarOf(v: unknown): ValuesScalar | undefined {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return undefined;
}

/**
 * Monthly cost of going from what the values files hold to what the edit writes: the claim a reviewer reads
 * must match the diff, not the running value the diff does not touch.
 */
function costFromValues(
  p: Proposal,
  workload: Workload,
  changes: readonly PlannedChange[],
  fileValues: ReadonlyMap<string, number | null>,
  prices: PriceModel,
): Proposal["cost"] {
  const set = (r: Resources, field: string, v: number | null): Resources => {
    const [kind, name] = field.split(".") as ["requests" | "limits", "cpu" | "memory"];
    return { ...r, [kind]: { ...r[kind], [name]: v } };
  };
  const before: Resources[] = [];
  const after: Resources[] = [];
  for (const c of workload.containers) {
    let b = c.resources;
    for (const field of RESOURCE_FIELDS) {
      const v = fileValues.get(`${c.name}/${field}`);
      if (v !== undefined) b = set(b, field, v);
    }
    let a = b;
    for (const ch of changes.filter((x) => x.container === c.name)) {
      a = set(a, ch.field, ch.to === null ? null : (parseQuantity(String(ch.to)) ?? null));
    }
    before.push(b);
    after.push(a);
  }
  const monthlyBefore = monthlyCost(before, p.replicas, prices);
  const monthlyAfter = monthlyCost(after, p.replicas, prices);
  return { ...p.cost, monthlyBefore, monthlyAfter, monthlyDelta: round2(monthlyAfter - monthlyBefore) };
}
