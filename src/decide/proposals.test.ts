import { describe, expect, it } from "vitest";
import {
  AGENT,
  API,
  CART,
  CLUSTER,
  costEffect,
  DB,
  GI,
  HALVE,
  hpaState,
  MI,
  mapping,
  ONE_CORE_ONE_GI,
  pod,
  recommendation as rec,
  res,
  clusterState as state,
  valueChange,
  withSidecar,
  workload,
} from "../../test/support/model-fixtures.ts";
import { decideOom, decideRightsize } from "../../test/support/proposals-without-guardrails.ts";
import type { OomRecommendation } from "../analyze/oom.ts";
import { DEFAULT_POLICY } from "../model/policy.ts";
import type { FieldChange, Recommendation, RightsizeResult } from "../model/recommendation.ts";
import type { ClusterState } from "../model/types.ts";
import {
  branchName,
  type CostEffect,
  changeSize,
  findMapping,
  type Proposal,
  proposalId,
} from "./proposals.ts";

const usd = (before: number, after: number, delta: number): CostEffect =>
  costEffect("USD", before, after, delta);
const eur = (before: number, after: number, delta: number): CostEffect =>
  costEffect("EUR", before, after, delta);

function result(
  recommendations: Recommendation[],
  skipped: RightsizeResult["skipped"] = [],
): RightsizeResult {
  return { recommendations, skipped };
}

function only(proposals: Proposal[]): Proposal {
  expect(proposals).toHaveLength(1);
  return proposals[0] as Proposal;
}

describe("decideRightsize: which workloads get a proposal", () => {
  it("makes one proposal per workload with changes, and lists recommendations without changes as unchanged", () => {
    const s = state([workload(API), workload(CART)]);
    const apiRec = rec(API, "app", ONE_CORE_ONE_GI, HALVE);
    const cartRec = rec(CART, "app", ONE_CORE_ONE_GI, []);
    const decision = decideRightsize(
      s,
      result([apiRec, cartRec]),
      [mapping("shop/api", { prefix: "api" }), mapping("shop/cart", { prefix: "cart" })],
      DEFAULT_POLICY,
    );
    const p = only(decision.proposals);
    expect(p.workload).toEqual(API);
    expect(p.recommendations).toEqual([apiRec]);
    expect(decision.unchanged).toEqual([{ workload: CART, container: "app" }]);
    expect(decision.skipped).toEqual([]);
  });

  it("passes on what the analyzer skipped", () => {
    const s = state([workload(API)]);
    const skipped = [{ workload: API, container: "app", reason: "only 3.5h of usage history (needs 24h)" }];
    const decision = decideRightsize(s, result([], skipped), [mapping("shop/api")], DEFAULT_POLICY);
    expect(decision).toEqual({ proposals: [], unchanged: [], skipped });
  });

  it("skips a workload without a values mapping, naming the workload", () => {
    const s = state([workload(DB, [{ name: "postgres", resources: ONE_CORE_ONE_GI }], { replicas: 1 })]);
    const decision = decideRightsize(
      s,
      result([rec(DB, "postgres", ONE_CORE_ONE_GI, HALVE)]),
      [mapping("shop/api")],
      DEFAULT_POLICY,
    );
    expect(decision.proposals).toEqual([]);
    expect(decision.skipped).toEqual([
      {
        workload: DB,
        container: "postgres",
        reason: "no values mapping for shop/db in kopt.yaml (add a workloads entry so kopt can propose it)",
      },
    ]);
  });

  it("does not use a mapping whose kind differs from the workload's", () => {
    const s = state([workload(DB, [{ name: "postgres", resources: ONE_CORE_ONE_GI }], { replicas: 1 })]);
    const decision = decideRightsize(
      s,
      result([rec(DB, "postgres", ONE_CORE_ONE_GI, HALVE)]),
      [mapping("shop/db", { kind: "Deployment" })],
      DEFAULT_POLICY,
    );
    expect(decision.proposals).toEqual([]);
    expect(decision.skipped.map((x) => x.reason)).toEqual([
      "no values mapping for shop/db in kopt.yaml (add a workloads entry so kopt can propose it)",
    ]);
  });
});

