import { describe, expect, it } from "vitest";
import {
  API,
  CART,
  clusterState,
  GI,
  hpaState,
  MI,
  mapping,
  recommendation,
  res,
  workload,
} from "../../test/support/model-fixtures.ts";
import { decideHpa, decideRightsize } from "../../test/support/proposals-without-guardrails.ts";
import { DEFAULT_POLICY, DEFAULT_PRICES } from "../model/policy.ts";
import type { Workload } from "../model/types.ts";
import { reconcile, type ValuesFact, type ValuesLookup, workloadDrift } from "./drift.ts";
import type { Proposal } from "./proposals.ts";

/** A lookup over plain values: `order` "edited" unless the path is listed in `later`. */
function lookupOf(values: Record<string, unknown>, later: readonly string[] = []): ValuesLookup {
  return (path) =>
    path in values
      ? ({
          value: values[path],
          setBy: later.includes(path) ? "clusters/prod-eu/override.yaml" : "clusters/prod-eu/values.yaml",
          order: later.includes(path) ? "after" : "edited",
        } satisfies ValuesFact)
      : undefined;
}

const LIVE = res([1, 2 * GI], [2, 4 * GI]);

/** A right-sizing proposal for shop/api: requests.memory 2Gi -> 1Gi (a cut), requests.cpu 1 -> 500m. */
function cutProposal(w: Workload): Proposal {
  const rec = recommendation(API, "app", LIVE, [
    { field: "requests.memory", from: 2 * GI, to: GI },
    { field: "requests.cpu", from: 1, to: 0.5 },
  ]);
  const d = decideRightsize(
    clusterState([w]),
    { recommendations: [rec], skipped: [] },
    [mapping("shop/api")],
    DEFAULT_POLICY,
  );
  const p = d.proposals[0];
  if (!p) throw new Error("no proposal");
  return p;
}

const FILE_AGREES = {
  "resources.requests.cpu": "1",
  "resources.requests.memory": "2Gi",
  "resources.limits.cpu": "2",
  "resources.limits.memory": "4Gi",
};

