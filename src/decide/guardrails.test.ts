import { describe, expect, it } from "vitest";
import {
  AGENT,
  API,
  CART,
  CLUSTER,
  change,
  clusterState,
  costEffect,
  DAY,
  GI,
  HALVE,
  hpaState,
  MI,
  mapping,
  NOW,
  ONE_CORE_ONE_GI,
  recommendation,
  res,
  VALUES,
  valueChange,
  withSidecar,
  workload,
} from "../../test/support/model-fixtures.ts";
import type { HpaChange } from "../analyze/hpa.ts";
import type { OomEvidence } from "../analyze/oom.ts";
import type { LearnedFor } from "../analyze/outcomes.ts";
import type { WorkloadMapping } from "../formats/config.ts";
import {
  DEFAULT_GUARDRAILS,
  DEFAULT_POLICY,
  type GuardrailPolicy,
  type PriceModel,
  type Range,
  type WorkloadBounds,
} from "../model/policy.ts";
import type { FieldChange, Recommendation } from "../model/recommendation.ts";
import type { ClusterState, Resources, Workload } from "../model/types.ts";
import { applyGuardrails, boundsFor, type GuardrailRule, type RecentChange } from "./guardrails.ts";
import {
  buildProposal,
  type Candidate,
  type Candidates,
  type CostEffect,
  hpaCandidates,
  oomCandidates,
  type Proposal,
  proposalCost,
  proposalId,
  rightsizeCandidates,
} from "./proposals.ts";

// Round prices so costs can be checked by hand: one core is 29.20 a month (0.04 x 730 h), one GiB 3.65.
const PRICES: PriceModel = { currency: "EUR", cpuHour: 0.04, memoryGiBHour: 0.005 };
const POLICY = { ...DEFAULT_POLICY, pricing: PRICES };

/** A proposal as the guardrails leave it: the proposal without its notes, and the notes. */
interface Adjusted {
  proposal: Proposal;
  notes: string[];
}

/** A held-back candidate, named by the proposal it would have been without guardrails. */
interface HeldBack {
  proposal: Proposal;
  reason: string;
  rule: GuardrailRule;
}

interface GuardrailResult {
  kept: Adjusted[];
  heldBack: HeldBack[];
}

/** The candidate each proposal of these tests was built from, without guardrails. */
const candidateOf = new WeakMap<Proposal, Candidate>();

/** A monthly cost effect at PRICES. */
function eur(monthlyBefore: number, monthlyAfter: number, monthlyDelta: number): CostEffect {
  return costEffect("EUR", monthlyBefore, monthlyAfter, monthlyDelta);
}

/** What applyGuardrails says of a candidate it held back, by the proposal it would have made. */
function held(proposal: Proposal | undefined, rule: GuardrailRule, reason: string): HeldBack {
  return { proposal: proposal as Proposal, rule, reason };
}

/** A recommendation for the workload's container, current values taken from the workload. */
function rec(w: Workload, changes: FieldChange[], container = "app"): Recommendation {
  const current = structuredClone(
    (w.containers.find((c) => c.name === container) as Workload["containers"][number]).resources,
  );
  return recommendation(w.ref, container, current, changes);
}

/** The real decideRightsize: one proposal for the workload, written under <name>.resources. */
function propose(w: Workload, changes: FieldChange[], mapping: Partial<WorkloadMapping> = {}): Proposal {
  const recs = mapping.resources ? w.containers.map((c) => rec(w, changes, c.name)) : [rec(w, changes)];
  return proposeRecs(w, recs, mapping);
}

/** The workload's mapping, written under <name>. */
function mappingFor(w: Workload, extra: Partial<WorkloadMapping>): WorkloadMapping {
  return mapping(`${w.ref.namespace}/${w.ref.name}`, { prefix: w.ref.name, ...extra });
}

/** The one candidate found, built into its proposal without guardrails. */
function only(state: ClusterState, found: Candidates): Proposal {
  expect(found.candidates).toHaveLength(1);
  const candidate = found.candidates[0] as Candidate;
  const proposal = buildProposal(state, candidate, POLICY);
  candidateOf.set(proposal, candidate);
  return proposal;
}

function proposeRecs(w: Workload, recs: Recommendation[], mapping: Partial<WorkloadMapping> = {}): Proposal {
  const state = clusterState([w]);
  return only(
    state,
    rightsizeCandidates(state, { recommendations: recs, skipped: [] }, [mappingFor(w, mapping)]),
  );
}

/** The real decideOom: an OOM raise for the workload's "app" container. */
function proposeOom(w: Workload, changes: FieldChange[]): Proposal {
  const { current, recommended } = rec(w, changes);
  const evidence: OomEvidence = {
    podsOomKilled: 1,
    prometheusKills: 0,
    lastKillAt: null,
    pods: [`${w.ref.name}-7d9f8b6c5-x2k4q`],
    memory: null,
    limit: current.limits.memory ?? 0,
    candidates: [{ rule: "limit + 50%", bytes: recommended.limits.memory ?? 0 }],
  };
  const recommendations = [{ workload: w.ref, container: "app", current, recommended, changes, evidence }];
  const state = clusterState([w]);
  return only(state, oomCandidates(state, { recommendations, skipped: [] }, [mappingFor(w, {})]));
}

/** The workload with an HPA: at min, at max, or in between, running `current` replicas. */
function withHpa(w: Workload, minReplicas: number, maxReplicas: number, current: number): Workload {
  return { ...w, hpa: hpaState(w.ref.name, minReplicas, maxReplicas, { current }) };
}

/** A week of 5-minute steps: confidence 1. */
const HPA_EVIDENCE = { windowHours: 168, steps: 2016, stepSeconds: 300 };

/** The real decideHpa: one "hpa" proposal for the workload, written under <name>.autoscaling. */
function proposeHpa(w: Workload, changes: HpaChange[]): Proposal {
  const recommendations = changes.map((change) => ({
    workload: w.ref,
    change,
    evidence: HPA_EVIDENCE,
    reason: `Finding: ${change.kind}.`,
  }));
  const state = clusterState([w]);
  return only(state, hpaCandidates(state, { recommendations, skipped: [] }, [mappingFor(w, {})]));
}

interface Run {
  proposals: Proposal[];
  workloads: Workload[];
  policy?: Partial<GuardrailPolicy>;
  recent?: RecentChange[];
  learned?: LearnedFor[];
}

/**
 * applyGuardrails on the candidates of these proposals, checking in every test that each input proposal
 * comes out exactly once.
 */
