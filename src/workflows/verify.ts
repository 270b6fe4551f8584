// `kopt verify`: after a merged change is recorded (after-merge), waits for Argo CD / Flux to apply it,
// judges the rollout's safety gate and then its stability window against the figures before the merge,
// and writes the outcome into the PHR: validated, regressed (and the revert opened at once) or not-applied.
//
// Safe to rerun after a crash at any point: the comments carry hidden markers (commented once), the PHR
// updates of a run land in one record on a branch of their own (a rerun rewrites the same branch), and a
// PHR left `regressed` on the base has its revert opened (rollback's branch: one pull request).
import { type LoadedConfig, loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { isPhrPath } from "../decide/approval.ts";
import { type AppliedRecord, type VerifyStep, verifyStage } from "../decide/verify-step.ts";
import { verifyPolicyFromConfig } from "../formats/config.ts";
import { isReportPhrPath, type PhrFrontMatter, readPhrFront, updatePhr } from "../formats/phr.ts";
import { rfc3339 } from "../model/format.ts";
import {
  type GitOpsTarget,
  gitOpsLabel,
  type RolloutMetrics,
  type VerifyOutcome,
  type VerifyPolicy,
} from "../model/verify.ts";
import type { Forge } from "../propose/forge.ts";
import { openRepository } from "../propose/git-repo.ts";
import { mdCell } from "../propose/markdown.ts";
import { type AfterMergeOutcome, landRecord, type RecordContext } from "./after-merge.ts";
import { openForge } from "./open-forge.ts";
import { decide } from "./verify/observe.ts";
import type { VerifySources } from "./verify/ports.ts";
import {
  OUTCOME_MARKER,
  type OutcomeView,
  outcomeComment,
  SYNC_FAILED_MARKER,
  syncFailedComment,
  verificationSection,
  watchingSection,
} from "./verify/report.ts";
import { openRevert, REVERT_BRANCH, type RevertResult, revertClosed } from "./verify/revert.ts";
import { verifyTarget } from "./verify/target.ts";

export interface VerifyOptions {
  repoDir: string;
  cluster?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides forge.type. */
  forge?: "local" | "github";
  now: Date;
  /** Overrides the GitOps object of kopt.yaml (or the one found under clusters/<name>/). */
  target?: GitOpsTarget;
  /** The config already loaded (the agent's --config); default clusters/<cluster>/kopt.yaml in the repository. */
  loaded?: LoadedConfig;
}

/** What this run did for one PHR. */
export interface VerifiedPhr {
  phr: string;
  id: string;
  title: string;
  pullRequest: number | null;
  /**
   * waiting: not applied yet, or in the gate / window (`applied` set once recorded); validated, regressed,
   * not-applied: the outcome, recorded now; reverting: regressed earlier, its revert made sure of; error: a
   * port failed (tried again on the next run).
   */
  result: "waiting" | VerifyOutcome | "reverting" | "error";
  /** The PHR's status after this run's record. */
  status: PhrFrontMatter["status"];
  reasons: string[];
  applied: AppliedRecord | null;
  revert: RevertResult | null;
  /** Whether this run commented on the change's pull request. */
  commented: boolean;
}

export interface VerifyRun {
  cluster: string;
  /** The GitOps object, e.g. "Argo CD Application argocd/todo-chatbot"; null when no PHR needed it. */
  via: string | null;
  phrs: VerifiedPhr[];
  /** How the PHR updates landed (one record for the run), or null when nothing changed. */
  record: AfterMergeOutcome["record"];
  warnings: string[];
}

export const VERIFY_RECORD_BRANCH = (cluster: string) => `kopt/${cluster}/verify-records`;

/** One PHR's decision and what it changes: the PHR text, the comment, the revert. */
interface Planned {
  path: string;
  text: string;
  front: PhrFrontMatter;
  line: VerifiedPhr;
  update?: string;
  comment?: { marker: string; body: string };
  /** The outcome view of a regression: its revert is opened after the record lands. */
  revert?: OutcomeView;
}

export async function verify(opts: VerifyOptions, sources: VerifySources): Promise<VerifyRun> {
  const repo = await openRepository(opts.repoDir);
  const loaded =
    opts.loaded ?? (await loadClusterConfig(repo.root, await resolveClusterName(repo.root, opts.cluster)));
  const { config } = loaded;
  const env = opts.env ?? process.env;
  const forge = await openForge(repo, loaded, { forge: opts.forge, env, clock: () => opts.now });
  const ctx: RecordContext = { repo, loaded, forge, warnings: [] };
  const { warnings } = ctx;
  const policy = verifyPolicyFromConfig(config.verify);
  // Resolved only when a PHR waits for its apply: a cluster with nothing to verify needs no GitOps object.
  let target: GitOpsTarget | undefined = opts.target;
  const targetOf = async () => {
    target ??= await verifyTarget(forge, config);
    return target;
  };

  const planned: Planned[] = [];
  for (const path of await forge.listBase(`phr/${config.cluster}/`)) {
    // A weekly report's PHR records no change.
    if (!isPhrPath(path) || isReportPhrPath(path)) continue;
    const p = await planPhr({ forge, sources, target: targetOf, policy, now: opts.now, warnings }, path);
    if (p) planned.push(p);
  }
  await pauseRegressed(planned, policy, sources, warnings);
  // Comments before the record: a crash in between leaves the PHR as it was, and the rerun's comment is
  // found by its marker.
  for (const p of planned) p.line.commented = await commentOnce(forge, p);
  const updates = planned.filter((p) => p.update !== undefined);
  const record = updates.length > 0 ? await landVerifyRecord(ctx, updates, opts.now) : null;
  if (record && !record.merged && planned.some((p) => p.revert)) {
    warnings.push(
      "the verify record is not merged: the revert is built on a base without the regressed PHR; merge the record first, or resolve the PHR by hand",
    );
  }
  for (const p of planned) {
    if (!p.revert) continue;
    if (p.line.result === "reverting" && (await revertClosed(forge, p.front))) {
      warnings.push(
        `${p.path}: its revert (${REVERT_BRANCH(p.front)}) was closed without merging: kopt leaves the change regressed; run kopt rollback ${p.path} to revert it after all`,
      );
      continue;
    }
    p.line.revert = await openRevert(
      {
        repoDir: repo.root,
        cluster: config.cluster,
        ...(opts.forge ? { forgeType: opts.forge } : {}),
        env,
        now: opts.now,
        policy,
        loaded,
        warnings,
        forge: async () => openForge(await openRepository(repo.root), loaded, { forge: opts.forge, env }),
      },
      p.path,
      p.revert,
    );
  }
  const via = target ? gitOpsLabel(target) : null;
  return { cluster: config.cluster, via, phrs: planned.map((p) => p.line), record, warnings };
}

interface PlanContext {
  forge: Forge;
  sources: VerifySources;
  /** The GitOps object, resolved on first use. */
  target: () => Promise<GitOpsTarget>;
  policy: VerifyPolicy;
  now: Date;
  warnings: string[];
}

/** One PHR: read, decided against the ports, and turned into its update, comment and revert. */
async function planPhr(c: PlanContext, path: string): Promise<Planned | undefined> {
  const text = (await c.forge.readBase(path)) as string;
  let front: PhrFrontMatter;
  try {
    front = readPhrFront(text, path);
  } catch (e) {
    c.warnings.push(`${path}: ${(e as Error).message}; not verified (run \`kopt phr lint\`)`);
    return undefined;
  }
  const line: VerifiedPhr = {
    phr: path,
    id: front.id,
    title: front.title,
    pullRequest: front.merge?.pullRequest ?? null,
    result: "waiting",
    status: front.status,
    reasons: [],
    applied: front.applied ?? null,
    revert: null,
    commented: false,
  };
  let decided: Awaited<ReturnType<typeof decide>>;
  try {
    // Only a PHR waiting for its apply asks the GitOps tool (and names it in its applied record).
    const target = verifyStage(front).stage === "apply" ? await c.target() : undefined;
    const via = target ? gitOpsLabel(target) : (front.applied?.via ?? "");
    decided = await decide({ front, now: c.now, policy: c.policy, via }, c.sources, target);
  } catch (e) {
    const message = `${(e as Error).message}; tried again on the next run`;
    c.warnings.push(`${path}: ${message}`);
    return { path, text, front, line: { ...line, result: "error", reasons: [message] } };
  }
  const { step, input } = decided;
  if (step.do === "leave") return undefined;
  return applyDecision({ path, text, front, line }, step, input.metrics?.baseline ?? null, c);
}

type Decision = Exclude<VerifyStep, { do: "ask" | "measure" | "leave" }>;

/** The PHR update, comment and revert a decision asks for. */
function applyDecision(
  p: Planned,
  step: Decision,
  baseline: OutcomeView["baseline"],
  c: PlanContext,
): Planned {
  const { front, line } = p;
  const pull = front.merge?.pullRequest;
  if (step.do === "revert") {
    const v = front.validation;
    const view: OutcomeView = {
      front,
      outcome: "regressed",
      reasons: step.reasons,
      checkedAt: v?.checkedAt ?? rfc3339(c.now),
      ...(front.applied ? { applied: front.applied } : {}),
      ...(v?.baseline ? { baseline: v.baseline } : {}),
      ...(v?.after ? { after: v.after } : {}),
    };
    return { ...p, line: { ...line, result: "reverting", reasons: step.reasons }, revert: view };
  }
  if (step.do === "wait") {
    const next: Planned = { ...p, line: { ...line, reasons: [step.why] } };
    if (step.applied) {
      next.line.applied = step.applied;
      next.line.status = "applied";
      const at = Date.parse(step.applied.at);
      const ends = {
        gate: rfc3339(new Date(at + c.policy.gateSeconds * 1000)),
        window: rfc3339(new Date(at + c.policy.windowSeconds * 1000)),
      };
      next.update = updatePhr(
        p.text,
        p.path,
        { status: "applied", applied: step.applied },
        { heading: "Verification", body: watchingSection(step.applied, rfc3339(c.now), ends) },
      );
    }
    if (step.syncFailed && pull) {
      next.comment = {
        marker: SYNC_FAILED_MARKER(front.id),
        body: syncFailedComment(front.id, step.why),
      };
    }
    return next;
  }
  return concluded(p, step, baseline, c.now);
}

/** Figures as the PHR keeps them: 6 significant digits (0.01, not the sum's 0.010000000000000002). */
function recorded(m: RolloutMetrics): RolloutMetrics {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) out[k] = typeof v === "number" ? Number(v.toPrecision(6)) : v;
  return out as unknown as RolloutMetrics;
}

