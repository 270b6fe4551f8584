// Findings into incidents (issue 14, correlation): findings sharing a cause key (`node:worker-3`,
// `secret:todo/mailer-smtp`, `host:orders-db:5432`, `image:...`) become one incident; every other finding is
// its own incident under `workload:ns/kind/name` (or its node). The fingerprint hashes the cause key and class.
import type { Finding, Incident, WorkloadSubject } from "../../model/finding.ts";
import { incidentFingerprint, workloadKeyOf } from "./fingerprint.ts";

export interface CausedFinding {
  finding: Finding;
  /** The shared cause key, or null when the finding stands alone. */
  cause: string | null;
}

const ownCause = (f: Finding) =>
  f.workload ? `workload:${workloadKeyOf(f.workload)}` : `node:${f.node ?? ""}`;

/** The class an incident is filed under: a node finding leads evictions; else the most frequent, then by id. */
function leadingFinding(findings: readonly Finding[]): Finding {
  const node = findings.find((f) => f.class === "node-pressure" || f.class === "node-not-ready");
  if (node) return node;
  return [...findings].sort(
    (a, b) => a.class.localeCompare(b.class) || a.fingerprint.localeCompare(b.fingerprint),
  )[0] as Finding;
}

function times(findings: readonly Finding[]): { first: number | null; last: number | null } {
  const all = findings.flatMap((f) => f.evidence.events);
  const firsts = all.map((e) => e.firstTime).filter((t): t is number => t !== null);
  const lasts = all.map((e) => e.lastTime).filter((t): t is number => t !== null);
  return {
    first: firsts.length ? Math.min(...firsts) : null,
    last: lasts.length ? Math.max(...lasts) : null,
  };
}

function titleOf(lead: Finding, cause: string, workloads: readonly WorkloadSubject[], count: number): string {
  const subject = lead.workload
    ? `${lead.workload.kind} ${lead.workload.namespace}/${lead.workload.name}`
    : `node ${lead.node}`;
  const sentence = lead.rootCause.replace(/\.\s*$/, "").split(/\.\s/)[0] ?? lead.rootCause;
  if (count <= 1) return oneLine(sentence);
  const what = cause.slice(0, cause.indexOf(":"));
  const named = cause.slice(cause.indexOf(":") + 1);
  const n = workloads.length;
  const label =
    { secret: "Secret", configmap: "ConfigMap", host: "dependency", image: "image", node: "node" }[what] ??
    what;
  return oneLine(
    `${lead.class} (${label} ${named}): ${n} workload${n === 1 ? "" : "s"} affected, led by ${subject}`,
  );
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim().slice(0, 200);

export function correlate(caused: readonly CausedFinding[]): Incident[] {
  // A shared cause groups across classes (evictions with their node's pressure); a workload's own findings
  // make one incident per class (its containers failing alike).
  const groups = new Map<string, { cause: string; findings: Finding[] }>();
  for (const { finding, cause } of caused) {
    const key = cause ?? `${ownCause(finding)}|${finding.class}`;
    const group = groups.get(key);
    if (group) group.findings.push(finding);
    else groups.set(key, { cause: cause ?? ownCause(finding), findings: [finding] });
  }
  const incidents: Incident[] = [];
  for (const { cause, findings } of groups.values()) {
    const lead = leadingFinding(findings);
    const workloads = uniqueWorkloads(findings);
    const { first, last } = times(findings);
    incidents.push({
      fingerprint: incidentFingerprint(cause, lead.class),
      class: lead.class,
      subCause: lead.subCause,
      fix: findings.every((f) => f.fix === "values") ? "values" : "incident",
      title: titleOf(lead, cause, workloads, findings.length),
      cause,
      findings: findings.map((f) => f.fingerprint).sort(),
      workloads,
      firstSeen: first,
      lastSeen: last,
    });
  }
  return incidents.sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
}

function uniqueWorkloads(findings: readonly Finding[]): WorkloadSubject[] {
  const byKey = new Map<string, WorkloadSubject>();
  for (const f of findings) if (f.workload) byKey.set(workloadKeyOf(f.workload), f.workload);
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, w]) => w);
}
