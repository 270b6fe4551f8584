// kopt_recommend: every container's recommended requests and limits, the OOM raises and the HPA findings, as
// `kopt recommend --output json` computes them (the same pipeline plan proposes from). Changes nothing.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { recommendJson } from "../cli-output.ts";
import { recommend } from "../workflows/recommend.ts";
import { guarded, type McpContext, READ_ONLY, toolResult, workloadName } from "./context.ts";
import { inNamespace, type Selection, SelectionInput, workloadSelector } from "./selection.ts";

const Workload = z.object({ namespace: z.string(), kind: z.string(), name: z.string() });
const Pair = z.object({ cpu: z.string().nullable(), memory: z.string().nullable() });
const Quantities = z.object({ requests: Pair, limits: Pair });
const Change = z.object({ field: z.string(), from: z.string().nullable(), to: z.string().nullable() });

export const RecommendOutput = {
  cluster: z.string(),
  observedAt: z.string().describe("when the data was read (RFC 3339)"),
  source: z.string(),
  warnings: z.array(z.string()),
  recommendations: z.array(
    z.object({
      workload: Workload,
      container: z.string(),
      current: Quantities,
      recommended: Quantities,
      changes: z.array(Change),
      confidence: z.number(),
    }),
  ),
  oom: z.array(z.object({ workload: Workload, container: z.string(), changes: z.array(Change) })),
  hpa: z.array(z.object({ workload: Workload, reason: z.string() }).loose()),
  skipped: z.array(z.object({ workload: Workload, container: z.string().nullable(), reason: z.string() })),
};

function summary(r: Awaited<ReturnType<typeof recommendation>>): string {
  const lines = r.recommendations
    .filter((x) => x.changes.length > 0)
    .map(
      (x) =>
        `${workloadName(x.workload)} ${x.container}: ${x.changes.map((c) => `${c.field} ${c.from ?? "none"}→${c.to ?? "none"}`).join(", ")} (confidence ${x.confidence})`,
    );
  for (const o of r.oom) {
    lines.push(
      `${workloadName(o.workload)} ${o.container}: OOM-killed, ${o.changes.map((c) => `${c.field} ${c.from ?? "none"}→${c.to ?? "none"}`).join(", ")}`,
    );
  }
  for (const h of r.hpa) lines.push(`${workloadName(h.workload)}: ${h.reason}`);
  const head = `${r.cluster} (${r.source}, ${r.observedAt}): ${lines.length} change(s) recommended`;
  return [head, ...lines, ...r.warnings.map((w) => `warning: ${w}`)].join("\n");
}

export async function recommendation(ctx: McpContext, s: Selection) {
  const out = recommendJson(
    await recommend({
      repoDir: ctx.repoDir,
      cluster: ctx.cluster,
      snapshot: ctx.snapshot,
      workload: workloadSelector(s),
      now: ctx.now(),
      prometheusUrl: ctx.prometheusUrl,
      ...(ctx.loaded ? { loaded: ctx.loaded } : {}),
    }),
  );
  const keep = <T extends { workload: { namespace: string } }>(xs: T[]) =>
    xs.filter((x) => inNamespace(s, x.workload));
  return {
    cluster: out.cluster,
    observedAt: out.observedAt,
    source: out.source,
    warnings: out.warnings,
    recommendations: keep(out.recommendations).map(({ evidence: _, ...r }) => r),
    oom: keep(out.oom).map(({ evidence: _, ...o }) => o),
    hpa: keep(out.hpa),
    skipped: keep(out.skipped).map((x) => ({ ...x, container: x.container ?? null })),
  };
}

export function registerRecommend(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "kopt_recommend",
    {
      title: "Recommended requests and limits",
      description:
        "What every container (or one workload, or one namespace) should request and limit, from its usage history: right-sizing, memory-limit raises after OOM kills, and horizontal scaling (HPA) findings. Reads the cluster; changes nothing.",
      inputSchema: SelectionInput,
      outputSchema: RecommendOutput,
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(async () => {
        const r = await recommendation(ctx, args);
        return toolResult(r, summary(r));
      }),
  );
}
