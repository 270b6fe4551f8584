import { describe, expect, it } from "vitest";
import type { PhrFrontMatter } from "../formats/phr.ts";
import type { AppliedState, RolloutMetrics, RolloutState, VerifyPolicy } from "../model/verify.ts";
import { type VerifyStepInput, verifyStep, verifyWindows } from "./verify-step.ts";

const MERGE_SHA = "a".repeat(40);
const LATER_SHA = "b".repeat(40);
const MERGE_AT = "2026-12-01T12:00:00Z";
const VIA = "Argo CD Application argocd/todo";

const POLICY: VerifyPolicy = {
  applyTimeoutSeconds: 7200,
  gateSeconds: 120,
  windowSeconds: 3600,
  baselineSeconds: 3600,
  errorRateMax: 0.05,
  latencyMaxIncrease: 0.5,
  onRegression: "revert",
};

const FRONT: PhrFrontMatter = {
  id: "0123abcd",
  cluster: "demo",
  kind: "rightsize",
  tier: "medium",
  status: "approved",
  createdAt: "2026-12-01T10:00:00Z",
  title: "Right-size todo/backend",
  workloads: [{ namespace: "todo", kind: "Deployment", name: "backend" }],
  changes: [
    {
      file: "clusters/demo/values.yaml",
      path: "backend.resources.requests.memory",
      from: "512Mi",
      to: "256Mi",
    },
  ],
  evidence: [],
  confidence: 0.9,
  cost: { currency: "USD", monthlyBefore: 10, monthlyAfter: 5, monthlyDelta: -5 },
  rollback: { how: "revert" },
  merge: {
    pullRequest: 7,
    sha: MERGE_SHA,
    at: MERGE_AT,
    by: "alice",
    openedAt: "2026-12-01T11:00:00Z",
    approvalLatencyMinutes: 3,
  },
};

const APPLIED: AppliedState = {
  state: "applied",
  revision: MERGE_SHA,
  at: "2026-12-01T12:03:00Z",
  reason: "Synced",
};
const PENDING: AppliedState = {
  state: "pending",
  revision: null,
  at: null,
  reason: "Synced to 1111111, an older commit",
};
const FAILED: AppliedState = {
  state: "failed",
  revision: null,
  at: null,
  reason: "sync failed: bad manifest",
};
const ROLLED: RolloutState = {
  state: "rolled-out",
  startedAt: "2026-12-01T12:04:00Z",
  reason: "3/3 pods updated",
};
const MISMATCH: RolloutState = {
  state: "mismatch",
  startedAt: null,
  reason: "container backend requests.memory is 512Mi, the change says 256Mi",
};

const at = (iso: string) => new Date(iso);
const minutesAfterMerge = (m: number) => new Date(Date.parse(MERGE_AT) + m * 60_000);

function metrics(start: string, end: string, m: Partial<RolloutMetrics> = {}): RolloutMetrics {
  return {
    errorRate: 0.01,
    errorRateMean: 0.005,
    p99LatencySeconds: 0.3,
    restarts: 0,
    oomKills: 0,
    maxUnreadyPods: 0,
    cpuThrottledShare: 0.01,
    cpuUsageOverRequest: 0.6,
    memoryUsageOverRequest: 0.7,
    samples: 10,
    start,
    end,
    ...m,
  };
}

/** Runs the step, answering each ask / measure with `answers`, as the workflow does. */
function run(
  input: Omit<VerifyStepInput, "policy" | "via"> & { policy?: VerifyPolicy },
  answers: {
    gitops?: AppliedState;
    rollout?: RolloutState;
    gate?: Partial<RolloutMetrics>;
    window?: Partial<RolloutMetrics>;
  } = {},
) {
  const asked: string[] = [];
  let i: VerifyStepInput = { policy: POLICY, via: VIA, ...input };
  for (let n = 0; n < 5; n++) {
    const s = verifyStep(i);
    if (s.do === "ask") {
      asked.push(s.port);
      i = { ...i, [s.port]: s.port === "gitops" ? answers.gitops : answers.rollout };
      continue;
    }
    if (s.do === "measure") {
      asked.push("metrics");
      const w = s.windows;
      const iso = (d: Date) => d.toISOString();
      i = {
        ...i,
        metrics: {
          baseline: metrics(iso(w.baseline.start), iso(w.baseline.end)),
          gate: metrics(iso(w.gate.start), iso(w.gate.end), answers.gate),
          window: metrics(iso(w.window.start), iso(w.window.end), answers.window),
        },
      };
      continue;
    }
    return { step: s, asked };
  }
  throw new Error("the step never decided");
}