/** validated, regressed or not-applied: the PHR's status, validation block and section; the comment. */
function concluded(
  p: Planned,
  step: Extract<Decision, { do: "conclude" }>,
  baseline: OutcomeView["baseline"],
  now: Date,
): Planned {
  const { front } = p;
  const checkedAt = rfc3339(now);
  const regressed = step.outcome === "regressed";
  const view: OutcomeView = {
    front,
    outcome: step.outcome,
    reasons: step.reasons,
    checkedAt,
    ...(step.applied ? { applied: step.applied } : {}),
    ...(step.after ? { baseline, after: step.after } : {}),
    ...(regressed ? { revertBranch: REVERT_BRANCH(front) } : {}),
  };
  const validation: NonNullable<PhrFrontMatter["validation"]> = {
    outcome: step.outcome,
    checkedAt,
    reasons: step.reasons,
    ...(step.after && baseline ? { baseline: recorded(baseline) } : {}),
    ...(step.after ? { after: recorded(step.after) } : {}),
    ...(regressed ? { revert: { branch: REVERT_BRANCH(front) } } : {}),
  };
  const update = updatePhr(
    p.text,
    p.path,
    { status: step.outcome, ...(step.applied ? { applied: step.applied } : {}), validation },
    { heading: "Verification", body: verificationSection(view) },
  );
  // The view of the revert reads the PHR as the record leaves it.
  const afterRecord = { ...view, front: { ...front, status: step.outcome, validation } };
  return {
    ...p,
    update,
    line: {
      ...p.line,
      result: step.outcome,
      status: step.outcome,
      reasons: step.reasons,
      applied: step.applied ?? p.line.applied,
    },
    ...(front.merge
      ? { comment: { marker: OUTCOME_MARKER(front.id, step.outcome), body: outcomeComment(view) } }
      : {}),
    ...(regressed ? { revert: afterRecord } : {}),
  };
}

