// What `kopt verify` does next for one PHR on the base branch: wait for the GitOps tool, record the apply,
// judge the safety gate and then the stability window, or conclude (validated, regressed, not-applied).
// Pure: the ports' answers, the merge time and `now` are handed in. A change applied an hour ago is
// judged through both phases in one run: the step needs no memory of earlier runs beyond the PHR.
import { judgeRollout } from "../analyze/rollout-verdict.ts";
import type { PhrFrontMatter } from "../formats/phr.ts";
import { formatDuration, rfc3339 } from "../model/format.ts";
import type {
  AppliedState,
  RolloutMetrics,
  RolloutState,
  VerifyOutcome,
  VerifyPolicy,
} from "../model/verify.ts";

/** The PHR's `applied` block: when and through what the change reached the cluster. */
export interface AppliedRecord {
  at: string;
  revision: string;
  via: string;
}

/** Where verify stands on a PHR before asking the cluster anything. */
export type VerifyStage =
  | { stage: "leave"; why: string }
  /** Merged and recorded (approved): is it applied yet? */
  | { stage: "apply"; mergeAt: string; mergeSha: string }
  /** Applied (recorded earlier): judge the gate and the window. */
  | { stage: "judge"; mergeAt: string; applied: AppliedRecord }
  /** Regressed, its revert not merged yet: make sure the revert is open (a crash may have stopped it). */
  | { stage: "revert"; reasons: string[] };

/** The stage from the front matter alone: which PHRs verify looks at, and what it needs to ask. */
export function verifyStage(front: PhrFrontMatter): VerifyStage {
  if (front.kind === "rollback" || front.kind === "restart") {
    return { stage: "leave", why: `kind ${front.kind}: nothing to verify` };
  }
  const merge = front.merge;
  switch (front.status) {
    case "approved":
      if (!merge) return { stage: "leave", why: "approved without a recorded merge (run kopt after-merge)" };
      return { stage: "apply", mergeAt: merge.at, mergeSha: merge.sha };
    case "applied":
      if (!merge || !front.applied)
        return { stage: "leave", why: "applied without its merge or apply record" };
      return { stage: "judge", mergeAt: merge.at, applied: front.applied };
    case "regressed":
      return { stage: "revert", reasons: front.validation?.reasons ?? [] };
    default:
      return { stage: "leave", why: `status ${front.status}` };
  }
}

/** The windows verify measures: before the merge, and from the apply to now (capped at each phase's end). */
export function verifyWindows(
  mergeAt: string,
  appliedAt: string,
  now: Date,
  policy: Pick<VerifyPolicy, "baselineSeconds" | "gateSeconds" | "windowSeconds">,
): { baseline: Span; gate: Span; window: Span } {
  const merge = Date.parse(mergeAt);
  const applied = Date.parse(appliedAt);
  const upTo = (seconds: number): Span => {
    const end = Math.max(applied, Math.min(now.getTime(), applied + seconds * 1000));
    return { start: new Date(applied), end: new Date(end) };
  };
  return {
    baseline: { start: new Date(merge - policy.baselineSeconds * 1000), end: new Date(merge) },
    gate: upTo(policy.gateSeconds),
    window: upTo(policy.windowSeconds),
  };
}

export interface Span {
  start: Date;
  end: Date;
}

/** What the ports said about a PHR still waiting for its apply. */
export interface ApplyInput {
  mergeAt: string;
  mergeSha: string;
  now: Date;
  policy: Pick<VerifyPolicy, "applyTimeoutSeconds">;
  /** gitOpsLabel(target). */
  via: string;
  gitops: AppliedState;
  /** Asked only once the GitOps tool reports the apply. */
  rollout?: RolloutState;
}

export type ApplyStep =
  | { next: "applied"; applied: AppliedRecord }
  /** `syncFailed`: the tool reported a failed sync; reported on every run, final only at the timeout. */
  | { next: "wait"; why: string; syncFailed?: string }
  | { next: "not-applied"; reasons: string[] };

/** Applied when the tool synced the merge (or a descendant) and every replica runs the change's values. */
export function applyStep(a: ApplyInput): ApplyStep {
  const timedOut = a.now.getTime() - Date.parse(a.mergeAt) >= a.policy.applyTimeoutSeconds * 1000;
  const limit = `${formatDuration(a.policy.applyTimeoutSeconds)} after the merge`;
  const { gitops, rollout } = a;
  if (gitops.state === "applied" && rollout?.state === "rolled-out") {
    const at = rollout.startedAt ?? gitops.at ?? rfc3339(a.now);
    return { next: "applied", applied: { at, revision: gitops.revision ?? a.mergeSha, via: a.via } };
  }
  if (gitops.state === "failed") {
    if (timedOut) return { next: "not-applied", reasons: [`${a.via}: ${gitops.reason}, still at ${limit}`] };
    return { next: "wait", why: `${a.via}: ${gitops.reason}`, syncFailed: gitops.reason };
  }
  if (gitops.state === "pending" || !rollout) {
    if (timedOut)
      return { next: "not-applied", reasons: [`${a.via} had not applied it ${limit}: ${gitops.reason}`] };
    return { next: "wait", why: `${a.via}: ${gitops.reason}` };
  }
  if (rollout.state === "mismatch") {
    const why = `the pods do not run the change's values (another values file wins?): ${rollout.reason}`;
    if (timedOut) return { next: "not-applied", reasons: [`${why}, still at ${limit}`] };
    return { next: "wait", why };
  }
  if (timedOut)
    return { next: "not-applied", reasons: [`the rollout had not finished ${limit}: ${rollout.reason}`] };
  return { next: "wait", why: `rolling out: ${rollout.reason}` };
}

