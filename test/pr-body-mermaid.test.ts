// The charts of right-sizing and HPA pull-request bodies (issue 18) parse with Mermaid's own parser (mermaid
// 11 under jsdom), show the usage with today's and the proposed value as lines, render the same for the
// same data, and keep the body short whatever the number of containers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HpaRecommendation } from "../src/analyze/hpa.ts";
import type { PlannedChange } from "../src/decide/drift.ts";
import type { Proposal } from "../src/decide/proposals.ts";
import { DEFAULT_RIGHTSIZE_POLICY } from "../src/model/policy.ts";
import type { Evidence, Recommendation } from "../src/model/recommendation.ts";
import type { WorkloadRef } from "../src/model/types.ts";
import { renderProposal } from "../src/propose/render.ts";
import { MAX_USAGE_CHARTS } from "../src/propose/usage-chart.ts";
import { type MermaidParser, mermaidBlocks, mermaidParser } from "./support/mermaid.ts";

let mermaid: MermaidParser;
beforeAll(async () => {
  mermaid = await mermaidParser();
});
afterAll(() => mermaid.close());

const NOW = 1_795_176_000;
const MI = 2 ** 20;
const REF: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "api" };
const HOSTILE = 'api "quoted", x] : #quot; `tick`';

/** A week in 42 buckets of 4 h: a daily cycle, no samples for the first day, one empty bucket on day 3. */
const cycle = (base: number, swing: number) =>
  Array.from({ length: 42 }, (_, i) =>
    i < 6 || i === 15 ? null : base + swing * Math.sin((i / 6) * 2 * Math.PI),
  );

function evidence(): Evidence {
  return {
    window: { start: NOW - 168 * 3600, end: NOW, hours: 168 },
    pods: 3,
    cpu: { samples: 5000, p50: 0.14, p95: 0.23, p99: 0.25, max: 0.27 },
    memory: { samples: 5000, p50: 390 * MI, p95: 440 * MI, p99: 446 * MI, max: 452 * MI },
    profile: {
      start: NOW - 168 * 3600,
      bucketHours: 4,
      cpu: cycle(0.18, 0.05),
      memory: cycle(420 * MI, 20 * MI),
    },
  };
}

function recommendation(container: string): Recommendation {
  return {
    workload: REF,
    container,
    current: { requests: { cpu: 1, memory: 2048 * MI }, limits: { cpu: null, memory: null } },
    recommended: { requests: { cpu: 0.3, memory: 576 * MI }, limits: { cpu: null, memory: null } },
    changes: [
      { field: "requests.cpu", from: 1, to: 0.3 },
      { field: "requests.memory", from: 2048 * MI, to: 576 * MI },
    ],
    confidence: 1,
    evidence: evidence(),
  };
}

function changesOf(container: string): PlannedChange[] {
  const at = (field: string, from: string | undefined, to: string): PlannedChange => ({
    file: "clusters/prod/values.yaml",
    path: `api.resources.${field}`,
    container,
    field,
    from,
    to,
  });
  return [at("requests.cpu", "1", "300m"), at("requests.memory", "2Gi", "576Mi")];
}

function proposal(kind: Proposal["kind"], extra: Partial<Proposal>): Proposal {
  return {
    id: "0a1b2c3d",
    cluster: "prod",
    kind,
    tier: "medium",
    workload: REF,
    branch: `kopt/prod/shop/api/${kind}`,
    slug: `${kind}-shop-api`,
    recommendations: [],
    valueChanges: [],
    replicas: 3,
    cost: { currency: "USD", monthlyBefore: 10, monthlyAfter: 8, monthlyDelta: -2 },
    confidence: 1,
    ...extra,
  };
}

const render = (p: Proposal, changes: PlannedChange[]) =>
  renderProposal(p, changes, {
    source: "snapshot:clusters/prod/snapshot.json.gz",
    createdAt: "2026-11-20T12:00:00Z",
    policy: DEFAULT_RIGHTSIZE_POLICY,
  });

/** The `line [...]` series of a chart, as numbers. */
const lines = (block: string) =>
  [...block.matchAll(/^ {4}line \[(.*)\]$/gm)].map((m) => (m[1] as string).split(", ").map(Number));

