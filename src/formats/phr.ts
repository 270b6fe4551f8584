// PHR (the audit record): `phr/<cluster>/<yyyy-mm-dd>-<id>-<slug>.md`, YAML front matter + Markdown body.
// The one place that knows the format: its schema, and reading and updating a PHR's text (pure).
import { parseDocument, stringify } from "yaml";
import { z } from "zod";
import { KoptError } from "../errors.ts";
import { ACTION_KINDS, PROPOSAL_KINDS, TIERS, type Tier } from "../model/tier.ts";
import { parseYamlWith } from "./validate.ts";

// The tiers are model data; re-exported for the PHR's readers.
export { TIERS, type Tier };

export const PHR_STATUSES = [
  "proposed",
  "approved",
  "applied",
  "validated",
  "rolled-back",
  "rejected",
  "executed",
  "regressed",
  "not-applied",
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

/** Probe fix: the diagnosis of a container the liveness probe kills while it starts (kopt diagnose). */
const probeEvidence = z
  .object({
    ...evidenceHead,
    diagnosis: z
      .object({
        class: z.string().min(1),
        subCause: z.string().min(1).nullable(),
        fingerprint: z.string().min(1).describe("the finding's stable fingerprint (over the cause)"),
        rootCause: z.string().min(1),
        exitCode: z.number().int().nullable(),
        signal: z.string().nullable(),
        terminationReason: z.string().nullable(),
        restarts: z.number().int().min(0),
        backoffSeconds: z.number().min(0).nullable(),
        pods: z.array(z.string()),
        events: z.array(
          z.object({
            reason: z.string().min(1),
            count: z.number().int().min(0),
            first: z.iso.datetime({ offset: true }).nullable(),
            last: z.iso.datetime({ offset: true }).nullable(),
            message: z.string(),
          }),
        ),
        probe: z
          .object({
            probe: z.enum(["liveness", "readiness", "startup"]),
            initialDelaySeconds: z.number().min(0),
            periodSeconds: z.number().min(0),
            timeoutSeconds: z.number().min(0),
            failureThreshold: z.number().min(0),
            killAfterSeconds: z.number().min(0),
            observedStartSeconds: z.number().min(0).nullable(),
          })
          .nullable(),
        crashLine: z.string().nullable(),
        allowsStartSeconds: z.number().min(0).describe("the start time the new probe settings allow"),
        confidence: z.number().min(0).max(1),
        runbook: z.string().min(1),
      })
      .strict(),
  })
  .strict();

/** kind restart: what the agent did itself (status executed), instead of a values change. */
const restartAction = z
  .object({
    type: z.literal("evict").describe("the Eviction API (pods/eviction): it honours PodDisruptionBudgets"),
    pod: z.string().min(1).describe("namespace/name of the pod evicted"),
    podUid: z.string().min(1),
    container: z.string().min(1).describe("the container that ran but was not ready"),
    notReadySince: z.iso.datetime({ offset: true }).describe("when the pod's Ready condition became False"),
    stuckFor: z.string().min(1).describe("agent.actions.restartPods.stuckFor when it was restarted"),
    readyPeers: z.number().int().min(1).describe("other pods of the workload that were ready"),
    executedAt: z.iso.datetime({ offset: true }),
    by: z.string().min(1).describe("the agent replica that acted (its identity)"),
  })
  .strict();

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** A values change writes a scalar, or a list of scalars (a security fix's `capabilities.drop: [ALL]`). */
const valuesValue = z.union([scalar, z.array(scalar).readonly()]);

/** Kind security: a security audit finding the change fixes (`kopt report security`, issue 17). */
const securityEvidence = z
  .object({
    ...evidenceHead,
    finding: z
      .object({
        check: z.string().min(1).describe("the check's id, e.g. pss-allow-privilege-escalation"),
        severity: z.enum(["critical", "high", "medium", "low"]),
        detail: z.string().min(1),
        runbook: z.string().min(1).describe("repository-relative: runbooks/security/<category>.md#<id>"),
        fingerprint: z
          .string()
          .min(1)
          .describe("the finding's stable key in the audit (new / fixed / still open across weeks)"),
      })
      .strict(),
  })
  .strict();

// After merge (kopt verify): the workload's figures over a window (model/verify.ts RolloutMetrics).
const figure = z.number().min(0).nullable();
const rolloutMetrics = z
  .object({
    errorRate: figure.describe("highest error rate in the window, a fraction"),
    errorRateMean: figure,
    p99LatencySeconds: figure,
    restarts: figure,
    oomKills: figure,
    maxUnreadyPods: figure,
    cpuThrottledShare: figure,
    cpuUsageOverRequest: figure.describe("p95 CPU usage / request"),
    memoryUsageOverRequest: figure.describe("p95 memory working set / request"),
    samples: z.number().int().min(0),
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }),
  })
  .strict();