describe("decideRightsize: values paths", () => {
  const SIDECAR_RES = res([0.2, 128 * MI], [null, 256 * MI]);
  const twoContainers = () => state([workload(API, withSidecar(SIDECAR_RES))]);
  const appRec = rec(API, "app", ONE_CORE_ONE_GI, [{ field: "requests.cpu", from: 1, to: 0.35 }]);
  const envoyRec = rec(API, "envoy", SIDECAR_RES, [
    { field: "requests.memory", from: 128 * MI, to: 48 * MI },
  ]);

  it("writes under <prefix>.resources with Kubernetes quantities, null for a removed limit", () => {
    const s = state([workload(API)]);
    const decision = decideRightsize(
      s,
      result([rec(API, "app", ONE_CORE_ONE_GI, HALVE)]),
      [mapping("shop/api", { prefix: "api" })],
      DEFAULT_POLICY,
    );
    expect(only(decision.proposals).valueChanges).toEqual([
      valueChange("api.resources.requests.cpu", "requests.cpu", "500m"),
      valueChange("api.resources.requests.memory", "requests.memory", "512Mi"),
      valueChange("api.resources.limits.cpu", "limits.cpu", null),
    ]);
  });

  it('maps prefix "" to the top-level resources', () => {
    const s = state([workload(API)]);
    const changes: FieldChange[] = [
      { field: "requests.cpu", from: 1, to: 2 },
      { field: "limits.memory", from: 2 * GI, to: 1.5 * GI },
    ];
    const decision = decideRightsize(
      s,
      result([rec(API, "app", ONE_CORE_ONE_GI, changes)]),
      [mapping("shop/api", { prefix: "" })],
      DEFAULT_POLICY,
    );
    expect(only(decision.proposals).valueChanges.map((c) => [c.path, c.to])).toEqual([
      ["resources.requests.cpu", "2"],
      ["resources.limits.memory", "1536Mi"],
    ]);
  });

  it("skips every container of a two-container workload without an explicit resources mapping", () => {
    const decision = decideRightsize(
      twoContainers(),
      result([appRec, envoyRec]),
      [mapping("shop/api", { prefix: "api" })],
      DEFAULT_POLICY,
    );
    expect(decision.proposals).toEqual([]);
    expect(decision.skipped).toEqual([
      {
        workload: API,
        container: "app",
        reason: 'workload has 2 containers; map container "app" under resources: in kopt.yaml',
      },
      {
        workload: API,
        container: "envoy",
        reason: 'workload has 2 containers; map container "envoy" under resources: in kopt.yaml',
      },
    ]);
  });

  it("uses an explicit resources mapping per container and skips the unmapped one", () => {
    const decision = decideRightsize(
      twoContainers(),
      result([appRec, envoyRec]),
      [mapping("shop/api", { prefix: "api", resources: { envoy: "api.sidecars.envoy.resources" } })],
      DEFAULT_POLICY,
    );
    const p = only(decision.proposals);
    expect(p.recommendations).toEqual([envoyRec]);
    expect(p.valueChanges).toEqual([
      valueChange("api.sidecars.envoy.resources.requests.memory", "requests.memory", "48Mi", "envoy"),
    ]);
    expect(decision.skipped).toEqual([
      {
        workload: API,
        container: "app",
        reason: 'workload has 2 containers; map container "app" under resources: in kopt.yaml',
      },
    ]);
  });

  it("maps both containers when both are listed", () => {
    const decision = decideRightsize(
      twoContainers(),
      result([appRec, envoyRec]),
      [mapping("shop/api", { resources: { app: "api.resources", envoy: "envoy.resources" } })],
      DEFAULT_POLICY,
    );
    expect(only(decision.proposals).valueChanges.map((c) => [c.container, c.path, c.to])).toEqual([
      ["app", "api.resources.requests.cpu", "350m"],
      ["envoy", "envoy.resources.requests.memory", "48Mi"],
    ]);
    expect(decision.skipped).toEqual([]);
  });
});