function run(r: Run): GuardrailResult {
  const before = structuredClone(r.proposals);
  const guarded = applyGuardrails({
    candidates: r.proposals.map((p) => candidateOf.get(p) as Candidate),
    state: clusterState(r.workloads),
    policy: { ...POLICY, guardrails: { ...DEFAULT_GUARDRAILS, ...r.policy } },
    recent: r.recent ?? [],
    now: NOW,
    learned: r.learned ?? [],
  });
  const byId = new Map(r.proposals.map((p) => [p.id, p]));
  const result: GuardrailResult = {
    kept: guarded.proposals.map(({ notes, ...proposal }) => ({ proposal, notes: notes ?? [] })),
    heldBack: guarded.heldBack.map((h) => ({
      proposal: byId.get(proposalId(CLUSTER, h.workload, h.kind)) as Proposal,
      rule: h.rule,
      reason: h.reason,
    })),
  };
  expect(result.kept.length + result.heldBack.length).toBe(r.proposals.length);
  const out = [...result.kept.map((k) => k.proposal.id), ...result.heldBack.map((h) => h.proposal.id)];
  expect(out.sort()).toEqual(r.proposals.map((p) => p.id).sort());
  // Held-back proposals are the inputs as they came in, and no input is modified.
  for (const h of result.heldBack) expect(r.proposals).toContain(h.proposal);
  expect(r.proposals).toEqual(before);
  return result;
}

/** run() for one proposal of one workload. */
function runOne(
  p: Proposal,
  w: Workload,
  extra: Pick<Run, "policy" | "recent" | "learned"> = {},
): GuardrailResult {
  return run({ proposals: [p], workloads: [w], ...extra });
}

/** A policy with `bounds` for one workload (or namespace/*). */
function bounds(b: WorkloadBounds, workload = "shop/api"): Partial<GuardrailPolicy> {
  return { bounds: [{ workload, bounds: b }] };
}

/** The one proposal kept, when nothing was held back. */
function keptOnly(result: GuardrailResult): Adjusted {
  expect(result.heldBack).toEqual([]);
  expect(result.kept).toHaveLength(1);
  return result.kept[0] as Adjusted;
}

/** A table row: one proposal of shop/api from `current`, kept with these notes and these new values. */
interface StepCase<V = string | null> {
  title: string;
  current: Resources;
  changes: FieldChange[];
  policy?: Partial<GuardrailPolicy>;
  notes: string[];
  values: V[];
}

/** The one proposal kept of one proposal for one workload under `policy`. */
function keepOne(p: Proposal, w: Workload, policy?: Partial<GuardrailPolicy>): Adjusted {
  return keptOnly(runOne(p, w, { policy }));
}

describe("DEFAULT_GUARDRAILS", () => {
  it("is not paused, opens at most 10 proposals, cuts at most 50% at once and cools down for 7 days", () => {
    expect(DEFAULT_GUARDRAILS).toEqual({
      paused: false,
      maxProposalsPerRun: 10,
      maxCutFraction: 0.5,
      cooldownSeconds: 604800,
      ignore: [],
      bounds: [],
    });
  });
});

describe("applyGuardrails: nothing to hold back", () => {
  it("keeps the proposal itself, without notes", () => {
    const w = workload(API);
    const p = propose(w, HALVE);
    expect(runOne(p, w)).toEqual({
      kept: [{ proposal: p, notes: [] }],
      heldBack: [],
    });
    expect(runOne(p, w).kept[0]?.proposal).toStrictEqual(p);
  });

  it("returns nothing for no proposals", () => {
    expect(run({ proposals: [], workloads: [] })).toEqual({ kept: [], heldBack: [] });
  });
});

describe("applyGuardrails: paused", () => {
  it("holds back every proposal, OOM raises included, before any other rule", () => {
    const api = workload(API, ONE_CORE_ONE_GI, { annotations: { "kopt.dev/ignore": "true" } });
    const cart = workload(CART);
    const p = propose(api, HALVE);
    const oom = proposeOom(cart, [change("limits.memory", 2 * GI, 3 * GI)]);
    const result = run({ proposals: [p, oom], workloads: [api, cart], policy: { paused: true } });
    expect(result).toEqual({
      kept: [],
      heldBack: [
        held(p, "paused", "paused: true in kopt.yaml"),
        held(oom, "paused", "paused: true in kopt.yaml"),
      ],
    });
  });
});

describe("applyGuardrails: ignore", () => {
  it('holds back a workload annotated kopt.dev/ignore: "true"', () => {
    const w = workload(API, ONE_CORE_ONE_GI, { annotations: { "kopt.dev/ignore": "true" } });
    const p = propose(w, HALVE);
    expect(runOne(p, w).heldBack).toEqual([
      held(p, "ignored", 'annotation kopt.dev/ignore: "true" on shop/api'),
    ]);
  });

  it('reads the annotation case-insensitively ("True") and keeps a workload annotated "false"', () => {
    const yes = workload(API, ONE_CORE_ONE_GI, { annotations: { "kopt.dev/ignore": "True" } });
    const no = workload(CART, ONE_CORE_ONE_GI, { annotations: { "kopt.dev/ignore": "false" } });
    const pYes = propose(yes, HALVE);
    const pNo = propose(no, HALVE);
    const result = run({ proposals: [pYes, pNo], workloads: [yes, no] });
    expect(result.heldBack).toEqual([
      held(pYes, "ignored", 'annotation kopt.dev/ignore: "True" on shop/api'),
    ]);
    expect(result.kept).toEqual([{ proposal: pNo, notes: [] }]);
  });

  it("holds back a workload listed in ignore, by name or by namespace/*", () => {
    const api = workload(API);
    const cart = workload(CART);
    const agent = workload(AGENT);
    const ps = [propose(api, HALVE), propose(cart, HALVE), propose(agent, HALVE)];
    const byName = run({ proposals: ps, workloads: [api, cart, agent], policy: { ignore: ["shop/api"] } });
    expect(byName.heldBack).toEqual([held(ps[0], "ignored", "ignore: shop/api in kopt.yaml")]);
    // Same cost effect, so ranked by workload: kube-system/... before shop/...
    expect(byName.kept.map((k) => k.proposal)).toEqual([ps[2], ps[1]]);

    const byNamespace = run({ proposals: ps, workloads: [api, cart, agent], policy: { ignore: ["shop/*"] } });
    expect(byNamespace.heldBack).toEqual([
      held(ps[0], "ignored", "ignore: shop/* in kopt.yaml"),
      held(ps[1], "ignored", "ignore: shop/* in kopt.yaml"),
    ]);
    expect(byNamespace.kept.map((k) => k.proposal)).toEqual([ps[2]]);
  });

  it("holds back OOM raises too, and names the annotation when both opt it out", () => {
    const w = workload(API, ONE_CORE_ONE_GI, { annotations: { "kopt.dev/ignore": "true" } });
    const oom = proposeOom(w, [change("limits.memory", 2 * GI, 3 * GI)]);
    expect(runOne(oom, w, { policy: { ignore: ["shop/api"] } }).heldBack).toEqual([
      held(oom, "ignored", 'annotation kopt.dev/ignore: "true" on shop/api'),
    ]);
  });
});

