// kopt_report: the weekly health report or security audit of `kopt report health|security`, print only: the
// tool never opens the report issue, lands the report PHR or opens fix pull requests (publish: false).
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { resourceLabel, SEVERITIES } from "../model/report.ts";
import { healthReport } from "../workflows/report/health-command.ts";
import { REPORT_PORTS } from "../workflows/report/report-ports.ts";
import { securityReport } from "../workflows/report/security.ts";
import { guarded, type McpContext, READ_ONLY, toolResult } from "./context.ts";

/** Enough of the ranked findings to act on; the counts cover all of them. */
const FINDINGS_SHOWN = 25;
/** The text is a glance; every headline is in the structured content. */
const HEADLINES_IN_TEXT = 12;

export const ReportOutput = {
  kind: z.enum(["health", "security"]),
  cluster: z.string(),
  title: z.string(),
  period: z.string().describe("the ISO week, e.g. 2026-W47"),
  headlines: z
    .array(
      z.object({
        id: z.string(),
        label: z.string(),
        value: z.number().nullable(),
        unit: z.string(),
        previous: z.number().nullable(),
      }),
    )
    .describe("health: the week's figures against last week's"),
  flags: z
    .array(
      z.object({
        severity: z.string(),
        subject: z.string(),
        finding: z.string(),
        recommendation: z.string(),
      }),
    )
    .describe("health: what needs attention, most severe first"),
  severityCounts: z.record(z.string(), z.number()).describe("security: findings per severity"),
  findings: z
    .array(z.object({ severity: z.string(), check: z.string(), resource: z.string(), detail: z.string() }))
    .describe(`security: the highest-ranked findings (at most ${FINDINGS_SHOWN})`),
  warnings: z.array(z.string()),
};

type Report = { [K in keyof typeof ReportOutput]: z.output<(typeof ReportOutput)[K]> };

function options(ctx: McpContext) {
  return {
    repoDir: ctx.repoDir,
    cluster: ctx.cluster,
    snapshot: ctx.snapshot,
    now: ctx.now(),
    env: ctx.env,
    prometheusUrl: ctx.prometheusUrl,
    publish: false,
  };
}

async function health(ctx: McpContext): Promise<Report> {
  const r = await healthReport(options(ctx), REPORT_PORTS);
  return {
    kind: "health",
    cluster: r.report.cluster,
    title: r.rendered.title,
    period: r.rendered.period,
    headlines: r.report.headlines.map((h) => ({
      id: h.id,
      label: h.label,
      value: h.value,
      unit: h.unit,
      previous: h.previous,
    })),
    flags: r.report.flags.map((f) => ({
      severity: f.severity,
      subject: f.subject,
      finding: f.finding,
      recommendation: f.recommendation,
    })),
    severityCounts: {},
    findings: [],
    warnings: r.warnings,
  };
}

async function security(ctx: McpContext): Promise<Report> {
  const r = await securityReport(options(ctx), REPORT_PORTS);
  const counts = Object.fromEntries(
    SEVERITIES.map((s) => [s, r.audit.findings.filter((f) => f.severity === s).length]),
  );
  return {
    kind: "security",
    cluster: r.audit.cluster,
    title: r.rendered.title,
    period: r.rendered.period,
    headlines: [],
    flags: [],
    severityCounts: counts,
    findings: r.audit.findings.slice(0, FINDINGS_SHOWN).map((f) => ({
      severity: f.severity,
      check: f.check,
      resource: resourceLabel(f.resource),
      detail: f.detail,
    })),
    warnings: r.warnings,
  };
}

function summary(r: Report): string {
  const lines =
    r.kind === "health"
      ? [
          ...r.headlines
            .filter((h) => h.value !== null)
            .slice(0, HEADLINES_IN_TEXT)
            .map(
              (h) =>
                `${h.label}: ${h.value ?? "unknown"}${h.previous === null ? "" : ` (last week ${h.previous})`}`,
            ),
          ...r.flags.map((f) => `${f.severity}: ${f.subject}: ${f.finding} → ${f.recommendation}`),
        ]
      : [
          Object.entries(r.severityCounts)
            .map(([s, n]) => `${s} ${n}`)
            .join(", "),
          ...r.findings.slice(0, 10).map((f) => `${f.severity}: ${f.resource}: ${f.check}: ${f.detail}`),
        ];
  return [r.title, ...lines].join("\n");
}

export function registerReport(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "kopt_report",
    {
      title: "Weekly health or security report",
      description:
        "The weekly cluster health report (pods, nodes, incidents, kopt's pull requests, outcomes, cost, with week-over-week figures and flags) or the security posture audit (Pod Security Standards, RBAC, NetworkPolicies, secrets, vulnerabilities, ranked). Print only: publishes nothing.",
      inputSchema: { kind: z.enum(["health", "security"]).describe("which report") },
      outputSchema: ReportOutput,
      annotations: READ_ONLY,
    },
    ({ kind }) =>
      guarded(async () => {
        const r = kind === "health" ? await health(ctx) : await security(ctx);
        return toolResult(r, summary(r));
      }),
  );
}