/** verify.onRegression: pause — the workloads of each newly regressed change, through the optional port. */
async function pauseRegressed(
  planned: Planned[],
  policy: VerifyPolicy,
  sources: VerifySources,
  warnings: string[],
): Promise<void> {
  if (policy.onRegression !== "pause") return;
  for (const p of planned) {
    if (p.line.result !== "regressed") continue;
    if (!sources.pauseRollout) {
      warnings.push(
        `${p.front.id}: verify.onRegression is pause, but this run cannot pause rollouts (the agent does, with the chart's RBAC rule): opening the revert only`,
      );
      continue;
    }
    for (const w of p.front.workloads) {
      const r = await sources
        .pauseRollout(w)
        .catch((e: unknown) => ({ outcome: "failed", message: String(e) }));
      if ("message" in r) {
        warnings.push(
          `${p.front.id}: could not pause ${w.namespace}/${w.name} (${r.message}): opening the revert only`,
        );
      }
    }
  }
}

async function commentOnce(forge: Forge, p: Planned): Promise<boolean> {
  const pull = p.front.merge?.pullRequest;
  if (!p.comment || pull === undefined) return false;
  if (await forge.hasComment(pull, p.comment.marker, true)) return false;
  await forge.comment(pull, p.comment.body);
  return true;
}

