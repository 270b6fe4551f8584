// The pure parts of the security fix pull requests (issue 17): grouping findings by mapped workload, merging a
// workload's values fixes into scalar edits, where the chart can express them, the kind's tier, its PHR, the
// learning loop leaving it alone and verify mapping its securityContext paths.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { learnFromOutcomes } from "../src/analyze/outcomes.ts";
import { rolloutState } from "../src/analyze/rollout-state.ts";
import { findingsByWorkload, helmCreatePlace, mergeWorkloadFixes } from "../src/decide/security-fix.ts";
import { tierFor } from "../src/decide/tier.ts";
import { PhrFrontMatterSchema } from "../src/formats/phr.ts";
import { DEFAULT_POLICY } from "../src/model/policy.ts";
import type { SecurityFinding } from "../src/model/report.ts";
import { renderSecurityFix } from "../src/propose/security-fix-render.ts";

const WEB = { kind: "Deployment", namespace: "shop", name: "web", container: "app" };

function finding(check: string, valuesFix: SecurityFinding["valuesFix"], resource = WEB): SecurityFinding {
  return {
    check,
    severity: "medium",
    resource,
    detail: `${check} detail`,
    blastRadius: 2,
    fingerprint: `${check}|${resource.namespace}/${resource.name}`,
    ...(valuesFix ? { valuesFix } : {}),
  };
}

const anywhere = () => undefined;
const nothingSet = () => undefined;

describe("mergeWorkloadFixes", () => {
  it("merges the fixes into scalar leaves, once per path, with the findings each fixes", () => {
    const merged = mergeWorkloadFixes(
      [
        finding("pss-allow-privilege-escalation", [
          { path: "securityContext.allowPrivilegeEscalation", value: false },
        ]),
        finding("pss-privileged", [{ path: "securityContext.allowPrivilegeEscalation", value: false }]),
        finding("rel-liveness-probe-missing", [
          { path: "livenessProbe", value: { httpGet: { path: "/", port: "http" } } },
        ]),
      ],
      anywhere,
      nothingSet,
    );
    expect(merged.edits).toEqual([
      {
        key: "securityContext.allowPrivilegeEscalation",
        value: false,
        findings: ["pss-allow-privilege-escalation|shop/web", "pss-privileged|shop/web"],
      },
      { key: "livenessProbe.httpGet.path", value: "/", findings: ["rel-liveness-probe-missing|shop/web"] },
      { key: "livenessProbe.httpGet.port", value: "http", findings: ["rel-liveness-probe-missing|shop/web"] },
    ]);
    expect(merged.unwritten).toEqual([]);
  });

  it("leaves out a list of objects, a key with no place and a conflicting value, each with why; skips what the values hold", () => {
    const merged = mergeWorkloadFixes(
      [
        finding("a", [{ path: "podSecurityContext.runAsNonRoot", value: true }]),
        finding("b", [{ path: "podSecurityContext.runAsNonRoot", value: false }]),
        finding("c", [{ path: "securityContext.seLinuxOptions", value: { levels: [{ level: "s0" }] } }]),
        finding("d", [{ path: "hostNetwork", value: false }]),
        finding("e", [{ path: "podSecurityContext.seccompProfile.type", value: "RuntimeDefault" }]),
      ],
      (key) => (key === "hostNetwork" ? "no place" : undefined),
      (key) => (key === "podSecurityContext.seccompProfile.type" ? "RuntimeDefault" : undefined),
    );
    expect(merged.edits.map((e) => [e.key, e.value])).toEqual([["podSecurityContext.runAsNonRoot", true]]);
    expect(merged.unwritten.map((u) => [u.path, u.check])).toEqual([
      ["podSecurityContext.runAsNonRoot", "b"],
      ["securityContext.seLinuxOptions", "c"],
      ["hostNetwork", "d"],
    ]);
    expect(merged.unwritten[0]?.reason).toContain("conflicts with true");
    expect(merged.unwritten[1]?.reason).toContain("a list of objects");
    expect(merged.unwritten[2]?.reason).toBe("no place");
  });
});