const sha40 = z.string().regex(/^[0-9a-f]{40}$/, { message: "a 40-character commit SHA" });

/** When and through what the merged change reached the cluster (status applied and after). */
const appliedRecord = z
  .object({
    at: z.iso.datetime({ offset: true }),
    revision: sha40.describe("the commit the GitOps tool synced: the merge or a descendant"),
    via: z.string().min(1).describe("the GitOps object, e.g. Argo CD Application argocd/todo-chatbot"),
  })
  .strict();

/** What kopt verify found after the apply: the outcome, and the figures before and after side by side. */
const validationRecord = z
  .object({
    outcome: z.enum(["validated", "regressed", "not-applied"]),
    checkedAt: z.iso.datetime({ offset: true }),
    reasons: z.array(z.string().min(1)).describe("each breach, or why the change was not applied"),
    baseline: rolloutMetrics.optional().describe("the window before the merge"),
    after: rolloutMetrics
      .optional()
      .describe("the window after the apply (the gate, then the stability window)"),
    revert: z
      .object({ branch: z.string().min(1), pullRequest: z.number().int().min(1).optional() })
      .strict()
      .optional()
      .describe("the revert pull request opened on regression"),
  })
  .strict();

/** A kopt pull request a person closed without merging (status rejected): what the learning loop reads. */
const rejectionRecord = z
  .object({
    pullRequest: z.number().int().min(1),
    closedAt: z.iso.datetime({ offset: true }),
    closedBy: z.string().min(1).nullable(),
  })
  .strict();

export const PhrFrontMatterSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{8}$/, { message: "id must be 8 lowercase hex characters" }),
    cluster: z.string().min(1),
    kind: z.enum([...PROPOSAL_KINDS, "rollback", ...ACTION_KINDS]),
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
          from: valuesValue
            .optional()
            .describe("the value the values files gave; absent when no file set it"),
          to: valuesValue,
          running: z
            .string()
            .min(1)
            .optional()
            .describe(
              "what the cluster ran when it differed from `from` (the values file and the cluster disagreed)",
            ),
        }),
      )
      .describe("The values changes; none for kind restart, which records its action instead"),
    evidence: z.array(z.union([usageEvidence, oomEvidence, hpaEvidence, probeEvidence, securityEvidence])),
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
    action: restartAction.optional().describe("kind restart: the pod the agent restarted, and why"),
    applied: appliedRecord.optional().describe("When the GitOps tool applied the merge (kopt verify)"),
    validation: validationRecord.optional().describe("The outcome after the apply (kopt verify)"),
    rejection: rejectionRecord
      .optional()
      .describe("The pull request a person closed unmerged (status rejected)"),
    learned: z
      .array(z.string().min(1))
      .optional()
      .describe("What past outcomes changed in this proposal (the learning loop), in the PR body's words"),
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
    checkAction(f, ctx);
    checkOutcome(f, ctx);
    if ((f.kind === "rollback") !== (f.rollbackOf !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["rollbackOf"],
        message: "a PHR of kind rollback names the change it reverts in rollbackOf, and only such a PHR",
      });
    }
  });

export type PhrFrontMatter = z.output<typeof PhrFrontMatterSchema>;

