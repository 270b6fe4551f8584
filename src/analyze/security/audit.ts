// The security posture audit (issue 17, item 3): every check over the cluster's objects, findings ranked
// (severity, then blast radius, then resource), compared with last week's keys, with notes on what could not
// be read. A check whose input could not be read does not run — an unread NetworkPolicy list would otherwise
// make every namespace look open — and the notes name it. Pure: the clock and the cluster come in as data.
import {
  type PostureInput,
  resourceLabel,
  type SecurityAudit,
  type SecurityFinding,
  severityRank,
} from "../../model/report.ts";
import { str } from "../diagnose/read.ts";
import { SECURITY_CHECKS } from "./checks.ts";
import { networkFindings } from "./network.ts";
import { podSecurityFindings } from "./pod-security.ts";
import { indexPosture, objectsOf, type PostureIndex, WORKLOAD_KINDS } from "./posture-index.ts";
import { rbacFindings } from "./rbac.ts";
import { reliabilityFindings } from "./reliability.ts";
import { secretsFindings } from "./secrets.ts";
import { ownerLookup, vulnerabilitiesOf, vulnerabilityFindings } from "./vulnerabilities.ts";

export interface AuditOptions {
  cluster: string;
  /** Unix seconds: when the cluster was read. */
  observedAt: number;
  /** Last week's finding keys (its report record); null when there is none. */
  previousKeys: readonly string[] | null;
}

const WORKLOAD_SOURCES = [...WORKLOAD_KINDS, "Pod"];
const ROLES = ["Role", "ClusterRole"];
const BINDINGS = ["RoleBinding", "ClusterRoleBinding"];

/**
 * What each check reads: it runs when at least one kind of `anyOf` was read and every kind of `requires`
 * was (without those it would report what is not there).
 */
function needsOf(check: string): { anyOf: string[]; requires: string[] } {
  if (check === "rel-automount-service-account-token")
    return { anyOf: WORKLOAD_SOURCES, requires: ["ServiceAccount"] };
  if (check.startsWith("netpol-")) return { anyOf: WORKLOAD_SOURCES, requires: ["NetworkPolicy"] };
  if (["rbac-wildcard-verbs", "rbac-wildcard-resources", "rbac-pod-exec-attach"].includes(check))
    return { anyOf: ROLES, requires: [] };
  if (check.startsWith("rbac-")) return { anyOf: BINDINGS, requires: [] };
  if (check === "secrets-configmap-literal") return { anyOf: ["ConfigMap"], requires: [] };
  if (check === "secrets-ingress-no-tls") return { anyOf: ["Ingress"], requires: [] };
  if (check.startsWith("vuln-")) return { anyOf: ["VulnerabilityReport"], requires: [] };
  return { anyOf: WORKLOAD_SOURCES, requires: [] };
}

/** A kind as PostureInput.unreadable may name it: `ClusterRole`, `clusterroles`, `vulnerabilityreports.aquasecurity.github.io`. */
export function normalKind(kind: string): string {
  const known = [
    ...WORKLOAD_SOURCES,
    ...ROLES,
    ...BINDINGS,
    "ServiceAccount",
    "NetworkPolicy",
    "ConfigMap",
    "Ingress",
    "Secret",
    "Namespace",
    "VulnerabilityReport",
  ];
  const bare = kind.split(".")[0]?.toLowerCase() ?? "";
  const plural = (k: string) =>
    k.endsWith("y") ? `${k.slice(0, -1)}ies` : k.endsWith("s") ? `${k}es` : `${k}s`;
  return known.find((k) => k.toLowerCase() === bare || plural(k.toLowerCase()) === bare) ?? kind;
}

interface Coverage {
  ran: Set<string>;
  notes: string[];
}

function coverage(unreadable: PostureInput["unreadable"]): Coverage {
  const missing = new Set(unreadable.map((u) => normalKind(u.kind)));
  const ran = new Set(
    SECURITY_CHECKS.map((c) => c.id).filter((id) => {
      const { anyOf, requires } = needsOf(id);
      return anyOf.some((k) => !missing.has(k)) && requires.every((k) => !missing.has(k));
    }),
  );
  const notes = unreadable.map(({ kind, reason }) => {
    const k = normalKind(kind);
    const uses = SECURITY_CHECKS.map((c) => c.id).filter((id) =>
      [...needsOf(id).anyOf, ...needsOf(id).requires].includes(k),
    );
    const skipped = uses.filter((id) => !ran.has(id));
    const partial = uses.filter((id) => ran.has(id));
    const parts = [
      ...(skipped.length ? [`${skipped.join(", ")} did not run`] : []),
      ...(partial.length ? [`${partial.join(", ")} ran without it`] : []),
    ];
    return `Could not read ${kind} (${reason})${parts.length ? `: ${parts.join("; ")}` : "; no check depends on it"}.`;
  });
  return { ran, notes };
}

