// Trivy Operator's VulnerabilityReports (aquasecurity.github.io/v1alpha1), one per workload and container,
// counted by severity with the most severe, fixable CVEs first. A report names what it scanned in its labels
// (trivy-operator.resource.kind/name/namespace, trivy-operator.container.name); a ReplicaSet's report is
// attributed to its Deployment and a Job's to its CronJob, like the workload checks, so an old ReplicaSet's
// report and the new one's do not count twice (the newest report wins). System namespaces are included:
// a CVE in kube-proxy's image is the cluster's CVE too.
import type { ResourceRef, SecurityFinding, Severity, WorkloadVulnerabilities } from "../../model/report.ts";
import { at, controllerOf, metaOf, num, objs, type Raw, str } from "../diagnose/read.ts";
import { finding } from "./finding.ts";

type Level = Severity | "unknown";
const LEVELS: readonly Level[] = ["critical", "high", "medium", "low", "unknown"];
const TOP = 5;

/** Trivy's generated suffixes: a pod-template hash (no vowels, no 0/1/3) and a CronJob's schedule minute. */
const RS_HASH = /-[bcdfghjklmnpqrstvwxz2456789]{6,10}$/;
const JOB_SUFFIX = /-\d{8,}$/;

const label = (o: Raw, name: string) => str(at(o, "metadata", "labels", name));
const levelOf = (v: unknown): Level => {
  const s = (str(v) ?? "").toLowerCase();
  return (LEVELS as readonly string[]).includes(s) ? (s as Level) : "unknown";
};

type Lookup = (kind: string, namespace: string, name: string) => Raw | undefined;

/** The workload a report is about, up through a ReplicaSet's Deployment or a Job's CronJob. */
function workloadOfReport(report: Raw, lookup: Lookup): ResourceRef | undefined {
  const kind = label(report, "trivy-operator.resource.kind");
  const name = label(report, "trivy-operator.resource.name");
  const namespace =
    label(report, "trivy-operator.resource.namespace") ?? str(at(report, "metadata", "namespace"));
  if (!kind || !name || !namespace) return undefined;
  const container = label(report, "trivy-operator.container.name");
  const owner = kind === "ReplicaSet" || kind === "Job" ? lookup(kind, namespace, name) : undefined;
  const parent = owner ? controllerOf(owner) : undefined;
  let ref = { kind, name };
  if (parent && (parent.kind === "Deployment" || parent.kind === "CronJob")) ref = parent;
  else if (!owner && kind === "ReplicaSet" && RS_HASH.test(name))
    ref = { kind: "Deployment", name: name.replace(RS_HASH, "") };
  else if (!owner && kind === "Job" && JOB_SUFFIX.test(name))
    ref = { kind: "CronJob", name: name.replace(JOB_SUFFIX, "") };
  return { ...ref, namespace, ...(container ? { container } : {}) };
}

function imageOf(report: Raw): string {
  const server = str(at(report, "report", "registry", "server"));
  const repository = str(at(report, "report", "artifact", "repository")) ?? "";
  const tag = str(at(report, "report", "artifact", "tag"));
  const digest = str(at(report, "report", "artifact", "digest"));
  return `${server ? `${server}/` : ""}${repository}${tag ? `:${tag}` : digest ? `@${digest}` : ""}`;
}

function countsOf(report: Raw, vulns: Raw[]): Record<Level, number> {
  const counts = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
  const summary = at(report, "report", "summary");
  if (summary !== undefined) {
    for (const l of LEVELS) counts[l] = num(at(summary, `${l}Count`)) ?? 0;
    return counts;
  }
  for (const v of vulns) counts[levelOf(v.severity)] += 1;
  return counts;
}

function topOf(vulns: Raw[]): WorkloadVulnerabilities["top"] {
  const seen = new Set<string>();
  const rows = vulns
    .map((v) => ({
      id: str(v.vulnerabilityID) ?? "",
      severity: levelOf(v.severity),
      resource: str(v.resource) ?? "",
      installed: str(v.installedVersion) ?? "",
      fixed: str(v.fixedVersion) || null,
      title: str(v.title) || null,
      score: num(v.score) ?? 0,
    }))
    .filter((v) => v.id && !seen.has(`${v.id} ${v.resource}`) && seen.add(`${v.id} ${v.resource}`));
  rows.sort(
    (a, b) =>
      LEVELS.indexOf(a.severity) - LEVELS.indexOf(b.severity) ||
      Number(b.fixed !== null) - Number(a.fixed !== null) ||
      b.score - a.score ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return rows.slice(0, TOP).map(({ score: _score, ...row }) => row);
}

const refKey = (r: ResourceRef) => `${r.kind}/${r.namespace ?? ""}/${r.name}/${r.container ?? ""}`;

export function vulnerabilitiesOf(reports: readonly Raw[], lookup: Lookup): WorkloadVulnerabilities[] {
  const newest = new Map<string, { at: string; row: WorkloadVulnerabilities }>();
  for (const report of reports) {
    const workload = workloadOfReport(report, lookup);
    if (!workload) continue;
    const vulns = objs(at(report, "report", "vulnerabilities"));
    const updated = str(at(report, "report", "updateTimestamp")) ?? "";
    const key = refKey(workload);
    const row = { workload, image: imageOf(report), counts: countsOf(report, vulns), top: topOf(vulns) };
    const known = newest.get(key);
    if (!known || updated > known.at) newest.set(key, { at: updated, row });
  }
  return [...newest.values()]
    .map((e) => e.row)
    .sort(
      (a, b) =>
        b.counts.critical - a.counts.critical ||
        b.counts.high - a.counts.high ||
        (refKey(a.workload) < refKey(b.workload) ? -1 : 1),
    );
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function vulnerabilityFindings(
  rows: readonly WorkloadVulnerabilities[],
  podsOf: (ref: ResourceRef) => number,
): SecurityFinding[] {
  return rows.flatMap((row) =>
    (["critical", "high"] as const).flatMap((level) => {
      const n = row.counts[level];
      if (n === 0) return [];
      const example = row.top.find((v) => v.severity === level);
      const fix = example
        ? `, e.g. ${example.id} in ${example.resource} ${example.installed}${example.fixed ? ` (fixed in ${example.fixed})` : " (no fix yet)"}`
        : "";
      const detail = `${plural(n, `${level} vulnerability`, `${level} vulnerabilities`)} in ${row.image}${fix}`;
      return [finding(`vuln-${level}`, row.workload, detail, podsOf(row.workload))];
    }),
  );
}

/** The objects a report may name, for the attribution above. */
export function ownerLookup(byKind: Map<string, Raw[]>): Lookup {
  const owners = new Map<string, Raw>();
  for (const o of [...(byKind.get("ReplicaSet") ?? []), ...(byKind.get("Job") ?? [])]) {
    const m = metaOf(o);
    if (m) owners.set(`${m.kind}/${m.namespace}/${m.name}`, o);
  }
  return (kind, namespace, name) => owners.get(`${kind}/${namespace}/${name}`);
}
