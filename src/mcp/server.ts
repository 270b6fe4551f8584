// The kopt MCP server: one McpServer with kopt's tools registered. Read-only tools always; kopt_propose (which
// opens pull requests) only when the operator allowed it. Built fresh per HTTP request (stateless) or once for
// stdio.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { McpContext } from "./context.ts";
import { registerDiagnose } from "./tool-diagnose.ts";
import { registerExplainPhr } from "./tool-phr.ts";
import { registerPlanPreview, registerPropose } from "./tool-plan.ts";
import { registerListProposals } from "./tool-proposals.ts";
import { registerRecommend } from "./tool-recommend.ts";
import { registerReport } from "./tool-report.ts";

export const SERVER_NAME = "kopt";

const INSTRUCTIONS =
  "kopt proposes Kubernetes changes (right-sizing, OOM raises, HPA, probe fixes) as reviewed pull requests with an audit record (PHR). " +
  "Ask kopt_recommend or kopt_diagnose about workloads, kopt_plan_preview for the pull requests kopt would open, " +
  "kopt_list_proposals for those waiting for review, kopt_explain_phr for a past change, kopt_report for the weekly reports.";

const REGISTER = {
  kopt_recommend: registerRecommend,
  kopt_diagnose: registerDiagnose,
  kopt_plan_preview: registerPlanPreview,
  kopt_explain_phr: registerExplainPhr,
  kopt_list_proposals: registerListProposals,
  kopt_report: registerReport,
} as const;

export type ReadToolName = keyof typeof REGISTER;

export const READ_TOOLS = Object.keys(REGISTER) as ReadToolName[];

/**
 * The tools that work from a config given as a file and the live cluster (the in-cluster agent): the PHR and
 * report tools read the GitOps repository's files, which the agent's working directory need not hold.
 */
export const AGENT_TOOLS: readonly ReadToolName[] = [
  "kopt_recommend",
  "kopt_diagnose",
  "kopt_plan_preview",
  "kopt_list_proposals",
];

export function createMcpServer(
  ctx: McpContext,
  version: string,
  tools: readonly ReadToolName[] = READ_TOOLS,
): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version }, { instructions: INSTRUCTIONS });
  for (const name of tools) REGISTER[name](server, ctx);
  if (ctx.allowPropose) registerPropose(server, ctx);
  return server;
}