describe("decideRightsize: identity", () => {
  const decide = (s: ClusterState, recs: Recommendation[]) =>
    decideRightsize(s, result(recs), [mapping("shop/api"), mapping("shop/cart")], DEFAULT_POLICY);
  const apiState = () => state([workload(API)]);

  it("names the branch kopt/<cluster>/<namespace>/<name>/rightsize, with tier medium", () => {
    const p = only(decide(apiState(), [rec(API, "app", ONE_CORE_ONE_GI, HALVE)]).proposals);
    expect(p.branch).toBe("kopt/prod-eu/shop/api/rightsize");
    expect(p.kind).toBe("rightsize");
    expect(p.tier).toBe("medium");
    expect(p.cluster).toBe(CLUSTER);
    expect(p.slug).toBe("rightsize-shop-api");
  });

  it("gives the same 8-hex id for the same workload, whatever the recommendation", () => {
    const a = only(decide(apiState(), [rec(API, "app", ONE_CORE_ONE_GI, HALVE)]).proposals);
    const b = only(
      decide(apiState(), [rec(API, "app", ONE_CORE_ONE_GI, [{ field: "requests.cpu", from: 1, to: 0.8 }])])
        .proposals,
    );
    expect(a.id).toMatch(/^[0-9a-f]{8}$/);
    expect(b.id).toBe(a.id);
    expect(a.id).toBe(proposalId(CLUSTER, API, "rightsize"));
  });

  it("gives different ids to different workloads, kinds of workload and clusters", () => {
    const ids = new Set([
      proposalId(CLUSTER, API, "rightsize"),
      proposalId(CLUSTER, CART, "rightsize"),
      proposalId(CLUSTER, { ...API, kind: "StatefulSet" }, "rightsize"),
      proposalId(CLUSTER, { ...API, namespace: "shop-staging" }, "rightsize"),
      proposalId("prod-us", API, "rightsize"),
    ]);
    expect(ids.size).toBe(5);
  });

  it("exports the branch name and mapping lookup it uses", () => {
    expect(branchName("demo", DB, "rightsize")).toBe("kopt/demo/shop/db/rightsize");
    const mappings = [
      mapping("shop/db", { kind: "Deployment" }),
      mapping("shop/db", { kind: "StatefulSet" }),
    ];
    expect(findMapping(mappings, DB)).toBe(mappings[1]);
    expect(findMapping(mappings, AGENT)).toBeUndefined();
  });
});

describe("decideRightsize: cost", () => {
  it("prices requests x replicas x 730 h at the default prices", () => {
    // Before: (1 CPU x $0.031611 + 1 GiB x $0.004237) x 2 replicas x 730 h = $52.33808 -> $52.34.
    // After:  (0.5 CPU x $0.031611 + 0.5 GiB x $0.004237) x 2 x 730 = $26.16904 -> $26.17.
    const s = state([workload(API)]);
    const p = only(
      decideRightsize(
        s,
        result([rec(API, "app", ONE_CORE_ONE_GI, HALVE)]),
        [mapping("shop/api")],
        DEFAULT_POLICY,
      ).proposals,
    );
    expect(p.replicas).toBe(2);
    expect(p.cost).toEqual(usd(52.34, 26.17, -26.17));
  });

  it("bills the HPA's current replicas rather than spec.replicas", () => {
    const w = workload(API, ONE_CORE_ONE_GI, { hpa: hpaState("api", 2, 6, { current: 4 }) });
    const p = only(
      decideRightsize(
        state([w]),
        result([rec(API, "app", ONE_CORE_ONE_GI, HALVE)]),
        [mapping("shop/api")],
        DEFAULT_POLICY,
      ).proposals,
    );
    // $0.035848/h x 4 x 730 = $104.67616 before; half that, $52.33808, after.
    expect(p.replicas).toBe(4);
    expect(p.cost).toEqual(usd(104.68, 52.34, -52.34));
  });

  it("bills a DaemonSet per pod it runs", () => {
    const pods = ["log-agent-x7k2q", "log-agent-b9d4m", "log-agent-t5zhp"].map((name) => pod(name, AGENT));
    const agentRes = res([0.1, 128 * MI], [null, 256 * MI]);
    const p = only(
      decideRightsize(
        state([workload(AGENT, [{ name: "fluent-bit", resources: agentRes }], { replicas: null })], { pods }),
        result([rec(AGENT, "fluent-bit", agentRes, [{ field: "requests.cpu", from: 0.1, to: 0.02 }])]),
        [mapping("kube-system/log-agent")],
        DEFAULT_POLICY,
      ).proposals,
    );
    // Before: (0.1 x 0.031611 + 0.125 x 0.004237) x 3 x 730 = 8.0828 -> 8.08
    // After:  (0.02 x 0.031611 + 0.125 x 0.004237) x 3 x 730 = 2.5446 -> 2.54
    expect(p.replicas).toBe(3);
    expect(p.cost).toEqual(usd(8.08, 2.54, -5.54));
  });

  it("counts every container before and only the mapped container's changes after", () => {
    const SIDECAR_RES = res([0.5, 512 * MI], [null, null]);
    const s = state([workload(API, withSidecar(SIDECAR_RES), { replicas: 1 })]);
    const decision = decideRightsize(
      s,
      result([
        rec(API, "app", ONE_CORE_ONE_GI, HALVE),
        rec(API, "envoy", SIDECAR_RES, [{ field: "requests.cpu", from: 0.5, to: 0.1 }]),
      ]),
      [mapping("shop/api", { resources: { envoy: "envoy.resources" } })],
      { ...DEFAULT_POLICY, pricing: { currency: "EUR", cpuHour: 0.03, memoryGiBHour: 0.004 } },
    );
    // Before: (1.5 CPU x 0.03 + 1.5 GiB x 0.004) x 730 = 0.051 x 730 = 37.23
    // After (app unchanged): (1.1 x 0.03 + 1.5 x 0.004) x 730 = 0.039 x 730 = 28.47
    expect(only(decision.proposals).cost).toEqual(eur(37.23, 28.47, -8.76));
  });
});

