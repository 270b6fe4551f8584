// kopt_list_proposals: kopt's open pull requests (branches kopt/<cluster>/…) with their tier, where their
// approval stands (the approval gate's own evaluation) and their SLA (as `kopt sla` sees it, read only: nothing
// is labelled or commented).
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { type LoadedConfig, loadClusterConfig } from "../config/load.ts";
import { evaluateApproval, tierOfLabel } from "../decide/approval.ts";
import type { Tier } from "../formats/phr.ts";
import type { Forge, PullRequest } from "../propose/forge.ts";
import { openRepository } from "../propose/git-repo.ts";
import {
  approverGroups,
  bootstrapConfig,
  clusterOfBranch,
  NO_GROUPS,
  needsGroups,
} from "../workflows/gate.ts";
import { clockOf, openForge } from "../workflows/open-forge.ts";
import { slaStanding } from "../workflows/sla.ts";
import { guarded, type McpContext, toolResult } from "./context.ts";

export const ProposalsOutput = {
  proposals: z.array(
    z.object({
      number: z.number(),
      title: z.string(),
      url: z.string(),
      branch: z.string(),
      cluster: z.string().nullable(),
      createdAt: z.string(),
      tier: z.string().nullable().describe("from the kopt/tier: label; null when it has none"),
      approval: z
        .object({
          state: z.enum(["success", "pending", "failure"]),
          description: z.string(),
          missing: z.array(z.string()),
          approvedBy: z.array(z.string()),
        })
        .nullable(),
      sla: z.object({
        state: z.enum(["none", "within", "breached"]),
        detail: z.string(),
      }),
    }),
  ),
};

const TIER_ORDER: readonly Tier[] = ["critical", "medium", "low", "trivial"];

function tierOf(p: PullRequest): Tier | null {
  const tiers = p.labels.flatMap((l) => tierOfLabel(l) ?? []);
  return TIER_ORDER.find((t) => tiers.includes(t)) ?? null;
}

async function approvalOf(forge: Forge, loaded: LoadedConfig, p: PullRequest, tier: Tier) {
  const policy = loaded.policy.approval;
  const groups = needsGroups(tier) ? await approverGroups(forge, policy, loaded.file) : NO_GROUPS;
  const a = evaluateApproval({
    tier,
    author: p.author,
    headSha: p.headSha,
    reviews: await forge.reviews(p.number),
    ...groups,
  });
  return {
    state: a.state,
    description: a.description,
    missing: a.missing,
    approvedBy: a.counted.map((c) => c.user),
  };
}

async function slaOf(forge: Forge, loaded: LoadedConfig, p: PullRequest, now: Date) {
  const s = await slaStanding({ loaded, forge }, p, now);
  if ("late" in s) {
    return {
      state: "breached" as const,
      detail: `waiting ${s.late.waitedMinutes} min, SLA ${s.late.slaMinutes} min; missing: ${s.late.missing.join(", ")}`,
    };
  }
  return { state: s.skip.startsWith("within") ? ("within" as const) : ("none" as const), detail: s.skip };
}

export async function listProposals(ctx: McpContext) {
  const now = ctx.now();
  const repo = await openRepository(ctx.repoDir);
  const base = ctx.loaded ?? (await bootstrapConfig(repo.root, ctx.cluster));
  const forge = await openForge(repo, base, { env: ctx.env, ...clockOf(now) }, { branches: false });
  const configs = new Map<string, LoadedConfig>([[base.config.cluster, base]]);
  const cluster = ctx.cluster ?? ctx.loaded?.config.cluster;
  const proposals = [];
  for (const p of await forge.openPullRequests(cluster ? `kopt/${cluster}/` : "kopt/")) {
    const name = clusterOfBranch(p.branch) ?? base.config.cluster;
    let loaded = configs.get(name);
    if (!loaded) {
      loaded = await loadClusterConfig(repo.root, name);
      configs.set(name, loaded);
    }
    const tier = tierOf(p);
    proposals.push({
      number: p.number,
      title: p.title,
      url: p.url,
      branch: p.branch,
      cluster: clusterOfBranch(p.branch) ?? null,
      createdAt: p.createdAt,
      tier,
      approval: tier ? await approvalOf(forge, loaded, p, tier) : null,
      sla: await slaOf(forge, loaded, p, now),
    });
  }
  return { proposals };
}

function summary(r: Awaited<ReturnType<typeof listProposals>>): string {
  const lines = r.proposals.map(
    (p) =>
      `#${p.number} [${p.tier ?? "no tier"}] ${p.title}: approval ${p.approval ? `${p.approval.state} (${p.approval.description})` : "n/a"}; SLA ${p.sla.state}: ${p.sla.detail}`,
  );
  return [`${r.proposals.length} open kopt pull request(s)`, ...lines].join("\n");
}

export function registerListProposals(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "kopt_list_proposals",
    {
      title: "kopt's open pull requests",
      description:
        "kopt's open pull requests with each one's risk tier, approval state (who approved, what is still missing) and approval SLA (within, breached, or none). Reads the forge; changes nothing.",
      inputSchema: {},
      outputSchema: ProposalsOutput,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    () =>
      guarded(async () => {
        const r = await listProposals(ctx);
        return toolResult(r, summary(r));
      }),
  );
}