describe("verifyStep: waiting for the apply", () => {
  it("waits while the GitOps tool has not synced the merge, without asking the workload", () => {
    const { step, asked } = run({ front: FRONT, now: minutesAfterMerge(5) }, { gitops: PENDING });
    expect(step).toEqual({ do: "wait", why: `${VIA}: ${PENDING.reason}` });
    expect(asked).toEqual(["gitops"]);
  });

  it("is not-applied once the timeout passed, exactly at the limit, with the reason", () => {
    const before = run(
      { front: FRONT, now: new Date(Date.parse(MERGE_AT) + 7_199_999) },
      { gitops: PENDING },
    );
    expect(before.step.do).toBe("wait");
    const { step } = run({ front: FRONT, now: minutesAfterMerge(120) }, { gitops: PENDING });
    expect(step).toEqual({
      do: "conclude",
      outcome: "not-applied",
      reasons: [`${VIA} had not applied it 2 hours after the merge: ${PENDING.reason}`],
    });
  });

  it("reports a failed sync on each run but waits (Argo CD and Flux retry) until the timeout", () => {
    const { step } = run({ front: FRONT, now: minutesAfterMerge(10) }, { gitops: FAILED });
    expect(step).toEqual({ do: "wait", why: `${VIA}: ${FAILED.reason}`, syncFailed: FAILED.reason });
    const late = run({ front: FRONT, now: minutesAfterMerge(121) }, { gitops: FAILED });
    expect(late.step).toMatchObject({ do: "conclude", outcome: "not-applied" });
    expect(late.step.do === "conclude" && late.step.reasons[0]).toContain(
      "sync failed: bad manifest, still at 2 hours after the merge",
    );
  });

  it("records the apply after a failed sync that the tool retried", () => {
    const failed = run({ front: FRONT, now: minutesAfterMerge(10) }, { gitops: FAILED });
    expect(failed.step.do).toBe("wait");
    const { step, asked } = run(
      { front: FRONT, now: minutesAfterMerge(5) },
      { gitops: APPLIED, rollout: ROLLED },
    );
    expect(asked).toEqual(["gitops", "rollout", "metrics"]);
    // 1 minute after the new pods started: in the gate; the apply is recorded now.
    expect(step).toEqual({
      do: "wait",
      why: "in the safety gate until 2026-12-01T12:06:00Z",
      applied: { at: ROLLED.startedAt, revision: MERGE_SHA, via: VIA },
    });
  });

  it("takes the GitOps tool's time when the rollout's start is unknown, and a later revision as applied", () => {
    const later = { ...APPLIED, revision: LATER_SHA };
    const { step } = run(
      { front: FRONT, now: minutesAfterMerge(3.5) },
      { gitops: later, rollout: { ...ROLLED, startedAt: null } },
    );
    expect(step).toMatchObject({ do: "wait", applied: { at: APPLIED.at, revision: LATER_SHA, via: VIA } });
  });

  it("waits while the pods do not run the change's values, and says so at the timeout", () => {
    const early = run({ front: FRONT, now: minutesAfterMerge(30) }, { gitops: APPLIED, rollout: MISMATCH });
    expect(early.step).toMatchObject({ do: "wait" });
    expect(early.step.do === "wait" && early.step.why).toContain("another values file wins");
    const late = run({ front: FRONT, now: minutesAfterMerge(120) }, { gitops: APPLIED, rollout: MISMATCH });
    expect(late.step).toMatchObject({ do: "conclude", outcome: "not-applied" });
    expect(late.step.do === "conclude" && late.step.reasons[0]).toContain(MISMATCH.reason);
  });

  it("waits while the rollout progresses", () => {
    const progressing: RolloutState = { state: "progressing", startedAt: null, reason: "1/3 pods updated" };
    const { step } = run(
      { front: FRONT, now: minutesAfterMerge(4) },
      { gitops: APPLIED, rollout: progressing },
    );
    expect(step).toEqual({ do: "wait", why: "rolling out: 1/3 pods updated" });
  });
});