describe("tiers by the size of a change", () => {
  it("right-sizing is medium, critical when it cuts a value by more than half", () => {
    const s = state([workload(API)]);
    const cut = (to: number) => [{ field: "requests.memory" as const, from: GI, to }];
    const decide = (to: number) =>
      only(
        decideRightsize(
          s,
          result([rec(API, "app", ONE_CORE_ONE_GI, cut(to))]),
          [mapping("shop/api")],
          DEFAULT_POLICY,
        ).proposals,
      );
    expect(decide(512 * MI).tier).toBe("medium"); // exactly half
    expect(decide(496 * MI).tier).toBe("critical");
    expect(changeSize(cut(256 * MI))).toEqual({ maxCut: 0.75, maxRaise: 0 });
  });
});

describe("decideOom and right-sizing of the same container", () => {
  const current = res([0.1, 192 * MI], [0.5, 256 * MI]);
  const s = state([workload(API, current)]);
  const oom: OomRecommendation = {
    workload: API,
    container: "app",
    current,
    recommended: res([0.1, 192 * MI], [0.5, 416 * MI]),
    changes: [{ field: "limits.memory", from: 256 * MI, to: 416 * MI }],
    evidence: {
      podsOomKilled: 2,
      prometheusKills: 0,
      lastKillAt: null,
      pods: ["api-1", "api-2"],
      memory: null,
      limit: 256 * MI,
      candidates: [{ rule: "current limit +100Mi", bytes: 368 * MI }],
    },
  };

  it("one oom proposal per workload on its own branch: the limit raise, tier by size, cost of requests unchanged", () => {
    const d = decideOom(s, { recommendations: [oom], skipped: [] }, [mapping("shop/api")], DEFAULT_POLICY);
    const p = only(d.proposals);
    expect(p).toMatchObject({
      kind: "oom",
      tier: "medium", // +63%
      branch: "kopt/prod-eu/shop/api/oom",
      slug: "oom-shop-api",
      confidence: 1,
      recommendations: [],
      valueChanges: [valueChange("resources.limits.memory", "limits.memory", "416Mi")],
    });
    expect(p.cost.monthlyDelta).toBe(0);
    expect(p.id).toBe(proposalId(CLUSTER, API, "oom"));
    const small = { ...oom, changes: [{ field: "limits.memory" as const, from: 256 * MI, to: 368 * MI }] };
    expect(
      only(
        decideOom(s, { recommendations: [small], skipped: [] }, [mapping("shop/api")], DEFAULT_POLICY)
          .proposals,
      ).tier,
    ).toBe("low");
  });

  it("without a values mapping the OOM kill is reported as skipped, with what to do", () => {
    const d = decideOom(s, { recommendations: [oom], skipped: [] }, [], DEFAULT_POLICY);
    expect(d.proposals).toEqual([]);
    expect(d.skipped).toEqual([
      {
        workload: API,
        container: "app",
        reason: expect.stringMatching(/^OOM-killed, but no values mapping for shop\/api/),
      },
    ]);
  });

  it("right-sizing leaves an OOM-killed container's memory to the OOM proposal and keeps its CPU", () => {
    const sizing = rec(API, "app", current, [
      { field: "requests.cpu", from: 0.1, to: 0.32 },
      { field: "requests.memory", from: 192 * MI, to: 336 * MI },
      { field: "limits.memory", from: 256 * MI, to: 416 * MI },
    ]);
    const d = decideRightsize(s, result([sizing]), [mapping("shop/api")], DEFAULT_POLICY, [oom]);
    expect(only(d.proposals).valueChanges.map((c) => c.path)).toEqual(["resources.requests.cpu"]);
    const memoryOnly = rec(API, "app", current, [{ field: "limits.memory", from: 256 * MI, to: 416 * MI }]);
    const d2 = decideRightsize(s, result([memoryOnly]), [mapping("shop/api")], DEFAULT_POLICY, [oom]);
    expect(d2.proposals).toEqual([]);
    expect(d2.unchanged).toEqual([{ workload: API, container: "app" }]);
  });
});
