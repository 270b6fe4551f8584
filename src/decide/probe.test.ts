import { describe, expect, it } from "vitest";
import {
  API,
  CART,
  CLUSTER,
  mapping,
  ONE_CORE_ONE_GI,
  clusterState as state,
  VALUES,
  withSidecar,
  workload,
} from "../../test/support/model-fixtures.ts";
import { probeKillFinding } from "../../test/support/probe-finding.ts";
import type { Findings } from "../analyze/findings.ts";
import type { Finding } from "../model/finding.ts";
import { DEFAULT_POLICY, type Policy } from "../model/policy.ts";
import { decide } from "./decide.ts";
import { materialChange, type ProposalFingerprint } from "./material-change.ts";
import { probeCandidates } from "./probe.ts";
import { branchName, type Proposal } from "./proposals.ts";

const NOTHING: Findings = {
  sized: { recommendations: [], skipped: [] },
  oom: { recommendations: [], skipped: [] },
  scaling: { recommendations: [], skipped: [] },
};

function only(proposals: Proposal[]): Proposal {
  expect(proposals).toHaveLength(1);
  return proposals[0] as Proposal;
}

/** What plan hands the forge to tell a material change from noise: the values written. */
function fingerprint(p: Proposal): ProposalFingerprint {
  return {
    id: p.id,
    cluster: p.cluster,
    kind: p.kind,
    tier: p.tier,
    changes: (p.probeChanges ?? []).map((c) => ({ path: `${c.file}:${c.path}`, to: c.to })),
  };
}

