// How plan and recommend read in a terminal when they have nothing to propose: the verdict line must say
// why (nothing could be analyzed, or all of it is right), and the Skipped list names each container once.
import { describe, expect, it } from "vitest";
import { phrLintText, planText, recommendJson, recommendTable } from "./cli-output.ts";
import type { Skipped } from "./model/recommendation.ts";
import type { WorkloadRef } from "./model/types.ts";
import type { PlanOutcome } from "./workflows/plan.ts";
import type { RecommendOutcome } from "./workflows/recommend.ts";

const web: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "web" };
const db: WorkloadRef = { namespace: "shop", kind: "StatefulSet", name: "db" };
const OBSERVED = Date.parse("2026-11-20T12:00:00Z") / 1000;

function plan(over: Partial<PlanOutcome>): PlanOutcome {
  return {
    cluster: "prod",
    observedAt: OBSERVED,
    source: "kubernetes:prod",
    dryRun: false,
    baseBranch: "main",
    proposals: [],
    unchanged: [],
    skipped: [],
    drift: [],
    capacity: [],
    heldBack: [],
    closed: [],
    diagnosis: { findings: [], incidents: [] },
    incidentIssues: [],
    forge: "local",
    warnings: [],
    ...over,
  };
}

/** The line under the header: what the run says about having no proposals. */
const verdict = (out: PlanOutcome) => planText(out).split("\n")[2];

const noData = (workload: WorkloadRef, container: string): Skipped => ({
  workload,
  container,
  reason: "no usage data",
});

describe("planText without proposals", () => {
  it("says nothing could be analyzed when every container was skipped", () => {
    const out = plan({ skipped: [noData(web, "web"), noData(web, "envoy"), noData(db, "db")] });
    expect(verdict(out)).toBe("No proposals: no workload could be analyzed (2 skipped, see below).");
  });

  it('says "nothing needs to change" only when containers were analyzed and found right', () => {
    const right = { workload: web, container: "web", reason: "within the minimum-change rule" };
    expect(verdict(plan({ unchanged: [right] }))).toBe("No proposals: nothing needs to change.");
    expect(verdict(plan({ unchanged: [right], skipped: [noData(db, "db")] }))).toBe(
      "No proposals: nothing needs to change in what could be analyzed (1 skipped, see below).",
    );
  });

  it("counts what the guardrails held back, and says when there was nothing to analyze", () => {
    const held = { workload: web, kind: "rightsize" as const, rule: "paused" as const, reason: "paused" };
    expect(verdict(plan({ heldBack: [held], skipped: [noData(db, "db")] }))).toBe(
      "No proposals: 1 held back, 1 skipped (see below).",
    );
    expect(verdict(plan({}))).toBe("No proposals: no workloads to analyze.");
  });
});

describe("the Skipped list", () => {
  it("is one line per workload and reason, naming the containers that share it", () => {
    const text = planText(
      plan({
        skipped: [
          noData(web, "web"),
          noData(web, "envoy"),
          { workload: web, container: "web", reason: "OOM-killed without a memory limit" },
          noData(db, "db"),
        ],
      }),
    );
    expect(text.slice(text.indexOf("Skipped"))).toBe(
      [
        "Skipped (3):",
        "  shop/web (containers web, envoy): no usage data",
        "  shop/web/web: OOM-killed without a memory limit",
        "  shop/db/db: no usage data",
      ].join("\n"),
    );
  });
});

describe("recommendTable without recommendations", () => {
  const recommend = (skipped: Skipped[]): RecommendOutcome => ({
    cluster: "prod",
    observedAt: OBSERVED,
    source: "kubernetes:prod",
    warnings: [],
    capacity: [],
    oom: [],
    hpa: [],
    recommendations: [],
    skipped,
  });

  it("says no container could be sized when every one was skipped", () => {
    expect(recommendTable(recommend([noData(web, "web"), noData(db, "db")])).split("\n")[2]).toBe(
      "No recommendations: no container could be sized (2 skipped, see below).",
    );
    expect(recommendTable(recommend([])).split("\n")[2]).toBe("No recommendations.");
  });
});

describe("phrLintText: what `kopt phr lint` prints", () => {
  it("one `file:line: field: message` line per fault, the parts it has, then the count", () => {
    const file = "phr/prod/2026-11-20-0a1b2c3d-rightsize-shop-web.md";
    expect(
      phrLintText(3, [
        { file, line: 6, field: "status", message: "Invalid option" },
        { file, field: "id", message: "id 0a1b2c3e does not match the file name (0a1b2c3d)" },
        { file: "phr/prod/notes.md", line: 1, message: "no YAML front matter" },
      ]),
    ).toBe(
      [
        `${file}:6: status: Invalid option`,
        `${file}: id: id 0a1b2c3e does not match the file name (0a1b2c3d)`,
        "phr/prod/notes.md:1: no YAML front matter",
        "3 PHR(s) checked, 3 fault(s)",
        "",
      ].join("\n"),
    );
    expect(phrLintText(0, [])).toBe("0 PHR(s) checked, 0 fault(s)\n");
  });
});

describe("recommendJson", () => {
  it("keeps the charts' series out of the JSON contract (HPA replica profile, usage profile)", () => {
    const json = recommendJson({
      cluster: "prod",
      observedAt: OBSERVED,
      source: "kubernetes:prod",
      warnings: [],
      capacity: [],
      oom: [],
      recommendations: [],
      skipped: [],
      hpa: [
        {
          workload: web,
          change: { kind: "raise-max", from: 4, to: 8 },
          evidence: { windowHours: 168 },
          reason: "pinned",
          profile: { start: OBSERVED - 168 * 3600, bucketHours: 4, replicasNeeded: [1, 2, null] },
        },
      ],
    });
    expect(json.hpa).toEqual([
      {
        workload: web,
        change: { kind: "raise-max", from: 4, to: 8 },
        evidence: { windowHours: 168 },
        reason: "pinned",
      },
    ]);
  });
});
