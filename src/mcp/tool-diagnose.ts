// kopt_diagnose: why pods fail, as `kopt diagnose` classifies it: each failing container's root cause with the
// fix and its runbook, and the incidents that group findings of one shared cause. Changes nothing.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { diagnose } from "../workflows/diagnose.ts";
import { guarded, type McpContext, READ_ONLY, toolResult, workloadName } from "./context.ts";
import { inNamespace, type Selection, SelectionInput, workloadSelector } from "./selection.ts";

const Subject = z.object({ namespace: z.string(), kind: z.string(), name: z.string() });

export const DiagnoseOutput = {
  cluster: z.string(),
  source: z.string(),
  findings: z.array(
    z.object({
      fingerprint: z.string(),
      class: z.string(),
      workload: Subject.nullable(),
      node: z.string().nullable(),
      container: z.string().nullable(),
      rootCause: z.string(),
      suggestedFix: z.string(),
      expectedOutcome: z.string(),
      confidence: z.number(),
      runbook: z.string(),
    }),
  ),
  incidents: z.array(
    z.object({
      fingerprint: z.string(),
      class: z.string(),
      title: z.string(),
      cause: z.string(),
      findings: z.array(z.string()),
    }),
  ),
  warnings: z.array(z.string()),
};

export async function diagnosis(ctx: McpContext, s: Selection) {
  const d = await diagnose({
    repoDir: ctx.repoDir,
    cluster: ctx.cluster,
    snapshot: ctx.snapshot,
    workload: workloadSelector(s),
    now: ctx.now(),
    prometheusUrl: ctx.prometheusUrl,
    env: ctx.env,
    ...(ctx.loaded ? { loaded: ctx.loaded } : {}),
  });
  const findings = d.findings.filter((f) => inNamespace(s, f.workload));
  const kept = new Set(findings.map((f) => f.fingerprint));
  return {
    cluster: d.cluster,
    source: d.source,
    findings: findings.map((f) => ({
      fingerprint: f.fingerprint,
      class: f.class,
      workload: f.workload
        ? { namespace: f.workload.namespace, kind: f.workload.kind, name: f.workload.name }
        : null,
      node: f.node,
      container: f.container,
      rootCause: f.rootCause,
      suggestedFix: f.suggestedFix,
      expectedOutcome: f.expectedOutcome,
      confidence: f.confidence,
      runbook: f.runbook,
    })),
    incidents: d.incidents
      .filter((i) => i.findings.some((f) => kept.has(f)))
      .map((i) => ({
        fingerprint: i.fingerprint,
        class: i.class,
        title: i.title,
        cause: i.cause,
        findings: i.findings,
      })),
    warnings: d.warnings,
  };
}

function summary(d: Awaited<ReturnType<typeof diagnosis>>): string {
  const lines = d.findings.map(
    (f) =>
      `${f.workload ? workloadName(f.workload) : `node ${f.node}`}${f.container ? ` ${f.container}` : ""}: ${f.class}: ${f.rootCause} Fix: ${f.suggestedFix} (${f.runbook})`,
  );
  const head = `${d.cluster} (${d.source}): ${d.findings.length} failing, ${d.incidents.length} incident(s)`;
  return [head, ...lines, ...d.incidents.map((i) => `incident: ${i.title}`)].join("\n");
}

export function registerDiagnose(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "kopt_diagnose",
    {
      title: "Why pods fail",
      description:
        "Each failing container (of the cluster, one namespace or one workload) classified to a root cause from its status, events, logs and history, with the suggested fix and the runbook; incidents group failures of one shared cause (a node, a missing Secret). Reads the cluster; changes nothing.",
      inputSchema: SelectionInput,
      outputSchema: DiagnoseOutput,
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(async () => {
        const d = await diagnosis(ctx, args);
        return toolResult(d, summary(d));
      }),
  );
}
