// The parts of `kopt verify`'s end-to-end test and bench: a kopt change of todo/backend merged on the GitHub
// simulator and recorded; the backend as it runs after the apply; its ingress-nginx traffic and pods'
// series for a real Prometheus; and verify's real sources (Kubernetes simulator, Prometheus, git).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClusterConfig } from "../../src/config/load.ts";
import { ClusterConfigSchema, type PrometheusSource } from "../../src/formats/config.ts";
import { createKubeVerifySources } from "../../src/observe/gitops/kube-verify.ts";
import { connect } from "../../src/observe/kube/connection.ts";
import { createPrometheusRolloutMetrics } from "../../src/observe/prometheus/rollout-metrics.ts";
import { openRepository } from "../../src/propose/git-repo.ts";
import type { PlanOutcome } from "../../src/workflows/plan.ts";
import type { VerifySources } from "../../src/workflows/verify/ports.ts";
import { mergeAs, type World } from "./github-world.ts";
import { argoApplication } from "./kube-sim/gitops-fixtures.ts";
import { startKubeSim } from "./kube-sim/index.ts";
import {
  constant,
  ingressNginxSeries,
  type MetricSeries,
  podSeries,
  type Signal,
} from "./prometheus/index.ts";
import { git } from "./repo.ts";
import { deployment, pod, replicaSet } from "./snapshot-builder.ts";

type Obj = Record<string, unknown>;
export const MIN = 60;
export const iso = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The backend after the apply: the PR's values (requests 500m / 1Gi, memory limit 2Gi), 2 new pods. */
export function backendAfterApply(appliedAt: number): Obj[] {
  const d = deployment({
    namespace: "todo",
    name: "backend",
    created: "2026-11-01T00:00:00Z",
    replicas: 2,
    revision: 2,
    rolledOutAt: iso(appliedAt + MIN),
    containers: [
      {
        name: "backend",
        image: "ghcr.io/example/todo-backend:1.4.2",
        resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      },
    ],
  });
  const rs = replicaSet({ deployment: d, revision: 2, replicas: 2, created: iso(appliedAt) });
  const pods = [0, 1].map((i) => pod({ owner: rs, nodeName: "node-a", created: iso(appliedAt), seed: i }));
  return [d, rs, ...pods] as unknown as Obj[];
}

/** The backend's traffic through ingress-nginx (40 requests/s, p99 0.2 s) and one pod's series (its restarts). */
export function backendSeries(
  span: { start: number; end: number },
  errorRate: Signal,
  restarts: { at: number; reason: string }[] = [],
): MetricSeries[] {
  const container = {
    name: "backend",
    cpu: constant(0.2),
    cpuRequest: 0.5,
    memory: constant(400 * 2 ** 20),
    restarts,
  };
  return [
    ...ingressNginxSeries({
      ...span,
      namespace: "todo",
      ingress: "backend",
      rps: constant(40),
      errorRate,
      p99Seconds: constant(0.2),
    }),
    ...podSeries({ ...span, namespace: "todo", name: "backend-6c7d8e9f1-d3e4f", containers: [container] }),
  ];
}

/**
 * The backend right-sizing opened, approved by `approvers` (alice; alice and bob for a critical tier), merged
 * by alice and recorded at `at`; main's head after it.
 */
export async function mergedBackendChange(world: World, at: number, approvers: string[] = ["alice"]) {
  const now = new Date(at * 1000);
  const r = await world.kopt(["plan", "--workload", "todo/backend", "--output", "json"], { now });
  if (r.code !== 0) throw new Error(`plan failed: ${r.stderr}`);
  const proposal = (JSON.parse(r.stdout) as PlanOutcome).proposals[0] as PlanOutcome["proposals"][number];
  const pull = world.sim.state.pulls.find((p) => p.head === proposal.branch);
  if (!pull) throw new Error("no pull request opened");
  for (const user of approvers) await world.sim.addReview(pull.number, { user, state: "APPROVED" });
  const merged = await mergeAs(world, "alice", pull.number);
  const am = await world.kopt(["after-merge"], { now });
  if (am.code !== 0) throw new Error(`after-merge failed: ${am.stderr}`);
  world.sync();
  return { proposal, pull, mergeSha: merged.sha as string, head: git(world.work, "rev-parse", "HEAD") };
}

/**
 * verify's real sources: a Kubernetes simulator holding `objects`, the Prometheus at `prometheusUrl`, git in
 * the world's checkout. `defer` receives what to stop afterwards.
 */
export async function realVerifySources(
  world: World,
  objects: Obj[],
  prometheusUrl: string,
  defer: (stop: () => Promise<void> | void) => void,
): Promise<VerifySources> {
  const sim = await startKubeSim({ objects });
  defer(() => sim.stop());
  const dir = mkdtempSync(join(tmpdir(), "kopt-verify-world-"));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const conn = connect({ kubeconfig: sim.writeKubeconfig(dir) });
  const { config } = await loadClusterConfig(world.work, "demo");
  const source = ClusterConfigSchema.shape.source.parse({
    snapshot: "unused.json",
    prometheus: { url: prometheusUrl, retries: 0 },
  }).prometheus as PrometheusSource;
  return {
    ...createKubeVerifySources(conn, await openRepository(world.work), config),
    metrics: createPrometheusRolloutMetrics(source, config.verify, { stepSeconds: 15 }),
  };
}

/** Argo CD's Application after it synced `revision` at `syncedAt` (Unix seconds), healthy. */
export function syncedApplication(revision: string, syncedAt: number): Obj {
  return argoApplication({
    phase: "Succeeded",
    revision,
    startedAt: iso(syncedAt - 20),
    finishedAt: iso(syncedAt),
    history: [{ revision, deployedAt: iso(syncedAt) }],
  });
}

/** verify configured for ingress-nginx, as the world's kopt.yaml extra. */
export const VERIFY_INGRESS_NGINX = "verify:\n  errorRate:\n    preset: ingress-nginx\n";
