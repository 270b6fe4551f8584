// `kopt recommend` and `kopt plan` run one pipeline (src/workflows/pipeline.ts), so they agree on every
// workload: the HPA findings (the HA floor of production namespaces included) and the sizing targets. Plan
// may only hold a finding back or limit it through a guardrail, and then it says so.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { formatCpu, formatMemory } from "../src/model/format.ts";
import { workloadLabel } from "../src/model/types.ts";
import { type PlanOutcome, plan } from "../src/workflows/plan.ts";
import { type RecommendOutcome, recommend } from "../src/workflows/recommend.ts";
import { demoRepo, git, type TempRepo } from "./support/repo.ts";
import {
  deployment,
  hpa,
  namespace,
  node,
  pod,
  replicaSet,
  seeded,
  snapshot,
  usageSeries,
} from "./support/snapshot-builder.ts";

const NOW = "2026-03-02T08:00:00Z";
const END = Date.parse(NOW) / 1000;
const HOUR = 3600;
const CREATED = "2026-02-01T00:00:00Z";

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

/**
 * Cluster `prodfix`: the same idle, HPA'd API (4 replicas at ~1m CPU each, min 4) in three namespaces:
 * `shop` labelled environment: production, `billing` listed in policy.hpa.productionNamespaces, and `lab`,
 * which is neither. Right-sizing's 10m floor leaves one replica enough for the demand.
 */
