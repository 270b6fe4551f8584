// The weekly reports (issue 17) as data: the cluster health report (Mondays) and the security posture audit
// (Fridays). Analysis builds them (src/analyze/security/, src/analyze/health/), src/propose/report/ renders
// them (Markdown with Mermaid charts, JSON, SARIF), src/workflows/report/ gathers their inputs and publishes
// them (one issue per cluster and week, a report PHR, the Actions job summary). Pure types.

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The more severe of two, and a sort key: critical 0 ... low 3. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** What a finding is about: a workload (and container), an RBAC object, a namespace, an Ingress, ... */
export interface ResourceRef {
  kind: string;
  /** Absent for cluster-scoped objects (ClusterRole, ClusterRoleBinding, Namespace, Node). */
  namespace?: string;
  name: string;
  container?: string;
}

/** "Deployment shop/web (container app)", "ClusterRoleBinding ci-admin", "Namespace shop". */
export function resourceLabel(r: ResourceRef): string {
  const where = r.namespace ? `${r.namespace}/${r.name}` : r.name;
  return `${r.kind} ${where}${r.container ? ` (container ${r.container})` : ""}`;
}

// --- Week ---------------------------------------------------------------------------------------------------

/** An ISO 8601 week (Monday 00:00 UTC to the next Monday). */
export interface IsoWeek {
  /** "2026-W49". */
  id: string;
  /** Unix seconds: Monday 00:00:00 UTC, and the next Monday (exclusive). */
  start: number;
  end: number;
}

// --- Security audit -----------------------------------------------------------------------------------------

/**
 * What the audit reads: raw objects as the API returns them (`kubectl get -o json` items), redacted at the
 * edge (src/observe): Pods and their controllers, Namespaces, ServiceAccounts, Roles, ClusterRoles,
 * RoleBindings, ClusterRoleBindings, NetworkPolicies, Ingresses, ConfigMaps, Secrets (metadata and key names
 * only: `data` values are never read into it), and Trivy Operator VulnerabilityReports. A value the edge found
 * secret-looking (by its name or its content) reads `[redacted]` (src/redact.ts REDACTED): the secrets checks
 * flag exactly those, and no check ever sees a real secret value.
 */
export interface PostureInput {
  objects: readonly unknown[];
  /** Kinds that could not be read (a 403 names the RBAC rule; a missing CRD): their checks say so in notes. */
  unreadable: { kind: string; reason: string }[];
}

/** The literal the edge puts in place of a secret-looking value (src/redact.ts REDACTED). */
export const REDACTED_VALUE = "[redacted]";

export type CheckCategory =
  | "pod-security"
  | "reliability"
  | "rbac"
  | "network"
  | "secrets"
  | "vulnerabilities";

/** One check the audit runs: what it looks for, why it matters, how to fix it. */
export interface SecurityCheck {
  /** Stable, kebab-case, prefixed by family: "pss-privileged", "rbac-wildcard", "netpol-no-default-deny". */
  id: string;
  category: CheckCategory;
  severity: Severity;
  /** One line: "Container runs privileged". */
  title: string;
  /** Why it matters, in a sentence or two. */
  why: string;
  /** What to change. */
  fix: string;
  /** Repository-relative runbook: runbooks/security/<category>.md#<id>. */
  runbook: string;
  /** Which standard it comes from, when one: Pod Security Standards baseline/restricted, Polaris. */
  standard?: "pss-baseline" | "pss-restricted" | "polaris";
}

/** A change to a mapped workload's values that fixes a finding (the fix pull request, tier critical). */
export interface ValuesFix {
  /** helm-create path under the workload's prefix: "securityContext.allowPrivilegeEscalation". (Not named
   * `key`: kopt's output redaction blanks a field of that name.) */
  path: string;
  value: unknown;
}

export interface SecurityFinding {
  check: string;
  severity: Severity;
  resource: ResourceRef;
  /** What exactly, for this resource: "adds capability SYS_ADMIN", "key DB_PASSWORD has a literal value". Never a value. */
  detail: string;
  /** How much it reaches (pods it runs as, subjects bound, workloads mounting): ranks findings of one severity. */
  blastRadius: number;
  /** Stable across weeks (check, resource and detail's subject), for new / fixed / still open. (Not named
   * `key`: kopt's output redaction blanks a field of that name.) */
  fingerprint: string;
  /** Where the chart's values can express the fix. */
  valuesFix?: ValuesFix[];
}