describe("verifyStep: the gate and the window", () => {
  const applied = { at: "2026-12-01T12:04:00Z", revision: MERGE_SHA, via: VIA };
  const appliedFront: PhrFrontMatter = { ...FRONT, status: "applied", applied };

  it("calls an error rate above the limit in the gate a regression at once", () => {
    const { step } = run(
      { front: appliedFront, now: at("2026-12-01T12:05:00Z") },
      { gate: { errorRate: 0.082 } },
    );
    expect(step).toMatchObject({
      do: "conclude",
      outcome: "regressed",
      phase: "gate",
      reasons: ["error rate 8.2% > 5% (0.5% before the change)"],
      applied,
    });
  });

  it("validates after the window in the same run as the apply (applied an hour ago)", () => {
    const { step, asked } = run(
      { front: FRONT, now: at("2026-12-01T13:10:00Z") },
      { gitops: APPLIED, rollout: ROLLED },
    );
    expect(asked).toEqual(["gitops", "rollout", "metrics"]);
    expect(step).toMatchObject({ do: "conclude", outcome: "validated", phase: "window", reasons: [] });
    expect(step.do === "conclude" && step.applied).toEqual({
      at: ROLLED.startedAt,
      revision: MERGE_SHA,
      via: VIA,
    });
  });

  it("waits in the window after a clean gate, and regresses on an OOM kill in the window", () => {
    const inWindow = run({ front: appliedFront, now: at("2026-12-01T12:30:00Z") });
    expect(inWindow.step).toEqual({ do: "wait", why: "in the stability window until 2026-12-01T13:04:00Z" });
    const oom = run({ front: appliedFront, now: at("2026-12-01T12:30:00Z") }, { window: { oomKills: 1 } });
    expect(oom.step).toMatchObject({
      do: "conclude",
      outcome: "regressed",
      phase: "window",
      reasons: ["1 OOM kill"],
    });
  });

  it("validates exactly at the window's end", () => {
    const { step } = run({ front: appliedFront, now: at("2026-12-01T13:04:00Z") });
    expect(step).toMatchObject({ do: "conclude", outcome: "validated" });
  });
});

describe("verifyStep: what verify leaves alone", () => {
  it("leaves validated, not-applied, rolled-back and proposed PHRs, rollbacks and approved PHRs without a merge", () => {
    for (const status of ["validated", "not-applied", "rolled-back", "proposed"] as const) {
      expect(run({ front: { ...FRONT, status }, now: minutesAfterMerge(5) }).step).toEqual({
        do: "leave",
        why: `status ${status}`,
      });
    }
    const { merge: _merge, ...noMerge } = FRONT;
    expect(run({ front: noMerge, now: minutesAfterMerge(5) }).step.do).toBe("leave");
    const rollback = { ...FRONT, kind: "rollback" as const };
    expect(run({ front: rollback, now: minutesAfterMerge(5) }).step.do).toBe("leave");
  });

  it("asks for the revert of a PHR regressed earlier whose revert is not merged", () => {
    const regressed: PhrFrontMatter = {
      ...FRONT,
      status: "regressed",
      validation: { outcome: "regressed", checkedAt: MERGE_AT, reasons: ["1 OOM kill"] },
    };
    expect(run({ front: regressed, now: minutesAfterMerge(5) })).toEqual({
      step: { do: "revert", reasons: ["1 OOM kill"] },
      asked: [],
    });
  });
});

describe("verifyWindows", () => {
  it("measures the baseline before the merge and caps the gate and the window at now", () => {
    const w = verifyWindows(MERGE_AT, "2026-12-01T12:04:00Z", at("2026-12-01T12:05:00Z"), POLICY);
    expect(w.baseline).toEqual({ start: at("2026-12-01T11:00:00Z"), end: at(MERGE_AT) });
    expect(w.gate).toEqual({ start: at("2026-12-01T12:04:00Z"), end: at("2026-12-01T12:05:00Z") });
    const later = verifyWindows(MERGE_AT, "2026-12-01T12:04:00Z", at("2026-12-01T14:00:00Z"), POLICY);
    expect(later.gate.end).toEqual(at("2026-12-01T12:06:00Z"));
    expect(later.window.end).toEqual(at("2026-12-01T13:04:00Z"));
    // A clock behind the apply: an empty window, never a negative one.
    const skew = verifyWindows(MERGE_AT, "2026-12-01T12:04:00Z", at("2026-12-01T12:00:00Z"), POLICY);
    expect(skew.gate.end).toEqual(skew.gate.start);
  });
});