describe("applyGuardrails: what past outcomes taught", () => {
  const w = workload(API);
  const lesson = (learned: LearnedFor["learned"], kind: LearnedFor["kind"] = "rightsize"): LearnedFor[] => [
    { workload: API, kind, learned },
  ];

  it("holds a workload back for its learned, longer cooldown, saying what taught it", () => {
    const p = propose(w, HALVE);
    const learned = lesson(
      { cooldownSeconds: 14 * DAY, reasons: ["cooldown 14 days instead of 7 days: #7 was rolled back"] },
      "hpa",
    );
    const recent = [{ workload: API, kind: "hpa", mergedAt: NOW - 10 * DAY }];
    expect(runOne(p, w, { recent, learned }).heldBack).toEqual([
      held(
        p,
        "cooldown",
        "changed 10 days ago (hpa, merged 2026-11-10 12:00 UTC); cooldown 14 days, until 2026-11-24 12:00 UTC (learned: cooldown 14 days instead of 7 days: #7 was rolled back)",
      ),
    ]);
    // Without the lesson, 10 days is past the cooldown.
    expect(runOne(p, w, { recent }).heldBack).toEqual([]);
  });

  it("raises the proposal's tier to the learned one and carries the reasons; other kinds and workloads keep theirs", () => {
    const p = propose(w, HALVE);
    const reasons = ["tier at least critical: #7 regressed (error rate 8.2% > 5%)"];
    expect(p.tier).not.toBe("critical");
    const kept = keptOnly(runOne(p, w, { learned: lesson({ minTier: "critical", reasons }) })).proposal;
    expect(kept.tier).toBe("critical");
    expect(kept.learned).toEqual(reasons);
    const other = keptOnly(
      runOne(p, w, { learned: lesson({ minTier: "critical", reasons }, "oom") }),
    ).proposal;
    expect(other.tier).toBe(p.tier);
    expect(other.learned).toBeUndefined();
  });
  it("says so where the max step lowered the tier and the lesson raises it again", () => {
    const p = propose(w, [change("requests.cpu", 1, 0.49), change("requests.memory", GI, 500 * MI)]);
    const reasons = ["tier at least critical: #7 regressed (error rate 8.2% > 5%)"];
    const kept = keptOnly(runOne(p, w, { learned: lesson({ minTier: "critical", reasons }) }));
    expect(kept.proposal.tier).toBe("critical");
    expect(kept.notes).toContain(
      "tier critical -> medium (approval: one architect); raised to critical by what was learned",
    );
    expect(kept.notes).not.toContain("tier critical -> medium (approval: one architect)");
  });
});

describe("applyGuardrails: cooldown", () => {
  const w = workload(API);
  const merged = (mergedAt: number, kind = "rightsize", ref = API): RecentChange => ({
    workload: ref,
    kind,
    mergedAt,
  });

  it("holds back a workload changed 2 days ago, saying when the cooldown ends", () => {
    const p = propose(w, HALVE);
    expect(runOne(p, w, { recent: [merged(NOW - 2 * DAY)] }).heldBack).toEqual([
      held(
        p,
        "cooldown",
        "changed 2 days ago (rightsize, merged 2026-11-18 12:00 UTC); cooldown 7 days, until 2026-11-25 12:00 UTC",
      ),
    ]);
  });

  it("ends exactly cooldownSeconds after the merge: 7 days ago is free, 7 days less a second is not", () => {
    const p = propose(w, HALVE);
    expect(runOne(p, w, { recent: [merged(NOW - 7 * DAY)] }).kept).toEqual([{ proposal: p, notes: [] }]);
    expect(runOne(p, w, { recent: [merged(NOW - 7 * DAY + 1)] }).heldBack).toEqual([
      held(
        p,
        "cooldown",
        "changed 6 days ago (rightsize, merged 2026-11-13 12:00 UTC); cooldown 7 days, until 2026-11-20 12:00 UTC",
      ),
    ]);
  });

  it("counts from the latest merge to the workload, of any kind, in hours below a day", () => {
    const p = propose(w, HALVE);
    const recent = [merged(NOW - 20 * DAY), merged(NOW - 5 * 3600 - 59, "oom"), merged(NOW - 3 * DAY)];
    expect(runOne(p, w, { recent }).heldBack).toEqual([
      held(
        p,
        "cooldown",
        "changed 5 hours ago (oom, merged 2026-11-20 06:59 UTC); cooldown 7 days, until 2026-11-27 06:59 UTC",
      ),
    ]);
  });

  it("ignores changes to other workloads, including one of the same name in another namespace", () => {
    const p = propose(w, HALVE);
    const recent = [
      merged(NOW - DAY, "rightsize", CART),
      merged(NOW - DAY, "rightsize", { ...API, namespace: "dev" }),
    ];
    expect(runOne(p, w, { recent }).kept).toEqual([{ proposal: p, notes: [] }]);
  });

  it("uses a configured cooldown", () => {
    const p = propose(w, HALVE);
    const policy = { cooldownSeconds: 36 * 3600 };
    expect(runOne(p, w, { recent: [merged(NOW - DAY)], policy }).heldBack).toEqual([
      held(
        p,
        "cooldown",
        "changed 1 day ago (rightsize, merged 2026-11-19 12:00 UTC); cooldown 36 hours, until 2026-11-21 00:00 UTC",
      ),
    ]);
    expect(runOne(p, w, { recent: [merged(NOW - 2 * DAY)], policy }).heldBack).toEqual([]);
  });

  it("exempts OOM raises, and only them", () => {
    const cart = workload(CART);
    const oom = proposeOom(w, [change("limits.memory", 2 * GI, 3 * GI)]);
    const rightsize = propose(cart, HALVE);
    const result = run({
      proposals: [oom, rightsize],
      workloads: [w, cart],
      recent: [merged(NOW - DAY, "rightsize", API), merged(NOW - DAY, "rightsize", CART)],
    });
    expect(result.kept).toEqual([{ proposal: oom, notes: [] }]);
    expect(result.heldBack.map((h) => [h.proposal, h.rule])).toEqual([[rightsize, "cooldown"]]);
  });
});

