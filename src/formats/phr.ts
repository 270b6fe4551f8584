// PHR (the audit record): `phr/<cluster>/<yyyy-mm-dd>-<id>-<slug>.md`, YAML front matter + Markdown body.
import { z } from "zod";

export const PHR_STATUSES = [
  "proposed",
  "approved",
  "applied",
  "validated",
  "rolled-back",
  "rejected",
] as const;
export const TIERS = ["trivial", "low", "medium", "critical"] as const;
export type Tier = (typeof TIERS)[number];

const stats = z.object({
  samples: z.number().int().min(0),
  p50: z.number().min(0),
  p95: z.number().min(0),
  p99: z.number().min(0),
  max: z.number().min(0),
});

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const PhrFrontMatterSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{8}$/, { message: "id must be 8 lowercase hex characters" }),
    cluster: z.string().min(1),
    kind: z.enum(["rightsize"]),
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
          from: scalar.optional().describe("absent when the key did not exist"),
          to: scalar,
        }),
      )
      .min(1, { message: "a PHR records at least one change" }),
    evidence: z.array(
      z.object({
        workload: z.string().min(1),
        container: z.string().min(1),
        source: z.string().min(1).describe("where the usage came from, e.g. snapshot:<file>"),
        window: z.object({
          start: z.iso.datetime({ offset: true }),
          end: z.iso.datetime({ offset: true }),
          hours: z.number(),
        }),
        pods: z.number().int().min(0),
        cpuCores: stats,
        memoryBytes: stats,
      }),
    ),
    confidence: z.number().min(0).max(1),
    cost: z.object({
      currency: z.string().length(3),
      monthlyBefore: z.number(),
      monthlyAfter: z.number(),
      monthlyDelta: z.number(),
    }),
    rollback: z.object({ how: z.string().min(1) }),
  })
  .strict();

export type PhrFrontMatter = z.output<typeof PhrFrontMatterSchema>;

export const PHR_FILE_NAME = /^(\d{4}-\d{2}-\d{2})-([0-9a-f]{8})-([a-z0-9-]+)\.md$/;
