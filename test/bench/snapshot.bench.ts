// Benchmark of `kopt snapshot` on a large simulated cluster: 10,000 pods in 2,000 workloads.
//
//   npm run bench:snapshot
//
// The Kubernetes API simulator runs in a child process, so the memory measured here is kopt's alone: this
// process runs the snapshot workflow (src/workflows/snapshot.ts) exactly as `kopt snapshot` does, through
// @kubernetes/client-node and the least-privilege RBAC rules, and prints wall time, peak memory (RSS, sampled
// every 20 ms, and the OS's maxRSS) and the number of HTTP requests the simulator received.

import { execFileSync, fork } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KOPT_RBAC_RULES } from "../../src/observe/kube/rbac.ts";
import { snapshot } from "../../src/workflows/snapshot.ts";
import { startKubeSim } from "../support/kube-sim/index.ts";
import {
  daemonSet,
  deployment,
  event,
  hpa,
  type KubeObject,
  namespace,
  node,
  type PodController,
  pod,
  replicaSet,
  statefulSet,
} from "../support/snapshot-builder.ts";
import { nextMessage } from "./child.ts";

const NAMESPACES = 50;
const NODES = 54;
const DEPLOYMENTS = 1950; // x 5 replicas = 9,750 pods
const STATEFULSETS = 49; // x 4 replicas = 196 pods
const DAEMONSETS = 1; // x 54 nodes = 54 pods
const CREATED = "2026-10-01T00:00:00Z";
export const NOW = "2026-11-20T12:00:00Z";

export interface Cluster {
  objects: KubeObject[];
  logs: Record<string, { current?: string; previous?: string }>;
  metrics: { pods: Record<string, unknown>[]; nodes: Record<string, unknown>[] };
}

/** The cluster: deterministic, built with the same builder as the demo. 1 in 50 deployments crash-loops. */
export function buildCluster(): Cluster {
  const objects: KubeObject[] = [];
  const logs: Cluster["logs"] = {};
  const pods: KubeObject[] = [];
  const nodeNames = Array.from({ length: NODES }, (_, i) => `pool-${Math.floor(i / 18)}-node-${i}`);
  for (let i = 0; i < NAMESPACES; i++) objects.push(namespace({ name: `team-${i}`, created: CREATED }));
  nodeNames.forEach((name) => {
    const n = node({ name, created: CREATED, cpu: "16", memory: "64Gi", pods: 250 });
    const uid = n.metadata.uid;
    Object.assign((n.status as { nodeInfo: object }).nodeInfo, {
      machineID: uid.replace(/-/g, ""),
      systemUUID: uid,
      bootID: uid,
    });
    objects.push(n);
  });
  const containers = (name: string) => [
    {
      name,
      image: `registry.example.com/${name}:1.0.${name.length}`,
      resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      ports: [{ name: "http", containerPort: 8080 }],
    },
  ];
  let nodeIndex = 0;
  const nextNode = () => nodeNames[nodeIndex++ % NODES] as string;
  const addPods = (owner: PodController, count: number, failing: boolean) => {
    for (let r = 0; r < count; r++) {
      const p = pod({
        owner,
        nodeName: nextNode(),
        created: CREATED,
        seed: r,
        ordinal: r,
        statuses: failing
          ? [
              {
                restartCount: 12,
                waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" },
                lastTerminated: { reason: "Error", exitCode: 1, startedAt: NOW, finishedAt: NOW },
                ready: false,
              },
            ]
          : undefined,
      });
      pods.push(p);
      if (failing) {
        const key = `${p.metadata.namespace}/${p.metadata.name}/${owner.spec.template.spec.containers[0]?.name}`;
        logs[key] = {
          current: "starting\nFATAL: missing DATABASE_URL\n",
          previous: "starting\nFATAL: missing DATABASE_URL\n",
        };
      }
    }
  };
  for (let i = 0; i < DEPLOYMENTS; i++) {
    const ns = `team-${i % NAMESPACES}`;
    const d = deployment({
      namespace: ns,
      name: `svc-${i}`,
      created: CREATED,
      replicas: 5,
      containers: containers(`svc-${i}`),
    });
    const rs = replicaSet({ deployment: d, revision: 1, replicas: 5, created: CREATED });
    objects.push(d, rs);
    if (i % 10 === 0) {
      objects.push(
        hpa({
          target: d,
          created: CREATED,
          minReplicas: 2,
          maxReplicas: 10,
          targetCPUUtilizationPercentage: 70,
          currentReplicas: 5,
          currentCPUUtilization: 55,
        }),
      );
    }
    addPods(rs, 5, i % 50 === 7);
  }
  for (let i = 0; i < STATEFULSETS; i++) {
    const s = statefulSet({
      namespace: `team-${i % NAMESPACES}`,
      name: `db-${i}`,
      created: CREATED,
      replicas: 4,
      containers: containers(`db-${i}`),
    });
    objects.push(s);
    addPods(s, 4, false);
  }
  for (let i = 0; i < DAEMONSETS; i++) {
    const ds = daemonSet({
      namespace: "team-0",
      name: `agent-${i}`,
      created: CREATED,
      nodes: NODES,
      containers: containers(`agent-${i}`),
    });
    objects.push(ds);
    for (const nodeName of nodeNames)
      pods.push(pod({ owner: ds, nodeName, created: CREATED, seed: nodeName }));
  }
  for (const [i, p] of pods.entries()) {
    if (i % 20 === 0)
      objects.push(
        event({
          involved: p,
          reason: "Pulled",
          message: "Container image already present on machine",
          first: NOW,
        }),
      );
  }
  objects.push(...pods);
  const metrics: Cluster["metrics"] = {
    pods: pods.map((p) => ({
      metadata: { name: p.metadata.name, namespace: p.metadata.namespace, labels: p.metadata.labels },
      timestamp: NOW,
      window: "15s",
      containers: [
        {
          name: (p.spec as { containers: { name: string }[] }).containers[0]?.name,
          usage: { cpu: "102345678n", memory: "301234Ki" },
        },
      ],
    })),
    nodes: nodeNames.map((name) => ({
      metadata: { name },
      timestamp: NOW,
      window: "20s",
      usage: { cpu: "4123456789n", memory: "30123456Ki" },
    })),
  };
  return { objects, logs, metrics };
}