describe("helmCreatePlace", () => {
  it("accepts probes always and security contexts the chart's values declare", () => {
    const place = helmCreatePlace("web", (path) => path === "web.podSecurityContext");
    expect(place("livenessProbe")).toBeUndefined();
    expect(place("podSecurityContext.runAsNonRoot")).toBeUndefined();
    expect(place("securityContext.allowPrivilegeEscalation")).toContain("do not declare web.securityContext");
    expect(place("hostPID")).toContain("not a helm-create values key");
    expect(helmCreatePlace("", () => true)("securityContext.privileged")).toBeUndefined();
  });
});

describe("findingsByWorkload", () => {
  it("groups the mapped controllers' findings that carry fixes, and drops the rest", () => {
    const mapping = { workload: "shop/web", valuesFile: "v.yaml", prefix: "web", create: false };
    const groups = findingsByWorkload(
      [
        finding("a", [{ path: "livenessProbe", value: {} }]),
        finding("b", undefined),
        finding("c", [{ path: "livenessProbe", value: {} }], { ...WEB, name: "db" }),
        finding("d", [{ path: "livenessProbe", value: {} }], {
          kind: "Pod",
          namespace: "shop",
          name: "web",
          container: "app",
        }),
        finding("e", [{ path: "podSecurityContext.runAsNonRoot", value: true }]),
      ],
      [mapping],
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]?.workload).toEqual({ kind: "Deployment", namespace: "shop", name: "web" });
    expect(groups[0]?.findings.map((f) => f.check)).toEqual(["a", "e"]);
  });
});