describe("right-sizing PR body charts", () => {
  it("draws one chart per changed request: p95 usage, today's and the proposed request, above the table", async () => {
    const body = render(proposal("rightsize", { recommendations: [recommendation("api")] }), changesOf("api"))
      .pr.body;
    const blocks = mermaidBlocks(body);
    expect(blocks).toHaveLength(2);
    for (const b of blocks) expect(await mermaid.parse(b)).toBe("xychart");
    const [cpu, memory] = blocks as [string, string];
    expect(cpu).toContain('title "CPU request 1 → 300m over p95 per 4 h · api"');
    // The first day has no samples: the axis starts where the data does (bucket 6 ends at day 1.167).
    expect(cpu).toContain('x-axis "day of the 7-day window" 1.167 --> 7');
    expect(cpu).toContain('y-axis "millicores" 0 --> 2000');
    const [usage, today, proposed] = lines(cpu) as [number[], number[], number[]];
    expect(usage).toHaveLength(36);
    // The empty bucket (15, the 10th point) holds the value before it.
    expect(usage[9]).toBe(usage[8]);
    // 180m + 50m × sin(2π·7/6), one decimal.
    expect(Math.max(...usage)).toBe(223.3);
    expect(new Set(today)).toEqual(new Set([1000]));
    expect(new Set(proposed)).toEqual(new Set([300]));
    expect(memory).toContain('title "Memory request 2Gi → 576Mi over p95 per 4 h · api"');
    expect(memory).toContain('y-axis "MiB" 0 --> 5000');
    expect(lines(memory).map((l) => l[0])).toEqual([420, 2048, 576]);
    // The numbers stay in the table beneath the charts.
    expect(body.indexOf("| Container | Resource | p50 |")).toBeGreaterThan(body.lastIndexOf("```"));
  });

  it("renders the same body for the same data: a rerun changes nothing", () => {
    const p = () => proposal("rightsize", { recommendations: [recommendation("api")] });
    expect(render(p(), changesOf("api")).pr.body).toBe(render(p(), changesOf("api")).pr.body);
  });

  it("parses whatever the container is called, and draws no line for a request that is unset today", async () => {
    const changes = changesOf(HOSTILE).map((c) => ({ ...c, from: undefined }));
    const body = render(proposal("rightsize", { recommendations: [recommendation(HOSTILE)] }), changes).pr
      .body;
    const blocks = mermaidBlocks(body);
    expect(blocks).toHaveLength(2);
    for (const b of blocks) {
      expect(await mermaid.parse(b)).toBe("xychart");
      expect(lines(b)).toHaveLength(2);
    }
    expect(blocks[0]).toContain("CPU request unset → 300m");
  });

  it("draws no chart from data without a usage profile (older snapshots)", () => {
    const rec = recommendation("api");
    const { profile: _, ...plain } = rec.evidence;
    const body = render(
      proposal("rightsize", { recommendations: [{ ...rec, evidence: plain }] }),
      changesOf("api"),
    ).pr.body;
    expect(mermaidBlocks(body)).toEqual([]);
    expect(body).toContain("| Container | Resource | p50 |");
  });

  it("keeps a many-container body to four charts and far under GitHub's 65,536 characters", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `sidecar-${i}`);
    const body = render(
      proposal("rightsize", { recommendations: names.map(recommendation) }),
      names.flatMap(changesOf),
    ).pr.body;
    const blocks = mermaidBlocks(body);
    expect(blocks).toHaveLength(MAX_USAGE_CHARTS);
    for (const b of blocks) expect(await mermaid.parse(b)).toBe("xychart");
    expect(body).toContain("_Charts of the first 4 of 24 changed requests;");
    expect(body.length).toBeLessThan(20_000);
  });
});

describe("HPA PR body charts", () => {
  const hpa = (change: HpaRecommendation["change"]): HpaRecommendation => ({
    workload: REF,
    change,
    evidence: { windowHours: 168, peakCores: 1.05 },
    reason: "The HPA sat at its maximum.",
    profile: {
      start: NOW - 168 * 3600,
      bucketHours: 4,
      replicasNeeded: cycle(4, 1.2),
    },
  });
  const settings: PlannedChange[] = [
    {
      file: "clusters/prod/values.yaml",
      path: "api.autoscaling.maxReplicas",
      container: "",
      field: "autoscaling.maxReplicas",
      from: 4,
      to: 8,
    },
  ];

  it("draws the replicas needed at the target with today's and the proposed bound", async () => {
    const body = render(proposal("hpa", { hpa: [hpa({ kind: "raise-max", from: 4, to: 8 })] }), settings).pr
      .body;
    const blocks = mermaidBlocks(body);
    expect(blocks).toHaveLength(1);
    const block = blocks[0] as string;
    expect(await mermaid.parse(block)).toBe("xychart");
    expect(block).toContain('title "maxReplicas 4 → 8 over replicas needed, p95/4 h"');
    expect(block).toContain('y-axis "replicas" 0 --> 10');
    const [needed, today, proposed] = lines(block) as [number[], number[], number[]];
    // 4 + 1.2 × sin(2π·7/6), one decimal.
    expect(Math.max(...needed)).toBe(5);
    expect(new Set(today)).toEqual(new Set([4]));
    expect(new Set(proposed)).toEqual(new Set([8]));
  });

  it("draws enable-hpa and lower-min, and no chart for a scale-down window (no replica count changes)", async () => {
    const enable = hpa({
      kind: "enable-hpa",
      minReplicas: 2,
      maxReplicas: 6,
      targetCPUUtilizationPercentage: 70,
    });
    const lower = hpa({ kind: "lower-min", from: 4, to: 2 });
    const stabilize = hpa({ kind: "stabilize-scale-down", stabilizationWindowSeconds: 600 });
    const body = render(proposal("hpa", { hpa: [enable, lower, stabilize] }), settings).pr.body;
    const blocks = mermaidBlocks(body);
    expect(blocks.map((b) => b.match(/title "(.*)"/)?.[1])).toEqual([
      "Fixed 2 → HPA max 6 over replicas needed, p95/4 h",
      "minReplicas 4 → 2 over replicas needed, p95/4 h",
    ]);
    for (const b of blocks) expect(await mermaid.parse(b)).toBe("xychart");
  });
});