/** Child process: serve the cluster until told to stop, then report the requests received. */
async function serve(): Promise<void> {
  const cluster = buildCluster();
  const sim = await startKubeSim({ ...cluster, rbac: [...KOPT_RBAC_RULES], token: "bench-token-0123456789" });
  const dir = mkdtempSync(join(tmpdir(), "kopt-bench-kube-"));
  const kubeconfig = sim.writeKubeconfig(dir);
  const pods = cluster.objects.filter((o) => o.kind === "Pod").length;
  const workloads = cluster.objects.filter((o) =>
    ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind),
  ).length;
  process.send?.({ type: "ready", kubeconfig, pods, workloads, objects: cluster.objects.length });
  process.on("message", async (m: { type: string }) => {
    if (m.type !== "stop") return;
    const lists = sim.requests.filter((r) => !r.path.endsWith("/log"));
    process.send?.({
      type: "stats",
      requests: sim.requests.length,
      lists: lists.length,
      continued: lists.filter((r) => r.query.continue).length,
      logs: sim.requests.length - lists.length,
    });
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await nextMessage<{ kubeconfig: string; pods: number; workloads: number; objects: number }>(
    child,
    "ready",
    "simulator",
  );

  const repo = mkdtempSync(join(tmpdir(), "kopt-bench-repo-"));
  mkdirSync(join(repo, "clusters/bench"), { recursive: true });
  writeFileSync(
    join(repo, "clusters/bench/kopt.yaml"),
    `apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: bench\nsource:\n  kubernetes:\n    kubeconfig: ${ready.kubeconfig}\n`,
  );
  execFileSync("git", ["init", "-q", repo]);
  const out = join(repo, "bench.json.gz");

  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const start = performance.now();
  const result = await snapshot({ repoDir: repo, cluster: "bench", out });
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const maxRss = process.resourceUsage().maxRSS * 1024;

  child.send({ type: "stop" });
  const stats = await nextMessage<{ requests: number; lists: number; continued: number; logs: number }>(
    child,
    "stats",
    "simulator",
  );
  rmSync(repo, { recursive: true, force: true });

  const cpu = cpus();
  console.log(
    `kopt snapshot benchmark — Node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? "?"})`,
  );
  console.log(
    `cluster:   ${ready.pods} pods in ${ready.workloads} workloads, ${ready.objects} objects, ${result.metrics?.pods ?? 0} PodMetrics`,
  );
  console.log(
    `snapshot:  ${(result.bytes / 2 ** 20).toFixed(1)} MiB gzipped, ${result.logs} current + ${result.previousLogs} previous logs`,
  );
  console.log(`wall time: ${seconds.toFixed(2)} s`);
  console.log(
    `memory:    peak RSS ${mib(peak)} sampled (maxRSS ${mib(maxRss)}), ${mib(baseline)} before the run`,
  );
  console.log(
    `requests:  ${stats.requests} HTTP requests (${stats.lists} list pages, ${stats.continued} of them continue; ${stats.logs} log reads)`,
  );
}

// Run only as a script: test/bench/diagnosis.bench.ts imports buildCluster.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--serve")) await serve();
  else await main();
}