/** The after-merge statuses carry what they claim: the apply, the verification, the rejection. */
function checkOutcome(
  f: Pick<PhrFrontMatter, "status" | "applied" | "validation" | "rejection" | "merge">,
  ctx: z.RefinementCtx,
): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  const outcome = f.validation?.outcome;
  if (
    (f.status === "validated" || f.status === "regressed" || f.status === "not-applied") &&
    outcome !== f.status
  ) {
    issue("validation", `status ${f.status} needs validation.outcome ${f.status} (what kopt verify found)`);
  }
  if ((f.status === "applied" || f.status === "validated" || f.status === "regressed") && !f.applied) {
    issue(
      "applied",
      `status ${f.status} needs the applied block (when and at which revision it was applied)`,
    );
  }
  if ((f.applied || f.validation) && !f.merge) {
    issue("merge", "a PHR with applied or validation records its merge (kopt after-merge) first");
  }
  if ((f.status === "rejected") !== (f.rejection !== undefined)) {
    issue(
      "rejection",
      "status rejected goes with the rejection block (the pull request a person closed), and only it",
    );
  }
}

/** A values change records its changes; an action (kind restart) records what it did, executed, trivial. */
function checkAction(
  f: Pick<PhrFrontMatter, "kind" | "changes" | "action" | "status" | "tier">,
  ctx: z.RefinementCtx,
): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (f.kind !== "restart") {
    if (f.changes.length === 0) issue("changes", "a PHR records at least one change");
    if (f.action) issue("action", "only a PHR of kind restart records an action");
    return;
  }
  if (!f.action) issue("action", "a PHR of kind restart records its action (the pod evicted)");
  if (f.changes.length > 0) issue("changes", "a PHR of kind restart changes no values: changes must be []");
  if (f.status !== "executed") issue("status", "a PHR of kind restart has status executed");
  if (f.tier !== "trivial") issue("tier", "a PHR of kind restart is tier trivial");
}

export const PHR_FILE_NAME = /^(\d{4}-\d{2}-\d{2})-([0-9a-f]{8})-([a-z0-9-]+)\.md$/;

// ---------------------------------------------------------------------------------------------------------
// The file: front matter between --- lines at the top, then the Markdown body. LF or CRLF line ends.

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/;
const NO_FRONT_MATTER = "no YAML front matter (the file must start with --- ... ---)";
const LINT_HINT = "run `kopt phr lint` for every fault";

/** One thing wrong with a PHR file; `line` counts from the file's first line. */
export interface PhrFault {
  file: string;
  line?: number;
  field?: string;
  message: string;
}

/** A PHR's text checked against the format: its front matter when valid, else every fault (never both). */
export type PhrParse = { front: PhrFrontMatter; faults: [] } | { front: undefined; faults: PhrFault[] };

/** Parses and validates a PHR's front matter; `file` is used in faults only. */
export function parsePhr(text: string, file: string): PhrParse {
  return parseFrontMatter(PhrFrontMatterSchema, text, file);
}

/** The front matter of `text` validated by `schema`, or every fault with its line (not only the first). */
function parseFrontMatter<T>(
  schema: z.ZodType<T>,
  text: string,
  file: string,
): { front: T; faults: [] } | { front: undefined; faults: PhrFault[] } {
  const m = FRONT_MATTER.exec(text);
  if (!m) return { front: undefined, faults: [{ file, line: 1, message: NO_FRONT_MATTER }] };
  try {
    return { front: parseYamlWith("phr", schema, m[1] ?? "", file, ""), faults: [] };
  } catch (err) {
    if (!(err instanceof KoptError)) throw err;
    // +1: the front matter starts on the line after the opening ---.
    const faults = err.problems.map(({ where, message }) => ({
      file,
      line: where.line === undefined ? undefined : where.line + 1,
      field: where.field,
      message,
    }));
    return { front: undefined, faults };
  }
}

/** The validated front matter of a PHR; throws a KoptError naming file, line and field of every fault. */
export function readPhrFront(text: string, file: string): PhrFrontMatter {
  const r = parsePhr(text, file);
  if (r.front) return r.front;
  throw KoptError.of(
    "phr",
    r.faults.map(({ file, line, field, message }) => ({ where: { file, line, field }, message })),
    LINT_HINT,
  );
}

/**
 * The PHR with `patch` applied to its front matter (keys set in place, comments and order kept), its body's
 * Status row set to the new status, and `section` (a `## Heading` block) added or replaced. The rest of the
 * body is kept as written, and so are its line ends (a CRLF file stays CRLF).
 */