describe("reconcile: a proposal computed from the cluster, edited in the values file", () => {
  const w = workload(API, LIVE);
  const state = clusterState([w]);
  const m = mapping("shop/api");

  it("without drift, proposes exactly the decided changes, tier and cost", () => {
    const p = cutProposal(w);
    const lookup = lookupOf(FILE_AGREES);
    const r = reconcile(p, w, lookup, workloadDrift(w, m, lookup, state), DEFAULT_PRICES);
    expect(r).toEqual({
      kind: "propose",
      proposal: p,
      drift: [],
      changes: [
        {
          file: "clusters/prod-eu/values.yaml",
          path: "resources.requests.memory",
          container: "app",
          field: "requests.memory",
          from: "2Gi",
          to: "1Gi",
        },
        {
          file: "clusters/prod-eu/values.yaml",
          path: "resources.requests.cpu",
          container: "app",
          field: "requests.cpu",
          from: "1",
          to: "500m",
        },
      ],
    });
  });

  it("the issue's case: the file says 512Mi, the cluster runs 2Gi, the cut targets 1Gi — memory is left alone, never doubled", () => {
    const p = cutProposal(w);
    const lookup = lookupOf({ ...FILE_AGREES, "resources.requests.memory": "512Mi" });
    const drift = workloadDrift(w, m, lookup, state);
    expect(drift.fields.map((f) => [f.path, f.inValues, f.running])).toEqual([
      ["resources.requests.memory", "512Mi", "2Gi"],
    ]);
    const r = reconcile(p, w, lookup, drift, DEFAULT_PRICES);
    if (r.kind !== "propose") throw new Error(r.kind);
    expect(r.changes.map((c) => [c.path, c.from, c.to])).toEqual([["resources.requests.cpu", "1", "500m"]]);
    expect(r.proposal.tier).toBe("critical"); // medium, one step up
    expect(r.drift[0]).toBe(
      "resources.requests.memory: left as is — the values file has 512Mi, already 1Gi or beyond (running 2Gi): the cluster is not running what the repository says — is a sync pending, or another values file winning?",
    );
    // The cost is the edit's: only the CPU cut (2 replicas x 0.5 core), at the file's memory.
    expect(r.proposal.cost.monthlyDelta).toBeCloseTo(-2 * 0.5 * DEFAULT_PRICES.cpuHour * 730, 2);
  });

  it("a file value between the cluster's and the target still gets the target, with both values shown", () => {
    const p = cutProposal(w);
    const lookup = lookupOf({ ...FILE_AGREES, "resources.requests.memory": "1536Mi" });
    const r = reconcile(p, w, lookup, workloadDrift(w, m, lookup, state), DEFAULT_PRICES);
    if (r.kind !== "propose") throw new Error(r.kind);
    expect(r.changes[0]).toMatchObject({
      path: "resources.requests.memory",
      from: "1536Mi",
      to: "1Gi",
      running: "2Gi",
    });
    expect(r.drift[0]).toBe(
      "resources.requests.memory: values file 1536Mi, running 2Gi: the cluster is not running what the repository says — is a sync pending, or another values file winning?",
    );
    expect(r.drift.at(-1)).toBe(
      "tier medium -> critical (approval: two people: an architect and a security reviewer): the values file and the cluster disagree",
    );
    // 1536Mi -> 1Gi (0.5 GiB) and 1 -> 500m, on 2 replicas.
    const expected = -2 * (0.5 * DEFAULT_PRICES.cpuHour + 0.5 * DEFAULT_PRICES.memoryGiBHour) * 730;
    expect(r.proposal.cost.monthlyDelta).toBeCloseTo(expected, 2);
  });

  it("when the file already holds every change, nothing is proposed and the reason says so", () => {
    const p = cutProposal(w);
    const lookup = lookupOf({
      ...FILE_AGREES,
      "resources.requests.memory": "1Gi",
      "resources.requests.cpu": "400m",
    });
    const r = reconcile(p, w, lookup, workloadDrift(w, m, lookup, state), DEFAULT_PRICES);
    expect(r).toEqual({
      kind: "unchanged",
      reason:
        "the values file already holds the change (not yet running: resources.requests.memory, resources.requests.cpu); the cluster is not running what the repository says — is a sync pending, or another values file winning?",
    });
  });

  it("a values file that a later one overrides is never edited: the edit would change nothing", () => {
    const p = cutProposal(w);
    const lookup = lookupOf(FILE_AGREES, ["resources.requests.cpu"]);
    const r = reconcile(p, w, lookup, workloadDrift(w, m, lookup, state), DEFAULT_PRICES);
    expect(r.kind).toBe("skip");
    if (r.kind === "skip") {
      expect(r.reason).toBe(
        "shop/api: resources.requests.cpu is set by clusters/prod-eu/override.yaml, which overrides the values file kopt edits, so the edit would change nothing",
      );
      expect(r.fix).toContain("workloads[].valuesFile");
    }
  });

  it("a value that is not a quantity is named, not edited", () => {
    const p = cutProposal(w);
    const lookup = lookupOf({ ...FILE_AGREES, "resources.requests.cpu": "lots" });
    const r = reconcile(p, w, lookup, workloadDrift(w, m, lookup, state), DEFAULT_PRICES);
    expect(r).toMatchObject({
      kind: "skip",
      reason:
        'shop/api: resources.requests.cpu is "lots" in clusters/prod-eu/values.yaml, which is not a Kubernetes quantity',
    });
  });

  it("a key no values file sets is added, and counts as no drift", () => {
    const p = cutProposal(w);
    const { "resources.requests.memory": _, ...rest } = FILE_AGREES;
    const lookup = lookupOf(rest);
    const r = reconcile(p, w, lookup, workloadDrift(w, m, lookup, state), DEFAULT_PRICES);
    if (r.kind !== "propose") throw new Error(r.kind);
    expect(r.changes[0]).toMatchObject({ path: "resources.requests.memory", to: "1Gi" });
    expect(r.changes[0]?.from).toBeUndefined();
    expect(r.proposal.tier).toBe(p.tier);
  });
});