const TRIVY_INSTALL =
  "install Trivy Operator (helm repo add aqua https://aquasecurity.github.io/helm-charts/ && helm install trivy-operator aqua/trivy-operator --namespace trivy-system --create-namespace) and rerun after its first scan";

function vulnerabilitySection(input: PostureInput, index: PostureIndex): SecurityAudit["vulnerabilities"] {
  const unread = input.unreadable.find((u) => normalKind(u.kind) === "VulnerabilityReport");
  const reports = index.byKind.get("VulnerabilityReport") ?? [];
  if (unread)
    return {
      available: false,
      note: `VulnerabilityReports could not be read (${unread.reason}): ${TRIVY_INSTALL}.`,
      workloads: [],
    };
  if (reports.length === 0)
    return {
      available: false,
      note: `No VulnerabilityReport objects found: Trivy Operator is not installed or has not scanned yet; ${TRIVY_INSTALL}.`,
      workloads: [],
    };
  return { available: true, note: null, workloads: vulnerabilitiesOf(reports, ownerLookup(index.byKind)) };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Severity, then blast radius (largest first), then resource, then check: a total, stable order. */
export function rankFindings(findings: readonly SecurityFinding[]): SecurityFinding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      b.blastRadius - a.blastRadius ||
      compareText(resourceLabel(a.resource), resourceLabel(b.resource)) ||
      compareText(a.check, b.check) ||
      compareText(a.fingerprint, b.fingerprint),
  );
}

export function deltaOf(
  keys: readonly string[],
  previousKeys: readonly string[] | null,
): SecurityAudit["delta"] {
  if (previousKeys === null) return null;
  const before = new Set(previousKeys);
  const now = new Set(keys);
  return {
    new: keys.filter((k) => !before.has(k)),
    fixed: [...before].filter((k) => !now.has(k)).sort(compareText),
    stillOpen: keys.filter((k) => before.has(k)),
  };
}

function allFindings(
  index: PostureIndex,
  vulnerabilities: SecurityAudit["vulnerabilities"],
): SecurityFinding[] {
  const { workloads } = index;
  const pods = new Map(workloads.map((w) => [`${w.ref.kind}/${w.ref.namespace}/${w.ref.name}`, w.pods]));
  const podsOf = (ref: { kind: string; namespace?: string; name: string }) =>
    pods.get(`${ref.kind}/${ref.namespace ?? ""}/${ref.name}`) ?? 1;
  const defaultSaPods = (ns: string) =>
    workloads
      .filter((w) => w.ref.namespace === ns && (str(w.spec.serviceAccountName) ?? "default") === "default")
      .reduce((sum, w) => sum + w.pods, 0);
  return [
    ...podSecurityFindings(workloads),
    ...reliabilityFindings(workloads, index.byKind.get("ServiceAccount") ?? []),
    ...rbacFindings(index.byKind, defaultSaPods),
    ...networkFindings(workloads, objectsOf(index, "NetworkPolicy")),
    ...secretsFindings(workloads, {
      configMaps: objectsOf(index, "ConfigMap"),
      ingresses: objectsOf(index, "Ingress"),
    }),
    ...vulnerabilityFindings(vulnerabilities.workloads, podsOf),
  ];
}

export function auditPosture(input: PostureInput, opts: AuditOptions): SecurityAudit {
  const index = indexPosture(input.objects);
  const { ran, notes } = coverage(input.unreadable);
  const vulnerabilities = vulnerabilitySection(input, index);
  const seen = new Set<string>();
  const findings = rankFindings(
    allFindings(index, vulnerabilities).filter(
      (f) => ran.has(f.check) && !seen.has(f.fingerprint) && seen.add(f.fingerprint),
    ),
  );
  return {
    cluster: opts.cluster,
    observedAt: opts.observedAt,
    checks: SECURITY_CHECKS.filter((c) => ran.has(c.id)),
    findings,
    vulnerabilities,
    delta: deltaOf(
      findings.map((f) => f.fingerprint),
      opts.previousKeys,
    ),
    notes,
  };
}
