// Probe proposals: a container the liveness probe kills while it is still starting gets a startupProbe (and/or
// more lenient liveness settings) in its workload's values file. The classifier decides whether a probe change
// is safe (the app does start, its dying log has no error); this turns its `valuesFix` into values paths.
// Pure: the findings, mappings and state are passed in.
import { isProductionNamespace } from "../analyze/findings.ts";
import type { WorkloadMapping } from "../formats/config.ts";
import type { Finding, ValuesFix } from "../model/finding.ts";
import type { Policy } from "../model/policy.ts";
import type { Skipped } from "../model/recommendation.ts";
import type { ClusterState, ValuesScalar, Workload } from "../model/types.ts";
import { workloadKey, workloadLabel } from "../model/types.ts";
import {
  type Candidate,
  type Candidates,
  findMapping,
  type ProbeChange,
  type ProbeFixFinding,
  resourcesPath,
} from "./proposals.ts";

export type { ProbeChange, ProbeFixFinding };

type ProbeFix = Extract<ValuesFix, { kind: "probe" }>;

const RUNBOOK = "runbooks/liveness-probe-kill.md";

/** A finding kopt can turn into a probe proposal: a values fix of kind probe for a workload (not a node). */
function probeFixOf(f: Finding): ProbeFix | undefined {
  return f.fix === "values" && f.valuesFix?.kind === "probe" && f.workload !== null ? f.valuesFix : undefined;
}

/**
 * Candidates of probe changes: one per mapped workload with probe-fix findings, each container's probe
 * values under its values block (the parent of its `resources` path: `<prefix>.startupProbe`). Unmapped
 * workloads, and probes kopt cannot write, are listed as skipped; the finding still shows in diagnose.
 */
export function probeCandidates(
  state: ClusterState,
  findings: readonly Finding[],
  mappings: readonly WorkloadMapping[],
  policy: Pick<Policy, "hpa">,
): Candidates {
  const skipped: Skipped[] = [];
  const byWorkload = new Map<string, { workload: Workload; found: ProbeFixFinding[] }>();
  for (const finding of findings) {
    const fix = probeFixOf(finding);
    if (!fix || !finding.workload) continue;
    const subject = finding.workload;
    const workload = state.workloads.find(
      (w) =>
        w.ref.namespace === subject.namespace && w.ref.name === subject.name && w.ref.kind === subject.kind,
    );
    // A bare Pod or a Job has no values mapping kopt could edit; diagnose shows its finding and runbook.
    if (!workload) continue;
    const key = workloadKey(workload.ref);
    const entry = byWorkload.get(key) ?? { workload, found: [] };
    entry.found.push({ container: fix.container, finding });
    byWorkload.set(key, entry);
  }

  const candidates: Candidate[] = [];
  for (const { workload, found } of byWorkload.values()) {
    const built = candidateFor(state, workload, found, mappings, policy);
    skipped.push(...built.skipped);
    if (built.candidate) candidates.push(built.candidate);
  }
  return { candidates, unchanged: [], skipped };
}

function candidateFor(
  state: ClusterState,
  workload: Workload,
  found: readonly ProbeFixFinding[],
  mappings: readonly WorkloadMapping[],
  policy: Pick<Policy, "hpa">,
): { candidate?: Candidate; skipped: Skipped[] } {
  const ref = workload.ref;
  const mapping = findMapping(mappings, ref);
  const skip = (container: string, why: string): Skipped => ({
    workload: ref,
    container,
    reason: `liveness-probe-kill, but ${why}: add the startupProbe by hand (${RUNBOOK})`,
  });
  if (!mapping) {
    return {
      skipped: found.map((f) =>
        skip(f.container, `${workloadLabel(ref)} is not mapped to a values file in kopt.yaml`),
      ),
    };
  }
  const skipped: Skipped[] = [];
  const kept: ProbeFixFinding[] = [];
  const changes: ProbeChange[] = [];
  for (const f of found) {
    const base = containerBlock(mapping, workload, f.container);
    if (base === undefined) {
      skipped.push(skip(f.container, `container "${f.container}" has no resources mapping in kopt.yaml`));
      continue;
    }
    const written = probeChanges(mapping.valuesFile, base, f.container, probeFixOf(f.finding) as ProbeFix);
    if ("reason" in written) {
      skipped.push(skip(f.container, written.reason));
      continue;
    }
    kept.push(f);
    changes.push(...written.changes);
  }
  if (kept.length === 0) return { skipped };
  return {
    candidate: {
      kind: "probe",
      workload: ref,
      file: mapping.valuesFile,
      resourcePaths: {},
      recommendations: [],
      probe: { findings: kept, changes },
      production: isProductionNamespace(state, policy, ref.namespace),
    },
    skipped,
  };
}

/** A container's values block: where its `resources` sits (`<prefix>` by helm-create convention), "" at the top. */
function containerBlock(mapping: WorkloadMapping, workload: Workload, container: string): string | undefined {
  const resources = resourcesPath(mapping, workload, container);
  if (resources === undefined) return undefined;
  if (resources === "resources") return "";
  return resources.endsWith(".resources") ? resources.slice(0, -".resources".length) : undefined;
}

/**
 * The values a probe fix writes, one scalar each: the startupProbe (the liveness handler, so it checks the
 * same endpoint, with its period and failure threshold), then the liveness settings it raises.
 */
export function probeChanges(
  file: string,
  base: string,
  container: string,
  fix: ProbeFix,
): { changes: ProbeChange[] } | { reason: string } {
  const fields: [string, ValuesScalar][] = [];
  if (fix.startupProbe) {
    if (!fix.handler || Object.keys(fix.handler).length === 0)
      return { reason: "the finding carries no liveness probe handler for the startupProbe to check" };
    const handler = scalarLeaves(fix.handler, ["startupProbe"]);
    if (!handler)
      return {
        reason:
          "the liveness probe's handler holds a list (an exec command or HTTP headers), which kopt does not write into values files",
      };
    fields.push(...handler);
    fields.push(["startupProbe.periodSeconds", fix.startupProbe.periodSeconds]);
    fields.push(["startupProbe.failureThreshold", fix.startupProbe.failureThreshold]);
  }
  for (const setting of ["initialDelaySeconds", "timeoutSeconds", "failureThreshold"] as const) {
    const value = fix.liveness[setting];
    if (value !== undefined) fields.push([`livenessProbe.${setting}`, value]);
  }
  if (fields.length === 0) return { reason: "the finding's probe fix changes no setting" };
  return {
    changes: fields.map(([field, to]) => ({
      file,
      path: base ? `${base}.${field}` : field,
      container,
      field,
      to,
    })),
  };
}

/** The scalars of a mapping as dotted paths (keys in their order); undefined when it holds a list. */
function scalarLeaves(value: Record<string, unknown>, at: string[]): [string, ValuesScalar][] | undefined {
  const out: [string, ValuesScalar][] = [];
  for (const [key, v] of Object.entries(value)) {
    const path = [...at, key];
    if (v === null || ["string", "number", "boolean"].includes(typeof v)) {
      out.push([path.join("."), v as ValuesScalar]);
    } else if (typeof v === "object" && !Array.isArray(v)) {
      const inner = scalarLeaves(v as Record<string, unknown>, path);
      if (!inner) return undefined;
      out.push(...inner);
    } else {
      return undefined;
    }
  }
  return out;
}