export function updatePhr(
  text: string,
  file: string,
  patch: Partial<PhrFrontMatter>,
  section?: { heading: string; body: string },
): string {
  const crlf = text.includes("\r\n");
  const lf = crlf ? text.replace(/\r\n/g, "\n") : text;
  const m = FRONT_MATTER.exec(lf);
  if (!m) throw new KoptError("phr", NO_FRONT_MATTER, { where: { file, line: 1 }, hint: LINT_HINT });
  const doc = parseDocument(m[1] ?? "");
  for (const [key, value] of Object.entries(patch)) doc.set(key, value);
  const front = doc.toString({ lineWidth: 0 });
  // What kopt writes must pass `kopt phr lint`.
  PhrFrontMatterSchema.parse(doc.toJS());
  let body = lf.slice(m[0].length);
  if (patch.status) body = body.replace(/^\| Status \| [^|\n]*\|$/m, `| Status | ${patch.status} |`);
  if (section) body = withSection(body, section);
  const out = `---\n${front}---\n${body}`;
  return crlf ? out.replace(/\n/g, "\r\n") : out;
}

/** `body` with the `## heading` block replaced by `section`, or `section` appended when there is none. */
function withSection(body: string, section: { heading: string; body: string }): string {
  const heading = `## ${section.heading}`;
  const block = `${heading}\n${section.body.trimEnd()}\n`;
  const at = body.indexOf(`\n${heading}\n`);
  if (at < 0) return `${body.trimEnd()}\n\n${block}`;
  const next = body.indexOf("\n## ", at + heading.length + 2);
  return `${body.slice(0, at + 1)}${block}${next >= 0 ? body.slice(next) : ""}`;
}

// ---------------------------------------------------------------------------------------------------------
// Report PHRs (issue 17): `phr/<cluster>/reports/<yyyy>-W<ww>-<health|security>.md`, the weekly report as it
// was published, with a smaller front matter of its own: what it is, and the record next week's report
// compares with. Not a change: the readers of change PHRs (merged-changes, after-merge, verify, rollback,
// stats) skip these by their path, and `kopt phr lint` checks them against this schema.

/** `<period>-<report>.md` under `phr/<cluster>/reports/`. */
export const REPORT_PHR_FILE_NAME = /^(\d{4}-W\d{2})-(health|security)\.md$/;

/** Whether a repository path (or a path ending in one) is a report PHR's. */
export function isReportPhrPath(path: string): boolean {
  const parts = path.split(/[\\/]/);
  return parts.at(-2) === "reports" && REPORT_PHR_FILE_NAME.test(parts.at(-1) ?? "");
}

/** Where a report PHR lives. */
export function reportPhrPath(cluster: string, report: "health" | "security", period: string): string {
  return `phr/${cluster}/reports/${period}-${report}.md`;
}

export const ReportPhrFrontMatterSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{8}$/, { message: "id must be 8 lowercase hex characters" }),
    cluster: z.string().min(1),
    kind: z.literal("report"),
    report: z.enum(["health", "security"]),
    period: z.string().regex(/^\d{4}-W\d{2}$/, { message: "period must be an ISO week, e.g. 2026-W49" }),
    createdAt: z.iso.datetime({ offset: true, message: "createdAt must be an RFC 3339 time" }),
    title: z.string().min(1),
    record: z
      .object({
        headlines: z
          .record(z.string(), z.number().nullable())
          .optional()
          .describe("health: each headline's value by id, for next week's deltas"),
        findings: z
          .array(z.string().min(1))
          .optional()
          .describe("security: the finding keys, for next week's new / fixed / still open"),
        critical: z.number().int().min(0).describe("critical findings in the report"),
      })
      .strict(),
  })
  .strict();

export type ReportPhrFrontMatter = z.output<typeof ReportPhrFrontMatterSchema>;

/** A report PHR's text: its front matter, then `# <title>` and the report's Markdown. */
export function renderReportPhr(front: ReportPhrFrontMatter, body: string): string {
  const checked = ReportPhrFrontMatterSchema.parse(front);
  return `---\n${stringify(checked, { lineWidth: 0 })}---\n# ${checked.title}\n\n${body.trimEnd()}\n`;
}

export type ReportPhrParse =
  | { front: ReportPhrFrontMatter; faults: [] }
  | { front: undefined; faults: PhrFault[] };

/** Parses and validates a report PHR's front matter; `file` is used in faults only. */
export function parseReportPhr(text: string, file: string): ReportPhrParse {
  return parseFrontMatter(ReportPhrFrontMatterSchema, text, file);
}
