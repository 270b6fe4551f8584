// Stand-in ports for the report commands' tests (issue 17): an audit that, like auditPosture, names env keys
// and never values (one finding per literal env value of a Deployment, high), and a health report with one
// section counting pods per namespace, whose headline also carries what last week's record said. The real
// ports are src/analyze/security/ auditPosture, src/observe/posture-input.ts postureInputOf and
// src/workflows/report/health.ts buildHealthReport with healthMarkdown.
import type { HealthReport, SecurityAudit, SecurityFinding } from "../../src/model/report.ts";
import type { ReportPorts } from "../../src/workflows/report/ports.ts";
import { CHECKS } from "./security-audit.ts";

// biome-ignore lint/suspicious/noExplicitAny: raw Kubernetes JSON
type Any = any;

function literalEnvFindings(objects: readonly unknown[]): SecurityFinding[] {
  const out: SecurityFinding[] = [];
  for (const o of objects as Any[]) {
    if (o.kind !== "Deployment") continue;
    for (const c of o.spec?.template?.spec?.containers ?? []) {
      for (const e of c.env ?? []) {
        if (typeof e.value !== "string" || !/PASSWORD|TOKEN|SECRET|_URL/.test(e.name)) continue;
        const resource = {
          kind: "Deployment",
          namespace: o.metadata.namespace,
          name: o.metadata.name,
          container: c.name,
        };
        out.push({
          check: "secrets-literal-env",
          severity: "high",
          resource,
          detail: `key ${e.name} has a literal value`,
          blastRadius: o.spec?.replicas ?? 1,
          key: `secrets-literal-env:Deployment/${resource.namespace}/${resource.name}/${c.name}/${e.name}`,
        });
      }
    }
  }
  return out;
}

/** One critical finding per secret-looking ConfigMap key (its name, never its value). */
function configMapFindings(objects: readonly unknown[]): SecurityFinding[] {
  return (objects as Any[])
    .filter((o) => o.kind === "ConfigMap")
    .flatMap((o) =>
      Object.keys(o.data ?? {})
        .filter((k) => /PASSWORD|TOKEN|SECRET/.test(k))
        .map((k) => ({
          check: "pss-privileged",
          severity: "critical" as const,
          resource: { kind: "ConfigMap", namespace: o.metadata.namespace, name: o.metadata.name },
          detail: `key ${k} has a literal value`,
          blastRadius: 1,
          key: `configmap:${o.metadata.namespace}/${o.metadata.name}/${k}`,
        })),
    );
}

export const TEST_PORTS: ReportPorts = {
  postureInput: (run) => ({ objects: run.observation.raw.snapshot.objects.items, unreadable: [] }),
  audit: (input, opts): SecurityAudit => {
    const findings = [...configMapFindings(input.objects), ...literalEnvFindings(input.objects)];
    const keys = findings.map((f) => f.key);
    const previous = opts.previousKeys;
    return {
      cluster: opts.cluster,
      observedAt: opts.observedAt,
      checks: CHECKS,
      findings,
      vulnerabilities: { available: false, note: "Trivy Operator is not installed.", workloads: [] },
      delta: previous
        ? {
            new: keys.filter((k) => !previous.includes(k)),
            fixed: previous.filter((k) => !keys.includes(k)),
            stillOpen: keys.filter((k) => previous.includes(k)),
          }
        : null,
      notes: [],
    };
  },
  health: async (ctx): Promise<HealthReport> => {
    const byNs = new Map<string, number>();
    for (const w of ctx.run.state.workloads) byNs.set(w.ref.namespace, (byNs.get(w.ref.namespace) ?? 0) + 1);
    const rows = [...byNs].sort().map(([ns, n]) => `| ${ns} | ${n} |`);
    const value = ctx.run.state.workloads.length;
    const headline = {
      id: "workloads.count",
      label: "Workloads",
      value,
      unit: "count" as const,
      previous: ctx.previous?.headlines?.["workloads.count"] ?? null,
      better: "neither" as const,
    };
    return {
      cluster: ctx.cluster,
      week: ctx.week,
      observedAt: ctx.run.observation.state.observedAt,
      flags: [],
      headlines: [headline],
      sections: [
        {
          id: "pods",
          title: "Workloads",
          markdown: ["| Namespace | Workloads |", "|---|---:|", ...rows].join("\n"),
          data: Object.fromEntries(byNs),
          headlines: [headline],
          flags: [],
          notes: [],
        },
      ],
    };
  },
  healthMarkdown: (report, opts) =>
    [
      "## Summary",
      "",
      ...report.headlines.map((h) => `- ${h.label}: ${h.value} (last week: ${h.previous ?? "n/a"})`),
      "",
      ...report.sections.flatMap((s) => [`## ${s.title}`, "", s.markdown, ""]),
      ...(opts.phrLink ? [`Kept in ${opts.phrLink}.`] : []),
    ]
      .join("\n")
      .slice(0, opts.maxChars),
};