/** All PHR updates of the run in one record, on the verify branch (trivial, merged by kopt). */
async function landVerifyRecord(ctx: RecordContext, updates: Planned[], now: Date) {
  const { cluster } = ctx.loaded.config;
  const what = updates.map(
    (u) => `${u.line.pullRequest ? `#${u.line.pullRequest}` : u.front.id} ${u.line.status}`,
  );
  const rows = updates.map(
    (u) =>
      `| [${u.path}](${u.path}) | ${u.line.pullRequest ? `#${u.line.pullRequest}` : "—"} | \`${u.line.status}\` | ${u.line.reasons.map(mdCell).join("; ") || "—"} |`,
  );
  return landRecord(ctx, {
    files: updates.map((u) => ({ path: u.path, content: u.update as string })),
    message: `kopt: record the verification of ${what.join(", ")}\n\n${updates.map((u) => `PHR: ${u.path}`).join("\n")}\n`,
    date: rfc3339(now),
    branch: VERIFY_RECORD_BRANCH(cluster),
    title: `kopt: record the verification of ${what.join(", ")}`,
    body: [
      "## kopt: verify record",
      "",
      "**Tier:** `trivial` — PHR-only record update, no approval needed (logged) · **Cost:** none",
      "",
      "| PHR | Pull request | Status | Why |",
      "|---|---|---|---|",
      ...rows,
      "",
      "### Roll back",
      "Revert this pull request's merge: it changes only audit records.",
    ].join("\n"),
    kind: "record",
  });
}