describe("workloadDrift: drift that cannot be a pending sync", () => {
  it("values that match another workload's container: the mapping points at the wrong component", () => {
    const api = workload(API, LIVE);
    const cart = workload(CART, res([0.1, 128 * MI], [0.2, 256 * MI]));
    const state = clusterState([api, cart]);
    const lookup = lookupOf({
      "resources.requests.cpu": "100m",
      "resources.requests.memory": "128Mi",
      "resources.limits.cpu": "200m",
      "resources.limits.memory": "256Mi",
    });
    const d = workloadDrift(api, mapping("shop/api"), lookup, state);
    expect(d.unexplained).toBe(
      "the values at resources match shop/cart, not shop/api (container app: requests.cpu 100m in the values, 1 running; requests.memory 128Mi in the values, 2Gi running; limits.cpu 200m in the values, 2 running; limits.memory 256Mi in the values, 4Gi running): the mapping in kopt.yaml seems to point at another component",
    );
    const r = reconcile(cutProposal(api), api, lookup, d, DEFAULT_PRICES);
    expect(r.kind).toBe("skip");
    if (r.kind === "skip") expect(r.reason).toContain("100m in the values, 1 running");
  });

  it("three or more resources differing at once is not explained either; one or two is a sync pending", () => {
    const api = workload(API, LIVE);
    const state = clusterState([api]);
    const three = lookupOf({
      ...FILE_AGREES,
      "resources.requests.cpu": "3",
      "resources.requests.memory": "3Gi",
      "resources.limits.cpu": "4",
    });
    expect(workloadDrift(api, mapping("shop/api"), three, state).unexplained).toMatch(
      /^3 resource values of container app differ/,
    );
    const two = lookupOf({
      ...FILE_AGREES,
      "resources.requests.cpu": "3",
      "resources.requests.memory": "3Gi",
    });
    const d = workloadDrift(api, mapping("shop/api"), two, state);
    expect(d.unexplained).toBeUndefined();
    expect(d.fields).toHaveLength(2);
  });

  it("compares replicas while no HPA runs, and the HPA's settings while one does", () => {
    const fixed = workload(API, LIVE, { replicas: 3 });
    const lookup = lookupOf({ ...FILE_AGREES, replicaCount: 5, "autoscaling.enabled": false });
    expect(
      workloadDrift(fixed, mapping("shop/api"), lookup, clusterState([fixed])).fields.map((f) => [
        f.field,
        f.inValues,
        f.running,
      ]),
    ).toEqual([["replicaCount", "5", "3"]]);
    const scaled = workload(API, LIVE, { hpa: hpaState("api", 2, 6) });
    const hpaLookup = lookupOf({
      ...FILE_AGREES,
      replicaCount: 5,
      "autoscaling.enabled": true,
      "autoscaling.minReplicas": 2,
      "autoscaling.maxReplicas": 4,
    });
    expect(
      workloadDrift(scaled, mapping("shop/api"), hpaLookup, clusterState([scaled])).fields.map((f) => [
        f.field,
        f.inValues,
        f.running,
      ]),
    ).toEqual([["autoscaling.maxReplicas", "4", "6"]]);
  });
});

describe("reconcile: autoscaling settings", () => {
  it("a raise of maxReplicas the file already has (sync pending) is not proposed again", () => {
    const w = workload(API, LIVE, { hpa: hpaState("api", 2, 4, { current: 4 }) });
    const state = clusterState([w]);
    const d = decideHpa(
      state,
      {
        recommendations: [
          {
            workload: API,
            change: { kind: "raise-max", from: 4, to: 8 },
            reason: "pinned at its max",
            evidence: { steps: 2016, stepSeconds: 300 },
          },
        ],
        skipped: [],
      },
      [mapping("shop/api")],
      DEFAULT_POLICY,
    );
    const p = d.proposals[0] as Proposal;
    const pending = lookupOf({ ...FILE_AGREES, "autoscaling.enabled": true, "autoscaling.maxReplicas": 10 });
    expect(
      reconcile(p, w, pending, workloadDrift(w, mapping("shop/api"), pending, state), DEFAULT_PRICES).kind,
    ).toBe("unchanged");
    const behind = lookupOf({ ...FILE_AGREES, "autoscaling.enabled": true, "autoscaling.maxReplicas": 3 });
    const r = reconcile(p, w, behind, workloadDrift(w, mapping("shop/api"), behind, state), DEFAULT_PRICES);
    expect(r.kind === "propose" && r.changes.map((c) => [c.path, c.from, c.to, c.running])).toEqual([
      ["autoscaling.maxReplicas", 3, 8, "4"],
    ]);
    expect(r.kind === "propose" && r.proposal.tier).toBe("critical");
  });
});