describe("applyGuardrails: bounds", () => {
  it("clamps a raise to the max, and re-prices it", () => {
    const w = workload(API);
    const p = propose(w, [change("requests.cpu", 1, 3), change("limits.cpu", 2, 4)]);
    const { proposal, notes } = keepOne(p, w, bounds({ cpu: { max: 2.5 } }));
    expect(notes).toEqual([
      "app requests.cpu 1 -> 3: clamped to 2500m (bounds max 2500m)",
      "app limits.cpu 2 -> 4: clamped to 2500m (bounds max 2500m)",
    ]);
    expect(proposal.valueChanges).toEqual([
      valueChange("api.resources.requests.cpu", "requests.cpu", "2500m"),
      valueChange("api.resources.limits.cpu", "limits.cpu", "2500m"),
    ]);
    const r = proposal.recommendations[0] as Recommendation;
    expect(r.changes).toEqual([change("requests.cpu", 1, 2.5), change("limits.cpu", 2, 2.5)]);
    expect(r.recommended).toEqual(res([2.5, GI], [2.5, 2 * GI]));
    expect(r.current).toEqual(ONE_CORE_ONE_GI);
    // Before: (1 x 29.20 + 1 x 3.65) x 2 = 65.70. After: (2.5 x 29.20 + 3.65) x 2 = 153.30.
    expect(p.cost).toEqual(eur(65.7, 182.5, 116.8));
    expect(proposal.cost).toEqual(eur(65.7, 153.3, 87.6));
    expect({
      ...proposal,
      recommendations: p.recommendations,
      valueChanges: p.valueChanges,
      cost: p.cost,
    }).toEqual(p);
  });

  it("clamps a cut to the min", () => {
    const w = workload(API);
    const p = propose(w, HALVE);
    const { proposal, notes } = keepOne(p, w, bounds({ memory: { min: 768 * MI } }));
    expect(notes).toEqual(["app requests.memory 1Gi -> 512Mi: clamped to 768Mi (bounds min 768Mi)"]);
    expect(proposal.valueChanges.map((v) => [v.field, v.to])).toEqual([
      ["requests.cpu", "500m"],
      ["requests.memory", "768Mi"],
      ["limits.cpu", null],
    ]);
    expect(proposal.recommendations[0]?.recommended).toEqual(res([0.5, 768 * MI], [null, 2 * GI]));
    // After: (0.5 x 29.20 + 0.75 x 3.65) x 2 = 34.675, which monthlyCost rounds to 34.67 (binary float).
    expect(proposal.cost).toEqual(eur(65.7, 34.67, -31.03));
  });

  it("drops a change the bounds hold at its current value, and leaves a removed limit alone", () => {
    const w = workload(API);
    const p = propose(w, HALVE);
    const { proposal, notes } = keepOne(p, w, bounds({ cpu: { min: 1, max: 1.5 } }));
    expect(notes).toEqual(["app requests.cpu 1 -> 500m: left at 1 (bounds min 1, max 1500m)"]);
    expect(proposal.recommendations[0]?.changes).toEqual([
      change("requests.memory", GI, 512 * MI),
      change("limits.cpu", 2, null),
    ]);
    expect(proposal.recommendations[0]?.recommended).toEqual(res([1, 512 * MI], [null, 2 * GI]));
    expect(proposal.valueChanges.map((v) => [v.path, v.to])).toEqual([
      ["api.resources.requests.memory", "512Mi"],
      ["api.resources.limits.cpu", null],
    ]);
    // After: (29.20 + 0.5 x 3.65) x 2 = 62.05.
    expect(proposal.cost).toEqual(eur(65.7, 62.05, -3.65));
  });

  it("holds the proposal back when the bounds leave nothing to change", () => {
    const w = workload(API);
    const p = propose(w, [change("requests.cpu", 1, 0.5), change("requests.memory", GI, 512 * MI)]);
    const result = runOne(p, w, { policy: bounds({ cpu: { min: 1 }, memory: { min: GI } }) });
    expect(result).toEqual({
      kept: [],
      heldBack: [
        held(
          p,
          "bounds",
          "nothing left to change: app requests.cpu 1 -> 500m: left at 1 (bounds min 1); " +
            "app requests.memory 1Gi -> 512Mi: left at 1Gi (bounds min 1Gi)",
        ),
      ],
    });
  });

  it("never turns a raise into a cut when the current value is already above the max", () => {
    const w = workload(API, res([3, GI], [4, 2 * GI]));
    const p = propose(w, [change("requests.cpu", 3, 3.5)]);
    const result = runOne(p, w, { policy: bounds({ cpu: { max: 2 } }, "shop/*") });
    expect(result.heldBack).toEqual([
      held(
        p,
        "bounds",
        "nothing left to change: app requests.cpu 3 -> 3500m: left at 3 (bounds max 2 would turn this raise into a cut)",
      ),
    ]);
  });

  it("removes a container with nothing left from a multi-container proposal, and says so", () => {
    const w = workload(API, withSidecar(res([0.2, 128 * MI], [null, 256 * MI])));
    const app = rec(w, [change("requests.cpu", 1, 0.5)], "app");
    const envoy = rec(w, [change("requests.memory", 128 * MI, 96 * MI)], "envoy");
    const p = proposeRecs(w, [app, envoy], { resources: { app: "api.resources", envoy: "envoy.resources" } });
    const { proposal, notes } = keepOne(p, w, bounds({ memory: { min: 128 * MI } }));
    expect(notes).toEqual([
      "envoy requests.memory 128Mi -> 96Mi: left at 128Mi (bounds min 128Mi)",
      "envoy: nothing left to change; left out of this proposal",
    ]);
    expect(proposal.recommendations).toEqual([app]);
    expect(proposal.valueChanges).toEqual([
      valueChange("api.resources.requests.cpu", "requests.cpu", "500m"),
    ]);
    // Before: (1.2 x 29.20 + 1.125 x 3.65) x 2 = 78.2925 -> 78.29; after: (0.7 x 29.20 + 1.125 x 3.65) x 2 = 49.0925 -> 49.09.
    expect(proposal.cost).toEqual(eur(78.29, 49.09, -29.2));
  });

  it("leaves right-sizing alone under replica bounds", () => {
    const w = workload(API);
    const p = propose(w, HALVE);
    const policy = bounds({ replicas: { min: 3, max: 5 } });
    expect(runOne(p, w, { policy }).kept).toEqual([{ proposal: p, notes: [] }]);
  });
});

