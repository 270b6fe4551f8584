// Findings into incidents (issue 14, correlation): findings sharing a cause key (`node:worker-3`,
// `secret:todo/mailer-smtp`, `host:orders-db:5432`, `image:...`) become one incident; the other findings of a
// workload make one incident per class under `workload:ns/kind/name` (or `node:name`). The fingerprint
// hashes the cause key and the incident's class, never its text, counts or times.
import type { Finding, Incident, WorkloadSubject } from "../../model/finding.ts";
import { incidentFingerprint, workloadKeyOf } from "./fingerprint.ts";
import { compareText } from "./read.ts";

export interface CausedFinding {
  finding: Finding;
  /** The shared cause key, or null when the finding stands alone. */
  cause: string | null;
  /** Unix seconds the failure was seen (events, terminations). */
  seen: number[];
}

const ownCause = (f: Finding) =>
  f.workload ? `workload:${workloadKeyOf(f.workload)}` : `node:${f.node ?? ""}`;

/** The finding an incident is filed under: a node's own finding leads its evictions; else by class, fingerprint. */
function leadingFinding(findings: readonly Finding[]): Finding {
  const node = findings.find((f) => f.class === "node-pressure" || f.class === "node-not-ready");
  if (node) return node;
  return [...findings].sort(
    (a, b) => compareText(a.class, b.class) || compareText(a.fingerprint, b.fingerprint),
  )[0] as Finding;
}

const CAUSE_LABELS: Record<string, string> = {
  secret: "Secret",
  configmap: "ConfigMap",
  host: "dependency",
  image: "image",
  node: "node",
  apiservice: "API service",
  workload: "",
};

/** One line: what is shared (or the workload), the class and sub-cause, how many workloads. */
function titleOf(lead: Finding, cause: string, workloads: readonly WorkloadSubject[]): string {
  const kind = cause.slice(0, cause.indexOf(":"));
  const named = cause.slice(cause.indexOf(":") + 1);
  const what = lead.subCause ? `${lead.class} (${lead.subCause})` : lead.class;
  if (kind === "workload" && lead.workload) {
    const w = lead.workload;
    const key = lead.evidence.subjects.keyName ? ` key ${lead.evidence.subjects.keyName}` : "";
    const exit = lead.evidence.exitCode !== null ? `, exit ${lead.evidence.exitCode}` : "";
    return oneLine(
      `${w.kind} ${w.namespace}/${w.name}${lead.container ? ` (${lead.container})` : ""}: ${what}${key}${exit}`,
    );
  }
  const key = lead.evidence.subjects.keyName ? ` key ${lead.evidence.subjects.keyName}` : "";
  const n = workloads.length;
  const affected = n > 0 ? `: ${n === 1 ? "1 workload fails" : `${n} workloads fail`}` : "";
  return oneLine(`${CAUSE_LABELS[kind] ?? kind} ${named}${key}: ${what}${affected}`);
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim().slice(0, 200);

export function correlate(caused: readonly CausedFinding[]): Incident[] {
  // A shared cause groups across classes (evictions with their node's pressure); a workload's own findings
  // make one incident per class (its containers failing alike).
  const groups = new Map<string, { cause: string; members: CausedFinding[] }>();
  for (const c of caused) {
    const key = c.cause ?? `${ownCause(c.finding)}|${c.finding.class}`;
    const group = groups.get(key);
    if (group) group.members.push(c);
    else groups.set(key, { cause: c.cause ?? ownCause(c.finding), members: [c] });
  }
  const incidents: Incident[] = [];
  for (const { cause, members } of groups.values()) {
    const findings = members.map((m) => m.finding);
    const lead = leadingFinding(findings);
    const workloads = uniqueWorkloads(findings);
    const seen = members.flatMap((m) => m.seen);
    incidents.push({
      fingerprint: incidentFingerprint(cause, lead.class),
      class: lead.class,
      subCause: lead.subCause,
      fix: findings.every((f) => f.fix === "values") ? "values" : "incident",
      title: titleOf(lead, cause, workloads),
      cause,
      findings: findings.map((f) => f.fingerprint).sort(compareText),
      workloads,
      firstSeen: seen.length ? Math.min(...seen) : null,
      lastSeen: seen.length ? Math.max(...seen) : null,
    });
  }
  return incidents.sort((a, b) => compareText(a.fingerprint, b.fingerprint));
}

function uniqueWorkloads(findings: readonly Finding[]): WorkloadSubject[] {
  const byKey = new Map<string, WorkloadSubject>();
  for (const f of findings) if (f.workload) byKey.set(workloadKeyOf(f.workload), f.workload);
  return [...byKey.entries()].sort(([a], [b]) => compareText(a, b)).map(([, w]) => w);
}