/** The figures of an applied change: the baseline, the gate (from the apply) and the window so far. */
export interface JudgeInput {
  applied: AppliedRecord;
  now: Date;
  policy: VerifyPolicy;
  baseline: RolloutMetrics | null;
  gate: RolloutMetrics;
  window: RolloutMetrics;
}

export type JudgeStep =
  | { next: "wait"; phase: "gate" | "window"; why: string }
  | {
      next: "outcome";
      outcome: Exclude<VerifyOutcome, "not-applied">;
      phase: "gate" | "window";
      reasons: string[];
      /** The figures the outcome stands on: the gate's on a regression in the gate, else the window's. */
      after: RolloutMetrics;
    };

/** The gate first, then the window; a breach in either is a regression at once. */
export function judgeStep(j: JudgeInput): JudgeStep {
  const applied = Date.parse(j.applied.at);
  const now = j.now.getTime();
  const { policy, baseline } = j;
  const gate = judgeRollout({
    phase: "gate",
    policy,
    baseline,
    after: j.gate,
    complete: now >= applied + policy.gateSeconds * 1000,
  });
  if (gate.verdict === "regression") {
    return { next: "outcome", outcome: "regressed", phase: "gate", reasons: gate.reasons, after: j.gate };
  }
  if (gate.verdict === "wait") {
    return {
      next: "wait",
      phase: "gate",
      why: `in the safety gate until ${endOf(applied, policy.gateSeconds)}`,
    };
  }
  const window = judgeRollout({
    phase: "window",
    policy,
    baseline,
    after: j.window,
    complete: now >= applied + policy.windowSeconds * 1000,
  });
  if (window.verdict === "regression") {
    return {
      next: "outcome",
      outcome: "regressed",
      phase: "window",
      reasons: window.reasons,
      after: j.window,
    };
  }
  if (window.verdict === "wait") {
    return {
      next: "wait",
      phase: "window",
      why: `in the stability window until ${endOf(applied, policy.windowSeconds)}`,
    };
  }
  return { next: "outcome", outcome: "validated", phase: "window", reasons: window.reasons, after: j.window };
}

function endOf(startMs: number, seconds: number): string {
  return rfc3339(new Date(startMs + seconds * 1000));
}

/** What verify knows about one PHR: its front matter, the time and policy, and what the ports said so far. */
export interface VerifyStepInput {
  front: PhrFrontMatter;
  now: Date;
  policy: VerifyPolicy;
  /** gitOpsLabel(target): the `via` of the applied record. */
  via: string;
  gitops?: AppliedState;
  rollout?: RolloutState;
  metrics?: { baseline: RolloutMetrics | null; gate: RolloutMetrics; window: RolloutMetrics };
}

/** The next thing to do: ask a port (then call again with its answer), or the decision. */
export type VerifyStep =
  | { do: "leave"; why: string }
  | { do: "ask"; port: "gitops" | "rollout" }
  /** Measure these windows (the metrics port) and call again. */
  | { do: "measure"; applied: AppliedRecord; windows: ReturnType<typeof verifyWindows> }
  /** Nothing final yet; `applied` set: record the apply now (status applied). */
  | { do: "wait"; why: string; applied?: AppliedRecord; syncFailed?: string }
  | {
      do: "conclude";
      outcome: VerifyOutcome;
      reasons: string[];
      applied?: AppliedRecord;
      phase?: "gate" | "window";
      after?: RolloutMetrics;
    }
  /** Regressed earlier: its revert must be open (reruns converge on one). */
  | { do: "revert"; reasons: string[] };

/** One PHR's next step; the workflow answers each `ask` / `measure` and calls again until it gets a decision. */
export function verifyStep(i: VerifyStepInput): VerifyStep {
  const stage = verifyStage(i.front);
  if (stage.stage === "leave") return { do: "leave", why: stage.why };
  if (stage.stage === "revert") return { do: "revert", reasons: stage.reasons };
  let applied: AppliedRecord;
  let recordApplied = false;
  if (stage.stage === "apply") {
    if (!i.gitops) return { do: "ask", port: "gitops" };
    if (i.gitops.state === "applied" && !i.rollout) return { do: "ask", port: "rollout" };
    const a = applyStep({
      ...stage,
      now: i.now,
      policy: i.policy,
      via: i.via,
      gitops: i.gitops,
      rollout: i.rollout,
    });
    if (a.next === "wait")
      return { do: "wait", why: a.why, ...(a.syncFailed ? { syncFailed: a.syncFailed } : {}) };
    if (a.next === "not-applied") return { do: "conclude", outcome: "not-applied", reasons: a.reasons };
    applied = a.applied;
    recordApplied = true;
  } else {
    applied = stage.applied;
  }
  if (!i.metrics)
    return { do: "measure", applied, windows: verifyWindows(stage.mergeAt, applied.at, i.now, i.policy) };
  const j = judgeStep({ applied, now: i.now, policy: i.policy, ...i.metrics });
  const newly = recordApplied ? { applied } : {};
  if (j.next === "wait") return { do: "wait", why: j.why, ...newly };
  return { do: "conclude", outcome: j.outcome, reasons: j.reasons, phase: j.phase, after: j.after, applied };
}