describe("applyGuardrails: replica bounds on HPA proposals", () => {
  // One replica of 1 CPU / 1Gi requests costs 29.20 + 3.65 = 32.85 a month.
  const replicaBounds = (replicas: Range) => bounds({ replicas });
  const setting = (name: string, to: number | boolean) => ({
    file: VALUES,
    path: `api.autoscaling.${name}`,
    setting: name,
    to,
  });

  it("limits a raised max to the bounds max, re-pricing it exactly as decideHpa would", () => {
    const w = withHpa(workload(API), 2, 4, 4);
    const p = proposeHpa(w, [{ kind: "raise-max", from: 4, to: 12 }]);
    const { proposal, notes } = keepOne(p, w, replicaBounds({ max: 10 }));
    expect(notes).toEqual(["maxReplicas 4 -> 12: limited to 10 (bounds.replicas.max)"]);
    expect(proposal.settingChanges).toEqual([setting("maxReplicas", 10)]);
    expect(proposal.hpa?.map((r) => r.change)).toEqual([{ kind: "raise-max", from: 4, to: 10 }]);
    expect(proposal.hpa?.[0]?.evidence).toBe(p.hpa?.[0]?.evidence);
    // Pinned at its max, it runs at the new max. Before: 4 x 32.85 = 131.40; proposed: 12 x 32.85 = 394.20;
    // after the clamp: 10 x 32.85 = 328.50.
    expect(p.cost).toEqual(eur(131.4, 394.2, 262.8));
    expect(proposal.cost).toEqual(eur(131.4, 328.5, 197.1));
    expect(proposal).toEqual(proposeHpa(w, [{ kind: "raise-max", from: 4, to: 10 }]));
  });

  it("holds back a raised max that the bounds max leaves at the current max", () => {
    const w = withHpa(workload(API), 2, 10, 10);
    const p = proposeHpa(w, [{ kind: "raise-max", from: 10, to: 14 }]);
    expect(runOne(p, w, { policy: replicaBounds({ max: 10 }) }).heldBack).toEqual([
      held(p, "bounds", "nothing left to change: maxReplicas 10 -> 14: left at 10 (bounds.replicas.max)"),
    ]);
  });

  it("never turns a raised max into a cut when the current max is already above the bounds max", () => {
    const w = withHpa(workload(API), 5, 6, 6);
    const p = proposeHpa(w, [{ kind: "raise-max", from: 6, to: 10 }]);
    expect(runOne(p, w, { policy: replicaBounds({ max: 4 }) }).heldBack).toEqual([
      held(
        p,
        "bounds",
        "nothing left to change: maxReplicas 6 -> 10: left at 6 (bounds.replicas.max 4 would turn this raise into a cut)",
      ),
    ]);
  });

  it("limits a lowered min to the bounds min, re-pricing it exactly as decideHpa would", () => {
    const w = withHpa(workload(API), 6, 10, 6);
    const p = proposeHpa(w, [{ kind: "lower-min", from: 6, to: 2 }]);
    const { proposal, notes } = keepOne(p, w, replicaBounds({ min: 3 }));
    expect(notes).toEqual(["minReplicas 6 -> 2: limited to 3 (bounds.replicas.min)"]);
    expect(proposal.settingChanges).toEqual([setting("minReplicas", 3)]);
    expect(proposal.hpa?.map((r) => r.change)).toEqual([{ kind: "lower-min", from: 6, to: 3 }]);
    // Idle at its min, it runs at the new min. Before: 6 x 32.85 = 197.10; proposed: 2 x 32.85 = 65.70;
    // after the clamp: 3 x 32.85 = 98.55.
    expect(p.cost).toEqual(eur(197.1, 65.7, -131.4));
    expect(proposal.cost).toEqual(eur(197.1, 98.55, -98.55));
    expect(proposal).toEqual(proposeHpa(w, [{ kind: "lower-min", from: 6, to: 3 }]));
  });

  it("clamps a new HPA's min and max, comparing them with nothing, and prices it within its new range", () => {
    const w = workload(API); // 2 replicas, no HPA
    const p = proposeHpa(w, [
      { kind: "enable-hpa", minReplicas: 2, maxReplicas: 12, targetCPUUtilizationPercentage: 70 },
    ]);
    const { proposal, notes } = keepOne(p, w, replicaBounds({ min: 3, max: 8 }));
    expect(notes).toEqual([
      "minReplicas 2 (new HPA): limited to 3 (bounds.replicas.min)",
      "maxReplicas 12 (new HPA): limited to 8 (bounds.replicas.max)",
    ]);
    expect(proposal.settingChanges).toEqual([
      setting("enabled", true),
      setting("minReplicas", 3),
      setting("maxReplicas", 8),
      setting("targetCPUUtilizationPercentage", 70),
    ]);
    expect(proposal.hpa?.map((r) => r.change)).toEqual([
      { kind: "enable-hpa", minReplicas: 3, maxReplicas: 8, targetCPUUtilizationPercentage: 70 },
    ]);
    // Enabling starts from today's 2 replicas (2 x 32.85 = 65.70); a min of 3 runs at least 3: 98.55.
    expect(p.cost).toEqual(eur(65.7, 65.7, 0));
    expect(proposal.cost).toEqual(eur(65.7, 98.55, 32.85));
  });

  it("keeps a new HPA whose min and max the bounds leave where they were proposed", () => {
    const w = workload(API, ONE_CORE_ONE_GI, { replicas: 3 });
    const p = proposeHpa(w, [
      { kind: "enable-hpa", minReplicas: 3, maxReplicas: 12, targetCPUUtilizationPercentage: 70 },
    ]);
    const { proposal, notes } = keepOne(p, w, replicaBounds({ min: 3, max: 3 }));
    expect(notes).toEqual(["maxReplicas 12 (new HPA): limited to 3 (bounds.replicas.max)"]);
    // min 3 = max 3: the "enabled" change and the target are still proposed.
    expect(proposal.settingChanges?.map((c) => [c.setting, c.to])).toEqual([
      ["enabled", true],
      ["minReplicas", 3],
      ["maxReplicas", 3],
      ["targetCPUUtilizationPercentage", 70],
    ]);
    expect(proposal.cost.monthlyDelta).toBe(0);
  });

  it("lowers a min that the bounds put above the max to the max, and says so", () => {
    // The namespace's min 5 and the workload's max 3 merge into bounds whose min is above their max.
    const w = workload(API); // 2 replicas, no HPA
    const p = proposeHpa(w, [
      { kind: "enable-hpa", minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70 },
    ]);
    const policy = {
      bounds: [
        { workload: "shop/*", bounds: { replicas: { min: 5 } } },
        { workload: "shop/api", bounds: { replicas: { max: 3 } } },
      ],
    };
    const { proposal, notes } = keepOne(p, w, policy);
    expect(notes).toEqual([
      "minReplicas 2 (new HPA): limited to 5 (bounds.replicas.min)",
      "maxReplicas 10 (new HPA): limited to 3 (bounds.replicas.max)",
      "minReplicas 5: lowered to the maxReplicas 3 (an HPA's minReplicas may not exceed its maxReplicas)",
    ]);
    expect(proposal.settingChanges?.map((c) => [c.setting, c.to])).toEqual([
      ["enabled", true],
      ["minReplicas", 3],
      ["maxReplicas", 3],
      ["targetCPUUtilizationPercentage", 70],
    ]);
    expect(proposal.hpa?.map((r) => r.change)).toEqual([
      { kind: "enable-hpa", minReplicas: 3, maxReplicas: 3, targetCPUUtilizationPercentage: 70 },
    ]);
    // From 2 replicas to at least 3: 3 x 32.85 = 98.55.
    expect(proposal.cost).toEqual(eur(65.7, 98.55, 32.85));
  });

  it("leaves out a finding whose setting the bounds emptied, and keeps the rest", () => {
    const w = withHpa(workload(API), 2, 10, 10);
    const p = proposeHpa(w, [
      { kind: "raise-max", from: 10, to: 14 },
      { kind: "stabilize-scale-down", stabilizationWindowSeconds: 600 },
    ]);
    const { proposal, notes } = keepOne(p, w, replicaBounds({ max: 10 }));
    expect(notes).toEqual([
      "maxReplicas 10 -> 14: left at 10 (bounds.replicas.max)",
      "raise-max: nothing left to change; left out of this proposal",
    ]);
    expect(proposal.settingChanges).toEqual([setting("scaleDownStabilizationSeconds", 600)]);
    expect(proposal.hpa).toEqual([p.hpa?.[1]]);
    // Only the stabilization window is left: 10 x 32.85 = 328.50 before and after.
    expect(proposal.cost).toEqual(eur(328.5, 328.5, 0));
    expect(proposal).toEqual(
      proposeHpa(w, [{ kind: "stabilize-scale-down", stabilizationWindowSeconds: 600 }]),
    );
  });

  it("keeps the proposal itself within the bounds, and applies no max step to replica counts", () => {
    const w = withHpa(workload(API), 8, 10, 8);
    // 8 -> 2 is a 75% cut: the max step (50%) is for requests and limits only.
    const p = proposeHpa(w, [{ kind: "lower-min", from: 8, to: 2 }]);
    const result = runOne(p, w, { policy: replicaBounds({ min: 1, max: 20 }) });
    expect(result).toEqual({ kept: [{ proposal: p, notes: [] }], heldBack: [] });
    expect(result.kept[0]?.proposal).toStrictEqual(p);
  });

  it("leaves settings other than minReplicas and maxReplicas alone", () => {
    const w = withHpa(workload(API), 2, 10, 6);
    const p = proposeHpa(w, [{ kind: "stabilize-scale-down", stabilizationWindowSeconds: 600 }]);
    const result = runOne(p, w, { policy: replicaBounds({ min: 3, max: 5 }) });
    expect(result.kept[0]?.proposal).toStrictEqual(p);
  });
});

