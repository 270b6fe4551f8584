// kopt_plan_preview: `kopt plan --dry-run` (which pull requests would be opened, updated or left unchanged, with
// tier and cost; writes nothing: no branch, no commit, no file). kopt_propose: the same plan for real, opening or
// updating the pull requests through the forge; registered only with --allow-propose, and review stays the gate.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { formatTime } from "../model/format.ts";
import { type PlanOutcome, plan } from "../workflows/plan.ts";
import { guarded, type McpContext, READ_ONLY, toolResult, workloadName } from "./context.ts";
import { workloadSelector } from "./selection.ts";

const Workload = z.object({ namespace: z.string(), kind: z.string(), name: z.string() });
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const PlanOutput = {
  cluster: z.string(),
  observedAt: z.string(),
  source: z.string(),
  dryRun: z.boolean().describe("true: nothing was written, the statuses say what would happen"),
  forge: z.string(),
  baseBranch: z.string(),
  proposals: z.array(
    z.object({
      id: z.string(),
      workload: Workload,
      kind: z.string(),
      tier: z.string(),
      title: z.string(),
      status: z.string().describe("created / updated / unchanged / repaired / held"),
      reason: z.string().nullable(),
      branch: z.string(),
      phr: z.string(),
      pullRequest: z.number().nullable(),
      cost: z.object({
        currency: z.string(),
        monthlyBefore: z.number(),
        monthlyAfter: z.number(),
        monthlyDelta: z.number(),
      }),
      changes: z.array(z.object({ path: z.string(), from: Scalar, to: Scalar })),
    }),
  ),
  heldBack: z.array(z.object({ workload: Workload, kind: z.string(), reason: z.string() })),
  closed: z.array(z.object({ branch: z.string(), reason: z.string() })),
  monthlyDelta: z.number().describe("the sum of the proposals' monthly cost change"),
  warnings: z.array(z.string()),
};

function planned(out: PlanOutcome) {
  const proposals = out.proposals.map((p) => ({
    id: p.id,
    workload: p.workload,
    kind: p.kind,
    tier: p.tier,
    title: p.title,
    status: p.status,
    reason: p.reason ?? null,
    branch: p.branch,
    phr: p.phr,
    pullRequest: p.pullRequest ?? null,
    cost: p.cost,
    changes: p.changes.map((c) => ({ path: c.path, from: c.from ?? null, to: c.to })),
  }));
  const delta = proposals.reduce((sum, p) => sum + p.cost.monthlyDelta, 0);
  return {
    cluster: out.cluster,
    observedAt: formatTime(out.observedAt),
    source: out.source,
    dryRun: out.dryRun,
    forge: out.forge,
    baseBranch: out.baseBranch,
    proposals,
    heldBack: out.heldBack.map((h) => ({ workload: h.workload, kind: h.kind, reason: h.reason })),
    closed: out.closed.map((c) => ({ branch: c.branch, reason: c.reason })),
    monthlyDelta: Math.round(delta * 100) / 100,
    warnings: out.warnings,
  };
}

function summary(p: ReturnType<typeof planned>): string {
  const would = p.dryRun ? "would be " : "";
  const lines = p.proposals.map(
    (x) =>
      `${would}${x.status}: [${x.tier}] ${x.title} (${x.cost.monthlyDelta >= 0 ? "+" : ""}${x.cost.monthlyDelta} ${x.cost.currency}/month)${x.pullRequest ? ` #${x.pullRequest}` : ""}`,
  );
  for (const h of p.heldBack) lines.push(`held back: ${workloadName(h.workload)} ${h.kind}: ${h.reason}`);
  const head = `${p.cluster}: ${p.proposals.length} proposal(s) on ${p.forge} (${p.dryRun ? "dry run, nothing written" : "written"}), monthly cost change ${p.monthlyDelta}`;
  return [head, ...lines].join("\n");
}

async function runPlan(ctx: McpContext, workload: string | undefined, dryRun: boolean) {
  return planned(
    await plan({
      repoDir: ctx.repoDir,
      cluster: ctx.cluster,
      snapshot: ctx.snapshot,
      workload: workloadSelector({ workload }),
      dryRun,
      now: ctx.now(),
      prometheusUrl: ctx.prometheusUrl,
      env: ctx.env,
      ...(ctx.loaded ? { loaded: ctx.loaded, baseFromForge: true } : {}),
    }),
  );
}

const WorkloadInput = {
  workload: z
    .string()
    .min(1)
    .optional()
    .describe("only this workload, <namespace>/<name>; default every one"),
};

export function registerPlanPreview(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "kopt_plan_preview",
    {
      title: "Preview the pull requests kopt would open",
      description:
        "The dry run of kopt plan: which pull requests would be opened, updated or left unchanged (right-sizing, OOM raises, HPA, probe fixes), each with its risk tier and monthly cost effect, and what the guardrails hold back. Writes nothing: no branch, no commit, no file.",
      inputSchema: WorkloadInput,
      outputSchema: PlanOutput,
      annotations: READ_ONLY,
    },
    ({ workload }) =>
      guarded(async () => {
        const p = await runPlan(ctx, workload, true);
        return toolResult(p, summary(p));
      }),
  );
}

export function registerPropose(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "kopt_propose",
    {
      title: "Open kopt's pull requests",
      description:
        "Runs kopt plan for real: opens or updates the pull requests (values edit plus its PHR) on the forge, and closes those whose recommendation is gone. Nothing reaches the cluster until people approve and merge: review stays the gate. Run kopt_plan_preview first.",
      inputSchema: WorkloadInput,
      outputSchema: PlanOutput,
      // Writes branches and pull requests, and closes kopt's own whose recommendation is gone (destructive, though
      // nothing reaches the cluster unreviewed); re-running on the same data changes nothing more (idempotent).
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    ({ workload }) =>
      guarded(async () => {
        const p = await runPlan(ctx, workload, false);
        return toolResult(p, summary(p));
      }),
  );
}