describe("the security kind elsewhere", () => {
  it("is always critical, whatever the policy", () => {
    const policy = { ...DEFAULT_POLICY.tiers, kinds: { probe: "low" as const } };
    expect(tierFor("security", undefined, policy)).toBe("critical");
  });

  it("renders a PHR the schema accepts, with the findings as evidence and no cost", () => {
    const r = renderSecurityFix({
      id: "0123abcd",
      cluster: "prod",
      workload: { kind: "Deployment", namespace: "shop", name: "web" },
      branch: "kopt/prod/shop/web/security",
      changes: [{ file: "v.yaml", path: "web.podSecurityContext.runAsNonRoot", from: undefined, to: true }],
      findings: [finding("pss-run-as-non-root", [{ path: "podSecurityContext.runAsNonRoot", value: true }])],
      unwritten: [],
      checks: [],
      source: "live:kubernetes",
      createdAt: "2026-12-04T10:00:00Z",
      currency: "USD",
    });
    expect(r.phrPath).toBe("phr/prod/2026-12-04-0123abcd-security-shop-web.md");
    const front = PhrFrontMatterSchema.parse(parse(r.phr.split("---\n")[1] ?? ""));
    expect([front.kind, front.tier, front.cost.monthlyDelta]).toEqual(["security", "critical", 0]);
    expect(front.evidence).toEqual([
      {
        workload: "shop/web",
        container: "app",
        source: "live:kubernetes",
        finding: {
          check: "pss-run-as-non-root",
          severity: "medium",
          detail: "pss-run-as-non-root detail",
          runbook: "runbooks/security/",
          fingerprint: "pss-run-as-non-root|shop/web",
        },
      },
    ]);
    expect(r.pr.labels).toEqual(["kopt", "kopt/tier:critical", "kopt/kind:security"]);
  });

  it("teaches the learning loop nothing when a security fix is rejected", () => {
    const past = [
      {
        kind: "security",
        tier: "critical" as const,
        status: "rejected",
        workloads: [{ kind: "Deployment" as const, namespace: "shop", name: "web" }],
        createdAt: "2026-12-01T00:00:00Z",
        rejection: { pullRequest: 3, closedAt: "2026-12-02T00:00:00Z", closedBy: "alice" },
      },
    ];
    expect(learnFromOutcomes(past, DEFAULT_POLICY, Date.parse("2026-12-04T00:00:00Z") / 1000)).toEqual([]);
  });

  it("leaves out a key a later values file sets (the edit would change nothing), unless it already holds the fix", () => {
    const merged = mergeWorkloadFixes(
      [
        finding("a", [{ path: "securityContext.allowPrivilegeEscalation", value: false }]),
        finding("b", [{ path: "podSecurityContext.runAsNonRoot", value: true }]),
      ],
      () => undefined,
      (key) => (key === "podSecurityContext.runAsNonRoot" ? true : undefined),
      () => "clusters/prod/values-prod.yaml",
    );
    expect(merged.edits).toEqual([]);
    expect(merged.unwritten).toEqual([
      {
        path: "securityContext.allowPrivilegeEscalation",
        check: "a",
        reason:
          "set by clusters/prod/values-prod.yaml, which overrides the values file kopt edits, so the edit would change nothing; fix it there",
      },
    ]);
  });

  it("writes a list of scalars whole, once, unless the values already hold that list", () => {
    const drop = (check: string) =>
      finding(check, [{ path: "securityContext.capabilities.drop", value: ["ALL"] }]);
    const merged = mergeWorkloadFixes(
      [drop("a"), drop("b")],
      () => undefined,
      () => undefined,
    );
    expect(merged.edits.map((e) => [e.key, e.value, e.findings.length])).toEqual([
      ["securityContext.capabilities.drop", ["ALL"], 2],
    ]);
    expect(merged.unwritten).toEqual([]);
    const held = mergeWorkloadFixes(
      [drop("a")],
      () => undefined,
      () => ["ALL"],
    );
    expect(held.edits).toEqual([]);
  });

  it("verify holds a list change against the running container's list", () => {
    const withDrop = (drop: string[]) => ({
      kind: "Deployment",
      metadata: { generation: 1 },
      spec: {
        replicas: 1,
        template: { spec: { containers: [{ name: "app", securityContext: { capabilities: { drop } } }] } },
      },
      status: { observedGeneration: 1, updatedReplicas: 1, replicas: 1, availableReplicas: 1 },
    });
    const changes = [{ path: "web.securityContext.capabilities.drop", to: ["ALL"] }];
    expect(rolloutState({ workload: withDrop(["ALL"]), pods: [], changes }).state).toBe("rolled-out");
    const other = rolloutState({ workload: withDrop(["NET_RAW"]), pods: [], changes });
    expect(other.state).toBe("mismatch");
    expect(other.reason).toContain('the change says ["ALL"]');
  });

  it("verify maps container and pod securityContext paths, and names a list item it cannot map", () => {
    const workload = {
      kind: "Deployment",
      metadata: { generation: 2 },
      spec: {
        replicas: 1,
        template: {
          spec: {
            securityContext: { runAsNonRoot: true },
            containers: [{ name: "app", securityContext: { allowPrivilegeEscalation: true } }],
          },
        },
      },
      status: { observedGeneration: 2, updatedReplicas: 1, replicas: 1, availableReplicas: 1 },
    };
    const state = rolloutState({
      workload,
      pods: [],
      changes: [
        { path: "web.podSecurityContext.runAsNonRoot", to: true },
        { path: "web.securityContext.allowPrivilegeEscalation", to: false },
        { path: "web.securityContext.capabilities.drop[0]", to: "ALL" },
      ],
    });
    expect(state.state).toBe("mismatch");
    expect(state.reason).toBe(
      "container app securityContext.allowPrivilegeEscalation is true, the change says false; not checked (kopt cannot map): web.securityContext.capabilities.drop[0]",
    );
    const fixed = structuredClone(workload);
    (fixed.spec.template.spec.containers[0] as { securityContext: object }).securityContext = {
      allowPrivilegeEscalation: false,
    };
    expect(
      rolloutState({
        workload: fixed,
        pods: [],
        changes: [
          { path: "web.podSecurityContext.runAsNonRoot", to: true },
          { path: "web.securityContext.allowPrivilegeEscalation", to: false },
        ],
      }).state,
    ).toBe("rolled-out");
  });
});