describe("applyGuardrails: bounds on OOM raises", () => {
  const policy = bounds({ memory: { max: 2.5 * GI } });

  it("clamps an OOM raise to the memory max, like any other change", () => {
    const w = workload(API);
    const p = proposeOom(w, [change("limits.memory", 2 * GI, 3 * GI)]);
    const { proposal, notes } = keepOne(p, w, policy);
    expect(notes).toEqual(["app limits.memory 2Gi -> 3Gi: clamped to 2560Mi (bounds max 2560Mi)"]);
    expect(proposal.recommendations).toEqual([]);
    expect(proposal.oom?.[0]?.changes).toEqual([change("limits.memory", 2 * GI, 2.5 * GI)]);
    expect(proposal.oom?.[0]?.recommended).toEqual(res([1, GI], [2, 2.5 * GI]));
    expect(proposal.oom?.[0]?.evidence).toBe(p.oom?.[0]?.evidence);
    expect(proposal.valueChanges).toEqual([
      valueChange("api.resources.limits.memory", "limits.memory", "2560Mi"),
    ]);
    // A +50% raise is tier low, and so is +25%. Limits cost nothing (requests are what nodes reserve).
    expect([p.tier, proposal.tier]).toEqual(["low", "low"]);
    expect(proposal.cost).toEqual(eur(65.7, 65.7, 0));
  });

  it("holds back an OOM raise when the limit is already at the max", () => {
    const w = workload(API, res([1, GI], [2, 2.5 * GI]));
    const p = proposeOom(w, [change("limits.memory", 2.5 * GI, 3.75 * GI)]);
    expect(runOne(p, w, { policy }).heldBack).toEqual([
      held(
        p,
        "bounds",
        "nothing left to change: app limits.memory 2560Mi -> 3840Mi: left at 2560Mi (bounds max 2560Mi)",
      ),
    ]);
  });
});

describe("boundsFor", () => {
  const policy: GuardrailPolicy = {
    ...DEFAULT_GUARDRAILS,
    bounds: [
      { workload: "shop/api", bounds: { cpu: { max: 2 } } },
      { workload: "shop/*", bounds: { cpu: { min: 0.1, max: 4 }, memory: { max: 8 * GI } } },
      { workload: "shop/api", bounds: { replicas: { min: 2 } } },
    ],
  };

  it("merges namespace/* entries first, then the workload's own, end by end", () => {
    expect(boundsFor(policy, API)).toEqual({
      cpu: { min: 0.1, max: 2 },
      memory: { max: 8 * GI },
      replicas: { min: 2 },
    });
    expect(boundsFor(policy, CART)).toEqual({ cpu: { min: 0.1, max: 4 }, memory: { max: 8 * GI } });
    expect(boundsFor(policy, AGENT)).toEqual({});
  });
});

