// Test support (imported only by *.test.ts): kubectl-shaped objects for the security checks. The baseline
// workload passes every check, so a test changes one field and sees exactly the finding it is about.
import { type PostureInput, resourceLabel, type SecurityAudit } from "../../model/report.ts";
import { auditPosture } from "./audit.ts";

export type Obj = Record<string, unknown>;

export const NS = "shop";
export const OBSERVED_AT = Date.parse("2026-12-04T00:00:00Z") / 1000;
export const DIGEST = "sha256:4b7f4b1c6f7e0e8d2a1f9c3b5d7e9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d";

/** A deep merge for fixtures: objects merge, arrays and scalars replace, `undefined` removes the key. */
export function merge(base: Obj, patch: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else if (isPlain(v) && isPlain(out[k])) out[k] = merge(out[k] as Obj, v);
    else out[k] = v;
  }
  return out;
}
const isPlain = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function container(patch: Obj = {}): Obj {
  return merge(
    {
      name: "app",
      image: `ghcr.io/acme/web:1.4.2@${DIGEST}`,
      imagePullPolicy: "IfNotPresent",
      ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
      livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
      readinessProbe: { httpGet: { path: "/ready", port: "http" } },
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      },
    },
    patch,
  );
}

export function podSpec(patch: Obj = {}, containers: Obj[] = [container()]): Obj {
  return merge(
    {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      containers,
    },
    patch,
  );
}

export function deployment(
  name: string,
  spec: Obj = podSpec(),
  opts: { replicas?: number; ns?: string } = {},
): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { namespace: opts.ns ?? NS, name },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec },
    },
  };
}

export function networkPolicy(name: string, podSelector: Obj, extra: Obj = {}, ns = NS): Obj {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { namespace: ns, name },
    spec: { podSelector, policyTypes: ["Ingress"], ...extra },
  };
}

export const defaultDeny = (ns = NS) => networkPolicy("default-deny-ingress", {}, {}, ns);

export function role(kind: "Role" | "ClusterRole", name: string, rules: Obj[], meta: Obj = {}): Obj {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: { name, ...(kind === "Role" ? { namespace: NS } : {}), ...meta },
    rules,
  };
}

export function binding(
  kind: "RoleBinding" | "ClusterRoleBinding",
  name: string,
  roleRef: { kind: string; name: string },
  subjects: Obj[],
  meta: Obj = {},
): Obj {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: { name, ...(kind === "RoleBinding" ? { namespace: NS } : {}), ...meta },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
    subjects,
  };
}

export function vulnerabilityReport(
  owner: { kind: string; name: string },
  summary: Obj,
  vulnerabilities: Obj[] = [],
  extra: Obj = {},
): Obj {
  return merge(
    {
      apiVersion: "aquasecurity.github.io/v1alpha1",
      kind: "VulnerabilityReport",
      metadata: {
        namespace: NS,
        name: `${owner.kind.toLowerCase()}-${owner.name}-app`,
        labels: {
          "trivy-operator.resource.kind": owner.kind,
          "trivy-operator.resource.name": owner.name,
          "trivy-operator.resource.namespace": NS,
          "trivy-operator.container.name": "app",
        },
      },
      report: {
        artifact: { repository: "acme/web", tag: "1.4.2" },
        registry: { server: "ghcr.io" },
        os: { family: "debian", name: "12.5" },
        scanner: { name: "Trivy", vendor: "Aqua Security", version: "0.58.1" },
        summary: { criticalCount: 0, highCount: 0, mediumCount: 0, lowCount: 0, unknownCount: 0, ...summary },
        updateTimestamp: "2026-12-03T22:10:00Z",
        vulnerabilities,
      },
    },
    extra,
  );
}

export function cve(
  id: string,
  severity: string,
  resource: string,
  installed: string,
  fixed: string,
  score = 7.5,
): Obj {
  return {
    vulnerabilityID: id,
    severity,
    resource,
    installedVersion: installed,
    fixedVersion: fixed,
    title: `${resource}: ${id}`,
    score,
    primaryLink: `https://avd.aquasec.com/nvd/${id.toLowerCase()}`,
    publishedDate: "2025-01-01T00:00:00Z",
    lastModifiedDate: "2025-02-01T00:00:00Z",
  };
}

export function audit(
  objects: unknown[],
  opts: { unreadable?: PostureInput["unreadable"]; previousKeys?: string[] | null } = {},
): SecurityAudit {
  return auditPosture(
    { objects, unreadable: opts.unreadable ?? [] },
    { cluster: "demo", observedAt: OBSERVED_AT, previousKeys: opts.previousKeys ?? null },
  );
}

/** Findings as `check | resource | detail` lines: exact, and readable in a failing test's diff. */
export const lines = (a: SecurityAudit) =>
  a.findings.map((f) => `${f.check} | ${resourceLabel(f.resource)} | ${f.detail}`);