function productionRepo(): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), "kopt-agree-"));
  const noise = seeded("recommend-plan-agree");
  const nodes = [0, 1].map((i) => node({ name: `pool-${i}`, created: CREATED, cpu: "8", memory: "32Gi" }));
  const objects: object[] = [
    namespace({ name: "shop", created: CREATED, labels: { environment: "production" } }),
    namespace({ name: "billing", created: CREATED }),
    namespace({ name: "lab", created: CREATED }),
    ...nodes,
  ];
  const cpu = [];
  const memory = [];
  const range = { start: END - 7 * 24 * HOUR, end: END, step: 300 };
  for (const ns of ["shop", "billing", "lab"]) {
    const api = deployment({
      namespace: ns,
      name: "api",
      created: CREATED,
      replicas: 4,
      containers: [
        {
          name: "app",
          image: "shop/api:2",
          resources: { requests: { cpu: "500m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        },
      ],
    });
    const rs = replicaSet({ deployment: api, revision: 1, replicas: 4, created: CREATED });
    const autoscaler = hpa({
      target: api,
      created: CREATED,
      minReplicas: 4,
      maxReplicas: 8,
      targetCPUUtilizationPercentage: 70,
      currentReplicas: 4,
      currentCPUUtilization: 1,
    });
    const pods = [0, 1, 2, 3].map((i) =>
      pod({ owner: rs, nodeName: `pool-${i % 2}`, created: CREATED, seed: `${ns}-${i}` }),
    );
    objects.push(api, rs, autoscaler, ...pods);
    for (const p of pods) {
      const metric = { namespace: ns, pod: p.metadata.name, container: "app" };
      cpu.push(usageSeries(metric, range, () => 0.001 * (0.9 + 0.2 * noise())));
      memory.push(usageSeries(metric, range, () => 100 * 2 ** 20 * (0.9 + 0.2 * noise())));
    }
  }
  const snap = snapshot({
    cluster: "prodfix",
    capturedAt: NOW,
    objects: objects as Parameters<typeof snapshot>[0]["objects"],
    cpu,
    memory,
  });
  const values = ["shop", "billing", "lab"]
    .map(
      (ns) => `${ns}Api:
  replicaCount: 4
  resources:
    requests:
      cpu: 500m
      memory: 256Mi
    limits:
      memory: 512Mi
  autoscaling:
    enabled: true
    minReplicas: 4
    maxReplicas: 8
    targetCPUUtilizationPercentage: 70
`,
    )
    .join("");
  const mappings = ["shop", "billing", "lab"]
    .map(
      (ns) => `  - workload: ${ns}/api
    valuesFile: clusters/prodfix/values.yaml
    prefix: ${ns}Api
`,
    )
    .join("");
  mkdirSync(join(dir, "clusters", "prodfix"), { recursive: true });
  writeFileSync(join(dir, "clusters/prodfix/snapshot.json.gz"), gzipSync(JSON.stringify(snap)));
  writeFileSync(join(dir, "clusters/prodfix/values.yaml"), values);
  writeFileSync(
    join(dir, "clusters/prodfix/kopt.yaml"),
    `apiVersion: kopt.dev/v1alpha1
kind: ClusterConfig
cluster: prodfix
source:
  snapshot: clusters/prodfix/snapshot.json.gz
workloads:
${mappings}policy:
  hpa:
    productionNamespaces: [billing]
`,
  );
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "prodfix");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function both(dir: string, cluster: string): Promise<{ rec: RecommendOutcome; out: PlanOutcome }> {
  const rec = await recommend({ repoDir: dir, cluster });
  const out = await plan({ repoDir: dir, cluster, dryRun: true });
  return { rec, out };
}

type Planned = PlanOutcome["proposals"][number];

/** What a recommend HPA finding writes into the values file, as plan's changes name it (path suffix -> value). */
function hpaSettings(change: RecommendOutcome["hpa"][number]["change"]): Record<string, number | boolean> {
  switch (change.kind) {
    case "enable-hpa":
      return {
        "autoscaling.enabled": true,
        "autoscaling.minReplicas": change.minReplicas,
        "autoscaling.maxReplicas": change.maxReplicas,
        "autoscaling.targetCPUUtilizationPercentage": change.targetCPUUtilizationPercentage,
      };
    case "raise-max":
      return { "autoscaling.maxReplicas": change.to };
    case "lower-min":
      return { "autoscaling.minReplicas": change.to };
    case "stabilize-scale-down":
      return { "autoscaling.scaleDownStabilizationSeconds": change.stabilizationWindowSeconds };
  }
}

/**
 * Every HPA finding of recommend is an HPA proposal of plan with exactly its settings, or held back by plan
 * with a reason; plan proposes no HPA change recommend did not find.
 */
function expectSameHpa(rec: RecommendOutcome, out: PlanOutcome): void {
  const planned = out.proposals.filter((p) => p.kind === "hpa");
  for (const finding of rec.hpa) {
    const label = workloadLabel(finding.workload);
    const proposal = planned.find((p) => workloadLabel(p.workload) === label);
    const held = out.heldBack.find((h) => h.kind === "hpa" && workloadLabel(h.workload) === label);
    expect(proposal ?? held, `${label}: ${finding.change.kind}`).toBeDefined();
    if (!proposal) continue;
    const written = Object.fromEntries(
      proposal.changes.map((c) => [c.path.split(".").slice(-2).join("."), c.to]),
    );
    expect(written, label).toMatchObject(hpaSettings(finding.change));
  }
  for (const p of planned) {
    expect(rec.hpa.some((f) => workloadLabel(f.workload) === workloadLabel(p.workload))).toBe(true);
  }
}

/**
 * Every resource value plan writes is recommend's target for it, or a guardrail note of the proposal names
 * recommend's target and says how it was limited.
 */
function expectSameTargets(rec: RecommendOutcome, out: PlanOutcome): void {
  const resized = out.proposals.filter((p: Planned) => p.kind === "rightsize");
  expect(resized.length).toBeGreaterThan(0);
  for (const p of resized) {
    for (const c of p.changes) {
      const r = rec.recommendations.find(
        (x) => workloadLabel(x.workload) === workloadLabel(p.workload) && x.container === c.container,
      );
      const field = c.path.split(".").slice(-2).join(".") as "requests.cpu";
      const [group, resource] = field.split(".") as ["requests" | "limits", "cpu" | "memory"];
      const target = r?.recommended[group][resource];
      const shown =
        target === null || target === undefined
          ? null
          : resource === "cpu"
            ? formatCpu(target)
            : formatMemory(target);
      const where = `${workloadLabel(p.workload)} ${c.container} ${field}`;
      if (c.to === shown) continue;
      expect(
        p.notes?.some((n) => n.startsWith(`${c.container} ${field} ${c.from} -> ${shown}:`)),
        `${where}: plan writes ${c.to}, recommend says ${shown}; notes: ${JSON.stringify(p.notes)}`,
      ).toBe(true);
    }
  }
}

describe("kopt recommend and kopt plan agree", () => {
  it("on every workload of the demo: HPA findings and sizing targets", async () => {
    repo = demoRepo();
    const { rec, out } = await both(repo.dir, "demo");
    expect(rec.hpa.length).toBeGreaterThan(0);
    expectSameHpa(rec, out);
    expectSameTargets(rec, out);
  });

  it("in production namespaces: both keep the HA floor of 2 replicas; elsewhere the floor is 1", async () => {
    repo = productionRepo();
    const { rec, out } = await both(repo.dir, "prodfix");
    const minOf = (ns: string) =>
      rec.hpa.find((f) => f.workload.namespace === ns && f.change.kind === "lower-min")?.change;
    // Labelled environment: production, listed in policy.hpa.productionNamespaces, neither.
    expect(minOf("shop")).toEqual({ kind: "lower-min", from: 4, to: 2 });
    expect(minOf("billing")).toEqual({ kind: "lower-min", from: 4, to: 2 });
    expect(minOf("lab")).toEqual({ kind: "lower-min", from: 4, to: 1 });
    expectSameHpa(rec, out);
    expectSameTargets(rec, out);
    expect(
      out.proposals
        .filter((p) => p.kind === "hpa")
        .map((p) => [p.workload.namespace, p.changes.map((c) => [c.path, c.to])])
        .sort(),
    ).toEqual([
      ["billing", [["billingApi.autoscaling.minReplicas", 2]]],
      ["lab", [["labApi.autoscaling.minReplicas", 1]]],
      ["shop", [["shopApi.autoscaling.minReplicas", 2]]],
    ]);
  });
});