describe("applyGuardrails: max step", () => {
  const w = workload(API);

  it("passes a cut of exactly 50% unclamped", () => {
    const p = propose(w, HALVE);
    expect(keepOne(p, w)).toEqual({ proposal: p, notes: [] });
  });

  it("limits a 51% cut to 50%, re-pricing it", () => {
    const p = propose(w, [change("requests.cpu", 1, 0.49), change("requests.memory", GI, 500 * MI)]);
    const { proposal, notes } = keepOne(p, w);
    expect(notes).toEqual([
      "app requests.cpu 1 -> 490m: a cut of 51%, limited to 500m (max step 50% per change; the rest in later runs)",
      "app requests.memory 1Gi -> 500Mi: a cut of 51%, limited to 512Mi (max step 50% per change; the rest in later runs)",
      "tier critical -> medium (approval: one architect)",
    ]);
    expect(proposal.valueChanges.map((v) => [v.path, v.to])).toEqual([
      ["api.resources.requests.cpu", "500m"],
      ["api.resources.requests.memory", "512Mi"],
    ]);
    expect(proposal.recommendations[0]?.changes).toEqual([
      change("requests.cpu", 1, 0.5),
      change("requests.memory", GI, 512 * MI),
    ]);
    expect(proposal.recommendations[0]?.recommended).toEqual(res([0.5, 512 * MI], [2, 2 * GI]));
    // A cut of more than half is critical (two approvers); the 50% step left of it is medium.
    expect([p.tier, proposal.tier]).toEqual(["critical", "medium"]);
    // After: (0.5 x 29.20 + 0.5 x 3.65) x 2 = 32.85.
    expect(proposal.cost).toEqual(eur(65.7, 32.85, -32.85));
  });

  it("never limits a raise", () => {
    const p = propose(w, [change("requests.cpu", 1, 4), change("limits.cpu", 2, 8)]);
    expect(keepOne(p, w)).toEqual({ proposal: p, notes: [] });
  });

  it("holds back a cut that rounding brings back to the current value", () => {
    const tiny = workload(API, res([0.005, GI], [null, null]));
    const p = propose(tiny, [change("requests.cpu", 0.005, 0.002)]);
    expect(runOne(p, tiny).heldBack).toEqual([
      held(
        p,
        "max-step",
        "nothing left to change: app requests.cpu 5m -> 2m: left at 5m (a cut of at most 50% rounds back up to it)",
      ),
    ]);
  });

  // Each keeps its one proposal, with these notes and these new values.
  const steps: StepCase[] = [
    {
      title: "rounds the step up to a quantity people write",
      current: res([0.75, 1000 * MI], [null, null]),
      changes: [change("requests.cpu", 0.75, 0.1), change("requests.memory", 1000 * MI, 100 * MI)],
      // 375m rounds up to 380m (10m steps under a core); 500Mi to 512Mi (16Mi steps under 1Gi).
      notes: [
        "app requests.cpu 750m -> 100m: a cut of 87%, limited to 380m (max step 50% per change; the rest in later runs)",
        "app requests.memory 1000Mi -> 100Mi: a cut of 90%, limited to 512Mi (max step 50% per change; the rest in later runs)",
        "tier critical -> medium (approval: one architect)",
      ],
      values: ["380m", "512Mi"],
    },
    {
      title: "uses a configured maxCutFraction",
      current: ONE_CORE_ONE_GI,
      changes: [change("requests.cpu", 1, 0.7)],
      policy: { maxCutFraction: 0.25 },
      notes: [
        "app requests.cpu 1 -> 700m: a cut of 30%, limited to 750m (max step 25% per change; the rest in later runs)",
      ],
      values: ["750m"],
    },
    {
      title: "applies after bounds: far above a max bound, the value walks down to it over several runs",
      current: res([4, GI], [null, null]),
      changes: [change("requests.cpu", 4, 0.5)],
      policy: bounds({ cpu: { max: 1.5 } }),
      notes: [
        "app requests.cpu 4 -> 500m: a cut of 88%, limited to 2 (max step 50% per change; the rest in later runs)",
        "tier critical -> medium (approval: one architect)",
      ],
      values: ["2"],
    },
  ];
  for (const { title, current, changes, policy, notes, values } of steps) {
    it(title, () => {
      const w = workload(API, current);
      const kept = keepOne(propose(w, changes), w, policy);
      expect(kept.notes).toEqual(notes);
      expect(kept.proposal.valueChanges.map((v) => v.to)).toEqual(values);
    });
  }
});

describe("applyGuardrails: limit >= request after clamping", () => {
  it("lowers a request that a min bound raised above its unchanged limit to the limit", () => {
    const w = workload(API, res([0.2, 256 * MI], [0.5, 512 * MI]));
    const p = propose(w, [change("requests.cpu", 0.2, 0.3)]);
    const policy = bounds({ cpu: { min: 1 } });
    const { proposal, notes } = keepOne(p, w, policy);
    expect(notes).toEqual([
      "app requests.cpu 200m -> 300m: clamped to 1 (bounds min 1)",
      "app requests.cpu 200m -> 300m: lowered to the limit 500m (Kubernetes rejects a request above its limit)",
    ]);
    expect(proposal.recommendations[0]?.changes).toEqual([change("requests.cpu", 0.2, 0.5)]);
    expect(proposal.recommendations[0]?.recommended).toEqual(res([0.5, 256 * MI], [0.5, 512 * MI]));
    expect(proposal.valueChanges.map((v) => [v.path, v.to])).toEqual([
      ["api.resources.requests.cpu", "500m"],
    ]);
  });

  it("adds a request change, at its container's values path, when a max bound cuts the limit below it", () => {
    const w = workload(API, res([1.5, GI], [2, 2 * GI]));
    const p = propose(w, [change("limits.cpu", 2, 1.8)]);
    const policy = bounds({ cpu: { max: 1.2 } });
    const { proposal, notes } = keepOne(p, w, policy);
    expect(notes).toEqual([
      "app limits.cpu 2 -> 1800m: clamped to 1200m (bounds max 1200m)",
      "app requests.cpu 1500m: lowered to the limit 1200m (Kubernetes rejects a request above its limit)",
    ]);
    expect(proposal.recommendations[0]?.changes).toEqual([
      change("requests.cpu", 1.5, 1.2),
      change("limits.cpu", 2, 1.2),
    ]);
    expect(proposal.recommendations[0]?.recommended).toEqual(res([1.2, GI], [1.2, 2 * GI]));
    expect(proposal.valueChanges).toEqual([
      valueChange("api.resources.requests.cpu", "requests.cpu", "1200m"),
      valueChange("api.resources.limits.cpu", "limits.cpu", "1200m"),
    ]);
    // Before: (1.5 x 29.20 + 3.65) x 2 = 94.90; after: (1.2 x 29.20 + 3.65) x 2 = 77.38.
    expect(proposal.cost).toEqual(eur(94.9, 77.38, -17.52));
  });

  // Each keeps its one proposal, with these notes and these new values by field.
  const clamps: StepCase<[string, string | null]>[] = [
    {
      title:
        "limits a cut that a max bound deepened by the max step too, which keeps the limit above the request",
      // The bound takes 3 -> 2 to 3 -> 1; the max step limits that to 1500m, which the 1500m request still fits.
      current: res([1.5, GI], [3, 2 * GI]),
      changes: [change("limits.cpu", 3, 2)],
      policy: bounds({ cpu: { max: 1 } }),
      notes: [
        "app limits.cpu 3 -> 2: clamped to 1 (bounds max 1)",
        "app limits.cpu 3 -> 1: a cut of 67%, limited to 1500m (max step 50% per change; the rest in later runs)",
      ],
      values: [["limits.cpu", "1500m"]],
    },
    {
      title: "lowers a rounded-up step that lands above the limit",
      // 1010m -> 300m is limited to 505m, rounded up to 510m; the limit's exactly-50% cut to 505m passes.
      current: res([1.01, GI], [1.01, 2 * GI]),
      changes: [change("requests.cpu", 1.01, 0.3), change("limits.cpu", 1.01, 0.505)],
      notes: [
        "app requests.cpu 1010m -> 300m: a cut of 70%, limited to 510m (max step 50% per change; the rest in later runs)",
        "app requests.cpu 1010m -> 300m: lowered to the limit 505m (Kubernetes rejects a request above its limit)",
        "tier critical -> medium (approval: one architect)",
      ],
      values: [
        ["requests.cpu", "505m"],
        ["limits.cpu", "505m"],
      ],
    },
  ];
  for (const { title, current, changes, policy, notes, values } of clamps) {
    it(title, () => {
      const w = workload(API, current);
      const kept = keepOne(propose(w, changes), w, policy);
      expect(kept.notes).toEqual(notes);
      expect(kept.proposal.valueChanges.map((v) => [v.field, v.to])).toEqual(values);
    });
  }
});

