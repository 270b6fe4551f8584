// A hand-made security audit for the rendering and publishing tests (issue 17): a few checks of each family,
// findings of every severity, a week-over-week delta and the vulnerability section, as auditPosture
// (src/analyze/security/) returns them. Its details name keys, never values.
import type { SecurityAudit, SecurityCheck, SecurityFinding, Severity } from "../../src/model/report.ts";

const check = (
  id: string,
  category: SecurityCheck["category"],
  severity: Severity,
  title: string,
): SecurityCheck => ({
  id,
  category,
  severity,
  title,
  why: `Why ${id} matters.`,
  fix: `Fix for ${id}.`,
  runbook: `runbooks/security/${category}.md#${id}`,
});

export const CHECKS: SecurityCheck[] = [
  {
    ...check("pss-privileged", "pod-security", "critical", "Container runs privileged"),
    standard: "pss-baseline",
  },
  check("rbac-cluster-admin-binding", "rbac", "critical", "Binding to cluster-admin"),
  check("secrets-literal-env", "secrets", "high", "Secret-looking env var with a literal value"),
  check("netpol-no-default-deny", "network", "medium", "Namespace without a default-deny ingress policy"),
  { ...check("polaris-image-latest", "reliability", "low", "Image tag latest"), standard: "polaris" },
];

const finding = (
  c: string,
  severity: Severity,
  resource: SecurityFinding["resource"],
  detail: string,
  blastRadius: number,
): SecurityFinding => ({
  check: c,
  severity,
  resource,
  detail,
  blastRadius,
  fingerprint: `${c}:${resource.kind}/${resource.namespace ?? ""}/${resource.name}${resource.container ? `/${resource.container}` : ""}`,
});

export const FINDINGS: SecurityFinding[] = [
  {
    ...finding(
      "pss-privileged",
      "critical",
      { kind: "Deployment", namespace: "shop", name: "web", container: "app" },
      "runs privileged",
      3,
    ),
    valuesFix: [{ path: "securityContext.privileged", value: false }],
  },
  finding(
    "rbac-cluster-admin-binding",
    "critical",
    { kind: "ClusterRoleBinding", name: "ci-admin" },
    "binds ServiceAccount ci/deployer to cluster-admin",
    1,
  ),
  finding(
    "secrets-literal-env",
    "high",
    { kind: "Deployment", namespace: "shop", name: "api", container: "api" },
    "key DB_PASSWORD has a literal value",
    2,
  ),
  finding(
    "netpol-no-default-deny",
    "medium",
    { kind: "Namespace", name: "shop" },
    "no NetworkPolicy selects all pods for ingress",
    5,
  ),
  finding(
    "polaris-image-latest",
    "low",
    { kind: "Deployment", namespace: "todo", name: "worker", container: "worker" },
    "image busybox:latest | pipe",
    1,
  ),
];

export function auditOf(over: Partial<SecurityAudit> = {}): SecurityAudit {
  return {
    cluster: "demo",
    observedAt: Date.parse("2026-12-04T00:00:00Z") / 1000,
    checks: CHECKS,
    findings: FINDINGS,
    vulnerabilities: {
      available: false,
      note: "Trivy Operator's VulnerabilityReport CRD is not installed: install Trivy Operator (helm install trivy-operator aqua/trivy-operator) to see image vulnerabilities.",
      workloads: [],
    },
    delta: {
      new: [FINDINGS[1]?.fingerprint ?? ""],
      fixed: ["pss-host-network:Deployment/shop/old/app"],
      stillOpen: FINDINGS.filter((_, i) => i !== 1).map((f) => f.fingerprint),
    },
    notes: ["ClusterRoles could not be read (403): add get, list on rbac.authorization.k8s.io clusterroles"],
    ...over,
  };
}
