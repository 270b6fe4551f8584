// PHR (the audit record): `phr/<cluster>/<yyyy-mm-dd>-<id>-<slug>.md`, YAML front matter + Markdown body.
import { z } from "zod";
import { TIERS, type Tier } from "../model/tier.ts";

// The tiers are model data; re-exported for the PHR's readers.
export { TIERS, type Tier };

export const PHR_STATUSES = [
  "proposed",
  "approved",
  "applied",
  "validated",
  "rolled-back",
  "rejected",
] as const;

const stats = z.object({
  samples: z.number().int().min(0),
  p50: z.number().min(0),
  p95: z.number().min(0),
  p99: z.number().min(0),
  max: z.number().min(0),
});

const window = z.object({
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  hours: z.number(),
});

const evidenceHead = {
  workload: z.string().min(1),
  container: z.string().min(1),
  source: z.string().min(1).describe("where the usage came from, e.g. snapshot:<file>"),
};

const sizing = z
  .object({
    method: z.enum(["percentile", "forecast"]),
    level: z.enum(["flat", "trend", "shift"]),
    percentile: z.number().min(0).max(100),
    base: z.number().min(0),
    margin: z.number().min(0),
    levelError: z.number().min(0).optional(),
    growthPerDay: z.number().optional(),
    changeAt: z
      .union([z.iso.datetime({ offset: true }), z.number()])
      .optional()
      .describe(
        "when the level shifted: RFC 3339 (Unix seconds in PHRs written before kopt wrote times as text)",
      ),
    shiftFactor: z.number().optional(),
    projectedMax: z.number().min(0).optional(),
  })
  .strict();

/** Right-sizing: usage statistics over the window, and the rule behind each request. */
const usageEvidence = z
  .object({
    ...evidenceHead,
    window,
    pods: z.number().int().min(0),
    cpuCores: stats,
    memoryBytes: stats,
    sizing: z.object({ cpu: sizing, memory: sizing }).optional(),
  })
  .strict();

/** OOM fast path: the kills, and how the new limit was chosen. */
const oomEvidence = z
  .object({
    ...evidenceHead,
    oomKills: z.object({
      podsOomKilled: z.number().int().min(0).describe("pods whose last termination was OOMKilled"),
      prometheusKills: z.number().int().min(0).describe("OOM kills Prometheus counted in the window"),
      lastKill: z.iso.datetime({ offset: true }).nullable(),
      pods: z.array(z.string()),
      limitBytes: z.number().min(0),
      candidates: z.array(z.object({ rule: z.string().min(1), bytes: z.number().min(0) })).min(1),
    }),
    window: window.optional(),
    memoryBytes: stats.optional(),
  })
  .strict();

/** Horizontal scaling: the finding, its reason and its numbers. */
const hpaEvidence = z
  .object({
    workload: z.string().min(1),
    source: evidenceHead.source,
    hpa: z.object({
      change: z.enum(["enable-hpa", "raise-max", "stabilize-scale-down", "lower-min"]),
      reason: z.string().min(1),
      numbers: z.record(z.string(), z.union([z.number(), z.string()])),
    }),
  })
  .strict();

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const PhrFrontMatterSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{8}$/, { message: "id must be 8 lowercase hex characters" }),
    cluster: z.string().min(1),
    kind: z.enum(["rightsize", "oom", "hpa", "rollback"]),
    tier: z.enum(TIERS),
    status: z.enum(PHR_STATUSES),
    createdAt: z.iso.datetime({ offset: true, message: "createdAt must be an RFC 3339 time" }),
    title: z.string().min(1),
    workloads: z
      .array(
        z.object({
          namespace: z.string().min(1),
          kind: z.enum(["Deployment", "StatefulSet", "DaemonSet"]),
          name: z.string().min(1),
        }),
      )
      .min(1),
    changes: z
      .array(
        z.object({
          file: z.string().min(1),
          path: z.string().min(1),
          from: scalar.optional().describe("the value the values files gave; absent when no file set it"),
          to: scalar,
          running: z
            .string()
            .min(1)
            .optional()
            .describe(
              "what the cluster ran when it differed from `from` (the values file and the cluster disagreed)",
            ),
        }),
      )
      .min(1, { message: "a PHR records at least one change" }),
    evidence: z.array(z.union([usageEvidence, oomEvidence, hpaEvidence])),
    confidence: z.number().min(0).max(1),
    cost: z.object({
      currency: z.string().length(3),
      monthlyBefore: z.number(),
      monthlyAfter: z.number(),
      monthlyDelta: z.number(),
    }),
    rollback: z.object({ how: z.string().min(1) }),
    guardrails: z
      .array(z.string().min(1))
      .optional()
      .describe("What kopt's guardrails changed in the proposal (a capped cut, a recomputed tier)"),
    drift: z
      .array(z.string().min(1))
      .optional()
      .describe("Where the values file and the running cluster disagreed, and what kopt made of it"),
    approvals: z
      .array(
        z
          .object({
            user: z.string().min(1),
            at: z.iso.datetime({ offset: true }),
            as: z
              .array(z.string().min(1))
              .default([])
              .describe("the groups it counted for: architects, security"),
          })
          .strict(),
      )
      .optional()
      .describe("The approvals that counted at merge time (recorded after merge)"),
    merge: z
      .object({
        pullRequest: z.number().int().min(1),
        sha: z.string().regex(/^[0-9a-f]{40}$/, { message: "a 40-character commit SHA" }),
        at: z.iso.datetime({ offset: true }),
        by: z.string().min(1).nullable(),
        openedAt: z.iso.datetime({ offset: true }),
        approvalLatencyMinutes: z
          .number()
          .min(0)
          .nullable()
          .describe("From opening the pull request to the approval that completed its tier's rule"),
      })
      .strict()
      .optional()
      .describe("The merge of the change's pull request (recorded after merge)"),
    rollbackOf: z
      .object({
        id: z.string().regex(/^[0-9a-f]{8}$/),
        phr: z.string().min(1),
        pullRequest: z.number().int().min(1).optional(),
        mergeSha: z.string().regex(/^[0-9a-f]{40}$/),
      })
      .strict()
      .optional()
      .describe("kind rollback: the change this one reverts"),
    rolledBackBy: z
      .object({ id: z.string().regex(/^[0-9a-f]{8}$/), phr: z.string().min(1) })
      .strict()
      .optional()
      .describe("The rollback that reverted this change"),
  })
  .strict()
  .superRefine((f, ctx) => {
    if ((f.kind === "rollback") !== (f.rollbackOf !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["rollbackOf"],
        message: "a PHR of kind rollback names the change it reverts in rollbackOf, and only such a PHR",
      });
    }
  });

export type PhrFrontMatter = z.output<typeof PhrFrontMatterSchema>;

export const PHR_FILE_NAME = /^(\d{4}-\d{2}-\d{2})-([0-9a-f]{8})-([a-z0-9-]+)\.md$/;