/** Trivy Operator's VulnerabilityReports of one workload, counted. */
export interface WorkloadVulnerabilities {
  workload: ResourceRef;
  /** The image the report scanned: registry/repository:tag. */
  image: string;
  counts: Record<Severity | "unknown", number>;
  /** The most severe, fixable first: at most 5. */
  top: {
    id: string;
    severity: Severity | "unknown";
    resource: string;
    installed: string;
    fixed: string | null;
    title: string | null;
  }[];
}

export interface SecurityAudit {
  cluster: string;
  /** Unix seconds: when the cluster was read. */
  observedAt: number;
  /** Every check that ran, including those that found nothing. */
  checks: SecurityCheck[];
  /** Ranked: severity, then blast radius (largest first), then resource. */
  findings: SecurityFinding[];
  vulnerabilities: {
    /** Whether VulnerabilityReports could be read (the CRD exists and the read was allowed). */
    available: boolean;
    /** Why not, and how to install Trivy Operator; null when available. */
    note: string | null;
    workloads: WorkloadVulnerabilities[];
  };
  /** Against last week's audit (its finding keys), when known. */
  delta: { new: string[]; fixed: string[]; stillOpen: string[] } | null;
  /** What could not be read (a 403 names the RBAC rule it needs) and other caveats. */
  notes: string[];
}

// --- Health report ------------------------------------------------------------------------------------------

/** A headline number, with last week's for the week-over-week delta. */
export interface Headline {
  /** Stable id, the key in the report PHR: "pods.failing", "cost.monthlyRequests". */
  id: string;
  label: string;
  value: number | null;
  unit: "count" | "share" | "cores" | "bytes" | "money" | "seconds" | "minutes" | "hours";
  /** Last week's value (from last week's report PHR); null when unknown. */
  previous: number | null;
  /** Whether a rise is good (savings, validated) or bad (failing pods, cost): colours the delta's wording. */
  better: "higher" | "lower" | "neither";
}

/** A critical finding flagged at the top of the summary, with its recommendation. */
export interface HealthFlag {
  severity: Severity;
  /** "Deployment todo/worker", "Node demo-node-b". */
  subject: string;
  finding: string;
  recommendation: string;
  /** A pull request, issue, runbook or PHR to follow. */
  link?: string;
}

/** One section of the health report: its data (the JSON output) and its Markdown, rendered by its owner. */
export interface ReportSection {
  /** "pods", "nodes", "services", "incidents", "pull-requests", "outcomes", "cost", "trends". */
  id: string;
  title: string;
  /** Markdown under the section's heading: tables, Mermaid blocks each followed by a table of the same numbers. */
  markdown: string;
  /** The section's numbers, for --output json. */
  data: unknown;
  headlines: Headline[];
  flags: HealthFlag[];
  /** What the section could not show, and why (no Prometheus, no forge with --snapshot). */
  notes: string[];
}

export interface HealthReport {
  cluster: string;
  week: IsoWeek;
  /** Unix seconds. */
  observedAt: number;
  /** Every section's flags, most severe first. */
  flags: HealthFlag[];
  /** Every section's headlines, in section order. */
  headlines: Headline[];
  sections: ReportSection[];
}

/** Incident figures of a week (the incidents section and the headlines). */
export interface WeekIncidents {
  opened: number;
  resolved: number;
  stillOpen: number;
  mttdMinutes: Spread | null;
  mttrMinutes: Spread | null;
}

/** A distribution as reports show it (the same shape as kopt stats' Distribution). */
export interface Spread {
  count: number;
  median: number;
  p90: number;
}

// --- Publishing ---------------------------------------------------------------------------------------------

export const REPORT_KINDS = ["health", "security"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** A report ready to publish: the issue's title and body, and what the report PHR keeps for next week. */
export interface RenderedReport {
  kind: ReportKind;
  cluster: string;
  /** "2026-W49": one issue per cluster, kind and period. */
  period: string;
  /** `kopt health report: demo, week of 2026-11-30` / `kopt security audit: demo, week of 2026-11-27`. */
  title: string;
  /** The Markdown body, at most maxChars (the longest tables cut, saying so, with a link to the PHR). */
  body: string;
  /** What next week's report compares with: headline values by id (health), finding keys (security). */
  record: { headlines?: Record<string, number | null>; findings?: string[] };
  /** Critical findings: mentioned to the security team (escalation) and used by --fail-on. */
  critical: number;
}

/** GitHub's limit on an issue body is 65,536 characters; kopt keeps a margin for the marker and links. */
export const ISSUE_BODY_MAX = 65_000;