describe("probe proposals from liveness-probe-kill findings", () => {
  const s = state([workload(API), workload(CART)]);
  const mappings = [mapping("shop/api", { prefix: "api" })];

  it("adds a startupProbe under the workload's prefix: the liveness handler, its period and threshold", () => {
    const d = decide(s, NOTHING, DEFAULT_POLICY, mappings, [], [probeKillFinding(API)]);
    const p = only(d.proposals);
    expect(p).toMatchObject({
      kind: "probe",
      tier: "medium",
      workload: API,
      branch: branchName(CLUSTER, API, "probe"),
      slug: "probe-shop-api",
      valueChanges: [],
      confidence: 0.9,
      cost: { currency: "USD", monthlyDelta: 0 },
    });
    expect(p.cost.monthlyBefore).toBe(p.cost.monthlyAfter);
    expect(p.probeChanges).toEqual([
      {
        file: VALUES,
        path: "api.startupProbe.httpGet.path",
        container: "app",
        field: "startupProbe.httpGet.path",
        to: "/actuator/health",
      },
      {
        file: VALUES,
        path: "api.startupProbe.httpGet.port",
        container: "app",
        field: "startupProbe.httpGet.port",
        to: 8080,
      },
      {
        file: VALUES,
        path: "api.startupProbe.periodSeconds",
        container: "app",
        field: "startupProbe.periodSeconds",
        to: 10,
      },
      {
        file: VALUES,
        path: "api.startupProbe.failureThreshold",
        container: "app",
        field: "startupProbe.failureThreshold",
        to: 8,
      },
    ]);
    expect(p.probe?.map((f) => f.finding.fingerprint)).toEqual(["lpk-shop-api-app"]);
    expect(fingerprint(p).changes).toEqual([
      { path: `${VALUES}:api.startupProbe.httpGet.path`, to: "/actuator/health" },
      { path: `${VALUES}:api.startupProbe.httpGet.port`, to: 8080 },
      { path: `${VALUES}:api.startupProbe.periodSeconds`, to: 10 },
      { path: `${VALUES}:api.startupProbe.failureThreshold`, to: 8 },
    ]);
    expect(d.skipped).toEqual([]);
  });

  it("writes raised liveness settings under livenessProbe, and no startupProbe when the fix has none", () => {
    const f = probeKillFinding(API);
    const fix = { ...(f.valuesFix as Extract<Finding["valuesFix"], { kind: "probe" }>) };
    const relaxed: Finding = {
      ...f,
      valuesFix: { ...fix, startupProbe: null, liveness: { initialDelaySeconds: 70, timeoutSeconds: 3 } },
    };
    const p = only(decide(s, NOTHING, DEFAULT_POLICY, mappings, [], [relaxed]).proposals);
    expect(p.probeChanges?.map((c) => [c.path, c.to])).toEqual([
      ["api.livenessProbe.initialDelaySeconds", 70],
      ["api.livenessProbe.timeoutSeconds", 3],
    ]);
  });

  it("is critical in a production namespace (labelled or listed), medium elsewhere", () => {
    const labelled = { ...s, namespaceLabels: { shop: { "kopt.dev/environment": "production" } } };
    const listed: Policy = {
      ...DEFAULT_POLICY,
      hpa: { ...DEFAULT_POLICY.hpa, productionNamespaces: ["shop"] },
    };
    const finding = [probeKillFinding(API)];
    expect(only(decide(labelled, NOTHING, DEFAULT_POLICY, mappings, [], finding).proposals).tier).toBe(
      "critical",
    );
    expect(only(decide(s, NOTHING, listed, mappings, [], finding).proposals).tier).toBe("critical");
  });

  it("skips an unmapped workload with 'not mapped', and ignores findings without a probe values fix", () => {
    const incident: Finding = { ...probeKillFinding(API), fix: "incident", valuesFix: null };
    const d = decide(s, NOTHING, DEFAULT_POLICY, mappings, [], [probeKillFinding(CART), incident]);
    expect(d.proposals).toEqual([]);
    expect(d.skipped).toEqual([
      {
        workload: CART,
        container: "app",
        reason:
          "liveness-probe-kill, but shop/cart is not mapped to a values file in kopt.yaml: add the startupProbe by hand (runbooks/liveness-probe-kill.md)",
      },
    ]);
  });

  it("skips a handler with a list (an exec command), which kopt does not write into values files", () => {
    const f = probeKillFinding(API);
    const fix = f.valuesFix as Extract<Finding["valuesFix"], { kind: "probe" }>;
    const exec: Finding = { ...f, valuesFix: { ...fix, handler: { exec: { command: ["pg_isready"] } } } };
    const found = probeCandidates(s, [exec], mappings, DEFAULT_POLICY);
    expect(found.candidates).toEqual([]);
    expect(found.skipped[0]?.reason).toMatch(/holds a list/);
  });

  it("one proposal per workload: two probe-killed containers land under their own values blocks", () => {
    const two = state([workload(API, withSidecar(ONE_CORE_ONE_GI))]);
    const m = [
      mapping("shop/api", { resources: { app: "api.app.resources", envoy: "api.envoy.resources" } }),
    ];
    const p = only(
      decide(two, NOTHING, DEFAULT_POLICY, m, [], [probeKillFinding(API), probeKillFinding(API, "envoy")])
        .proposals,
    );
    expect(p.probe?.map((f) => f.container)).toEqual(["app", "envoy"]);
    expect(
      p.probeChanges?.filter((c) => c.field === "startupProbe.failureThreshold").map((c) => c.path),
    ).toEqual(["api.app.startupProbe.failureThreshold", "api.envoy.startupProbe.failureThreshold"]);
  });

  it("the same finding again gives the same branch and fingerprint; a longer start is a material change", () => {
    const first = only(decide(s, NOTHING, DEFAULT_POLICY, mappings, [], [probeKillFinding(API)]).proposals);
    const again = only(decide(s, NOTHING, DEFAULT_POLICY, mappings, [], [probeKillFinding(API)]).proposals);
    expect(again.branch).toBe(first.branch);
    expect(materialChange(fingerprint(first), fingerprint(again), 0.1)).toBeUndefined();
    const f = probeKillFinding(API);
    const fix = f.valuesFix as Extract<Finding["valuesFix"], { kind: "probe" }>;
    const longer: Finding = {
      ...f,
      valuesFix: { ...fix, startupProbe: { periodSeconds: 10, failureThreshold: 12 } },
    };
    const next = only(decide(s, NOTHING, DEFAULT_POLICY, mappings, [], [longer]).proposals);
    expect(next.id).toBe(first.id);
    expect(materialChange(fingerprint(first), fingerprint(next), 0.1)).toBe(
      `${VALUES}:api.startupProbe.failureThreshold 8 → 12 (50%)`,
    );
  });

  it("is exempt from the cooldown: the container is failing now", () => {
    const recent = [{ workload: API, kind: "rightsize", mergedAt: s.observedAt - 60 }];
    const d = decide(s, NOTHING, DEFAULT_POLICY, mappings, recent, [probeKillFinding(API)]);
    expect(only(d.proposals).kind).toBe("probe");
  });
});