describe("applyGuardrails: max proposals per run", () => {
  // One replica each: a core is 29.20 a month.
  const one = (name: string) =>
    workload({ namespace: "shop", kind: "Deployment", name }, ONE_CORE_ONE_GI, { replicas: 1 });
  const a = one("a");
  const b = one("b");
  const c = one("c");
  const d = one("d");
  const cutA = propose(a, [change("requests.cpu", 1, 0.5)]); // -14.60
  const raiseB = propose(b, [change("requests.cpu", 1, 1.5)]); // +14.60
  const cutC = propose(c, [change("requests.cpu", 1, 0.9)]); // -2.92
  const oomD = proposeOom(d, [
    change("requests.memory", GI, 1.25 * GI),
    change("limits.memory", 2 * GI, 3 * GI),
  ]); // +0.91
  const workloads = [a, b, c, d];

  it("ranks OOM first, then by the size of the monthly cost effect, then by workload", () => {
    expect([cutA, raiseB, cutC, oomD].map((p) => p.cost.monthlyDelta)).toEqual([-14.6, 14.6, -2.92, 0.91]);
    const result = run({ proposals: [cutC, raiseB, oomD, cutA], workloads });
    expect(result.kept.map((k) => k.proposal)).toEqual([oomD, cutA, raiseB, cutC]);
  });

  it("holds back those beyond maxProposalsPerRun, in rank order", () => {
    const result = run({
      proposals: [cutC, raiseB, oomD, cutA],
      workloads,
      policy: { maxProposalsPerRun: 2 },
    });
    expect(result.kept.map((k) => k.proposal)).toEqual([oomD, cutA]);
    expect(result.heldBack).toEqual([
      held(
        raiseB,
        "max-proposals",
        "at most 2 proposals per run (maxProposalsPerRun); this one ranks 3 of 4 (OOM first, then probe fixes, then by monthly cost effect)",
      ),
      held(
        cutC,
        "max-proposals",
        "at most 2 proposals per run (maxProposalsPerRun); this one ranks 4 of 4 (OOM first, then probe fixes, then by monthly cost effect)",
      ),
    ]);
  });

  it("ranks by the cost effect after clamping", () => {
    // Unclamped, a (-14.60) ties b (+14.60) and wins on its name; a min bound shrinks a's cut to
    // 1 -> 800m (-5.84), so b comes first.
    const policy = { maxProposalsPerRun: 1, bounds: [{ workload: "shop/a", bounds: { cpu: { min: 0.8 } } }] };
    const result = run({ proposals: [cutA, raiseB, cutC], workloads, policy });
    expect(result.kept.map((k) => k.proposal)).toEqual([raiseB]);
    expect(result.heldBack.map((h) => [h.proposal, h.rule, h.reason.split("; ")[1]])).toEqual([
      [
        cutA,
        "max-proposals",
        "this one ranks 2 of 3 (OOM first, then probe fixes, then by monthly cost effect)",
      ],
      [
        cutC,
        "max-proposals",
        "this one ranks 3 of 3 (OOM first, then probe fixes, then by monthly cost effect)",
      ],
    ]);
    const unclamped = run({ proposals: [cutA, raiseB, cutC], workloads, policy: { maxProposalsPerRun: 1 } });
    expect(unclamped.kept.map((k) => k.proposal)).toEqual([cutA]);
  });

  it("counts only proposals the earlier rules let through", () => {
    const recent: RecentChange[] = [{ workload: a.ref, kind: "rightsize", mergedAt: NOW - DAY }];
    const result = run({
      proposals: [cutA, raiseB, cutC],
      workloads,
      recent,
      policy: { maxProposalsPerRun: 2, ignore: ["shop/b"] },
    });
    expect(result.kept.map((k) => k.proposal)).toEqual([cutC]);
    expect(result.heldBack.map((h) => [h.proposal, h.rule])).toEqual([
      [cutA, "cooldown"],
      [raiseB, "ignored"],
    ]);
  });

  it("holds back everything at maxProposalsPerRun 0, with the singular/plural right at 1", () => {
    const none = run({ proposals: [cutA, oomD], workloads, policy: { maxProposalsPerRun: 0 } });
    expect(none.kept).toEqual([]);
    expect(none.heldBack.map((h) => [h.proposal, h.rule])).toEqual([
      [oomD, "max-proposals"],
      [cutA, "max-proposals"],
    ]);
    const single = run({ proposals: [cutA, oomD], workloads, policy: { maxProposalsPerRun: 1 } });
    expect(single.heldBack.map((h) => h.reason)).toEqual([
      "at most 1 proposal per run (maxProposalsPerRun); this one ranks 2 of 2 (OOM first, then probe fixes, then by monthly cost effect)",
    ]);
  });
});

describe("proposalCost", () => {
  it("prices a proposal exactly as decideRightsize does", () => {
    const w = workload(API, withSidecar(res([0.2, 128 * MI], [null, 256 * MI])));
    const recs = [rec(w, HALVE, "app")];
    const p = proposeRecs(w, recs, { resources: { app: "api.resources" } });
    expect(proposalCost(w, p.recommendations, p.replicas, PRICES)).toEqual(p.cost);
    // Before: (1.2 x 29.20 + 1.125 x 3.65) x 2 = 78.29; after: (0.7 x 29.20 + 0.625 x 3.65) x 2 = 45.4425 -> 45.44.
    expect(p.cost).toEqual(eur(78.29, 45.44, -32.85));
  });

  it("prices an OOM proposal exactly as decideOom does", () => {
    const w = workload(API, res([1, 1.5 * GI], [2, 1.5 * GI]));
    const p = proposeOom(w, [
      change("requests.memory", 1.5 * GI, 2.25 * GI),
      change("limits.memory", 1.5 * GI, 2.25 * GI),
    ]);
    expect(proposalCost(w, p.oom ?? [], p.replicas, PRICES)).toEqual(p.cost);
    // Before: (29.20 + 1.5 x 3.65) x 2 = 69.35; after: (29.20 + 2.25 x 3.65) x 2 = 74.825 -> 74.83.
    expect(p.cost).toEqual(eur(69.35, 74.83, 5.48));
  });
});

describe("applyGuardrails: inconsistent input", () => {
  it("throws when a clamped proposal's workload is not in the cluster state (a bug in the caller)", () => {
    const w = workload(API);
    const p = propose(w, [change("requests.cpu", 1, 0.2)]);
    expect(() =>
      applyGuardrails({
        candidates: [candidateOf.get(p) as Candidate],
        state: { cluster: "prod-eu", observedAt: NOW, workloads: [], pods: [] },
        policy: POLICY,
        recent: [],
        now: NOW,
      }),
    ).toThrow(`proposal ${p.id} is for shop/api, which is not in the state`);
  });
});
