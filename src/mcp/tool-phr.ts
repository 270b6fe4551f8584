// kopt_explain_phr: one audit record (PHR) read from the repository: what changed, why (the evidence and what
// the guardrails changed), who approved and merged it, and the outcome. An id several PHRs share (every change
// of one workload and kind has it) is an error listing them, as `kopt rollback` does.
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { KoptError } from "../errors.ts";
import { type PhrFrontMatter, readPhrFront } from "../formats/phr.ts";
import { guarded, type McpContext, READ_ONLY, toolResult } from "./context.ts";

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** A change writes a scalar or a list of scalars (a security fix's `capabilities.drop: [ALL]`). */
const ValuesValue = z.union([Scalar, z.array(Scalar)]);
/** The body's evidence section is the model's "why"; capped so one record cannot flood the context. */
const WHY_MAX_CHARS = 4000;

export const PhrOutput = {
  path: z.string(),
  id: z.string(),
  cluster: z.string(),
  kind: z.string(),
  tier: z.string(),
  status: z.string(),
  title: z.string(),
  createdAt: z.string(),
  workloads: z.array(z.object({ namespace: z.string(), kind: z.string(), name: z.string() })),
  changes: z.array(z.object({ file: z.string(), path: z.string(), from: ValuesValue, to: ValuesValue })),
  why: z.object({
    evidence: z.string().describe("the PHR's Evidence section"),
    guardrails: z.array(z.string()),
    learned: z.array(z.string()),
    drift: z.array(z.string()),
    confidence: z.number(),
  }),
  cost: z.object({
    currency: z.string(),
    monthlyBefore: z.number(),
    monthlyAfter: z.number(),
    monthlyDelta: z.number(),
  }),
  approvals: z.array(z.object({ user: z.string(), at: z.string(), as: z.array(z.string()) })),
  merge: z
    .object({
      pullRequest: z.number(),
      at: z.string(),
      by: z.string().nullable(),
      approvalLatencyMinutes: z.number().nullable(),
    })
    .nullable(),
  outcome: z.object({
    status: z.string(),
    appliedAt: z.string().nullable(),
    validation: z
      .string()
      .nullable()
      .describe("validated / regressed / not-applied, once kopt verify checked"),
    reasons: z.array(z.string()),
    rolledBackBy: z.string().nullable(),
    rejectedAt: z.string().nullable(),
  }),
};

const PhrInput = {
  id: z
    .string()
    .regex(/^[0-9a-f]{8}$/, "an id is 8 lowercase hex characters")
    .optional()
    .describe("the PHR's id, e.g. 6ea4683a"),
  path: z
    .string()
    .min(1)
    .optional()
    .describe(
      "the PHR's path in the repository, e.g. phr/demo/2026-10-16-6ea4683a-rightsize-todo-backend.md",
    ),
};

async function phrFiles(root: string): Promise<string[]> {
  const entries = await readdir(join(root, "phr"), { recursive: true }).catch(() => [] as string[]);
  return entries
    .filter((f) => f.endsWith(".md") && !f.endsWith("README.md"))
    .map((f) => `phr/${f.split(sep).join("/")}`)
    .sort();
}

/** The repository path of the PHR asked for: the path checked, or the one file with the id. */
async function findPhr(root: string, q: { id?: string; path?: string }): Promise<string> {
  if ((q.id === undefined) === (q.path === undefined)) {
    throw new KoptError("usage", "kopt_explain_phr takes an id or a path, one of the two", {
      hint: 'e.g. {"id": "69231a26"} or {"path": "phr/demo/2026-10-30-69231a26-rightsize-todo-frontend.md"}',
    });
  }
  const files = await phrFiles(root);
  if (q.path !== undefined) {
    const rel = relative(root, resolve(root, q.path)).split(sep).join("/");
    if (files.includes(rel)) return rel;
    throw new KoptError("usage", `no PHR at ${q.path} in ${root}`, {
      hint: "PHRs are phr/<cluster>/<date>-<id>-<slug>.md",
    });
  }
  const hits = files.filter((f) => f.includes(`-${q.id}-`));
  if (hits.length === 1) return hits[0] as string;
  if (hits.length === 0) {
    throw new KoptError("usage", `no PHR with id ${q.id} under ${root}/phr`, {
      hint: "the id is the 8 hex characters in phr/<cluster>/<date>-<id>-<slug>.md",
    });
  }
  throw new KoptError("usage", `${hits.length} PHRs have id ${q.id}: ${hits.join(", ")}`, {
    hint: "every change of one workload and kind shares the id: ask again with the path of the one you mean",
  });
}

/** The `## Evidence` section of a PHR's body, without its heading. */
function evidenceSection(text: string): string {
  const m = /^## Evidence\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(text);
  const section = (m?.[1] ?? "").trim();
  return section.length > WHY_MAX_CHARS ? `${section.slice(0, WHY_MAX_CHARS)}…` : section;
}

export function explained(path: string, f: PhrFrontMatter, text: string) {
  return {
    path,
    id: f.id,
    cluster: f.cluster,
    kind: f.kind,
    tier: f.tier,
    status: f.status,
    title: f.title,
    createdAt: f.createdAt,
    workloads: f.workloads,
    changes: f.changes.map((c) => ({ file: c.file, path: c.path, from: c.from ?? null, to: c.to })),
    why: {
      evidence: evidenceSection(text),
      guardrails: f.guardrails ?? [],
      learned: f.learned ?? [],
      drift: f.drift ?? [],
      confidence: f.confidence,
    },
    cost: f.cost,
    approvals: f.approvals ?? [],
    merge: f.merge
      ? {
          pullRequest: f.merge.pullRequest,
          at: f.merge.at,
          by: f.merge.by,
          approvalLatencyMinutes: f.merge.approvalLatencyMinutes,
        }
      : null,
    outcome: {
      status: f.status,
      appliedAt: f.applied?.at ?? null,
      validation: f.validation?.outcome ?? null,
      reasons: f.validation?.reasons ?? [],
      rolledBackBy: f.rolledBackBy?.phr ?? null,
      rejectedAt: f.rejection?.closedAt ?? null,
    },
  };
}

/** A value in the text: a list as `["ALL"]`. */
const shown = (v: unknown): string => (Array.isArray(v) ? JSON.stringify(v) : String(v));

function summary(e: ReturnType<typeof explained>): string {
  const approvals = e.approvals
    .map((a) => `${a.user}${a.as.length ? ` (${a.as.join(", ")})` : ""}`)
    .join(", ");
  return [
    `${e.path}: ${e.title}`,
    `${e.kind}, tier ${e.tier}, status ${e.status}; monthly cost ${e.cost.monthlyBefore} → ${e.cost.monthlyAfter} ${e.cost.currency}`,
    ...e.changes.map((c) => `${c.file} ${c.path}: ${shown(c.from ?? "(unset)")} → ${shown(c.to)}`),
    `approved by: ${approvals || "nobody yet"}${e.merge ? `; merged as #${e.merge.pullRequest} at ${e.merge.at}` : ""}`,
    `outcome: ${e.outcome.validation ?? e.status}${e.outcome.rolledBackBy ? `, rolled back by ${e.outcome.rolledBackBy}` : ""}`,
  ].join("\n");
}

export function registerExplainPhr(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    "kopt_explain_phr",
    {
      title: "Explain an audit record (PHR)",
      description:
        "One PHR (kopt's audit record of a change) by id or path: what changed, why (evidence, guardrails), who approved and merged it, and the outcome (applied, validated or regressed, rolled back). Reads the repository; changes nothing.",
      inputSchema: PhrInput,
      outputSchema: PhrOutput,
      annotations: READ_ONLY,
    },
    (args) =>
      guarded(async () => {
        const path = await findPhr(ctx.repoDir, args);
        const text = await readFile(join(ctx.repoDir, path), "utf8");
        const e = explained(path, readPhrFront(text, path), text);
        return toolResult(e, summary(e));
      }),
  );
}
