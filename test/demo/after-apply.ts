// A simulated "after the apply" snapshot of the demo cluster, for `kopt verify --snapshot` in the walkthrough:
// what the cluster would look like `--minutes` after Argo CD synced the scratch clone's main. It starts from
// the recorded demo snapshot and, for every change merged and recorded on main (PHR status approved), gives
// the workload's pods the change's values (a new ReplicaSet and new pods, started 2 minutes after the merge),
// records Argo CD's Application as synced to main's head, and writes usage from an hour before the merge on:
// each container's CPU and memory at its median of the recorded last day, 20 requests a second with 1% errors
// before the apply and `--errors` percent after it. Deterministic for a given repository state.
//
//   npm run --silent demo:after-apply -- --repo /tmp/kopt-demo [--errors 1] [--minutes 65] [--out FILE]
//
// It is a simulation for the demo, not a recording: the figures are made up from the recorded usage.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { PHR_FILE_NAME, type PhrFrontMatter, readPhrFront } from "../../src/formats/phr.ts";
import { argoApplication } from "../support/kube-sim/gitops-fixtures.ts";
import {
  type KubeObject,
  type PodController,
  type PromSeries,
  pod,
  replicaSet,
  usageSeries,
} from "../support/snapshot-builder.ts";

const MIN = 60;
const STEP = 30;
const APPLY_DELAY = 2 * MIN;
type Obj = Record<string, unknown>;

const iso = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();

/** The merged, recorded changes on main: their PHRs (status approved). */
function mergedChanges(repo: string): PhrFrontMatter[] {
  const files = git(repo, "ls-tree", "-r", "--name-only", "main", "phr/demo/").split("\n").filter(Boolean);
  return files
    .filter((f) => PHR_FILE_NAME.test(f.split("/").pop() ?? ""))
    .map((f) => readPhrFront(git(repo, "show", `main:${f}`), f))
    .filter((f) => f.status === "approved" && f.merge && f.changes.length > 0);
}

/** `<prefix>.resources.<requests|limits>.<cpu|memory>` set on the only container. */
function applyChanges(d: PodController, changes: PhrFrontMatter["changes"]): void {
  const container = d.spec.template.spec.containers[0] as unknown as {
    resources?: Record<string, Record<string, unknown>>;
  };
  for (const c of changes) {
    const m = /\.resources\.(requests|limits)\.(cpu|memory)$/.exec(c.path);
    if (!m) throw new Error(`after-apply simulates resource changes only, not ${c.path}`);
    const [, side = "", resource = ""] = m;
    container.resources ??= {};
    container.resources[side] ??= {};
    const values = container.resources[side] as Record<string, unknown>;
    if (c.to === null) delete values[resource];
    else values[resource] = c.to;
  }
}

/** The median of a container's recorded samples over the snapshot's last day. */
function lastDayMedian(series: PromSeries[], capturedAt: number): number {
  const values = series
    .flatMap((s) => s.values)
    .filter(([t]) => t > capturedAt - 86400)
    .map(([, v]) => Number(v))
    .sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? 0;
}

interface Rolled {
  workload: string;
  container: string;
  oldPods: string[];
  newPods: string[];
}

/** The workload rolled to its changed template: the Deployment, a new ReplicaSet, new pods instead of the old. */
function rollOut(items: KubeObject[], front: PhrFrontMatter, appliedAt: number): Rolled {
  const w = front.workloads[0] as PhrFrontMatter["workloads"][number];
  const isMine = (o: KubeObject, kind: string) =>
    o.kind === kind && o.metadata.namespace === w.namespace && o.metadata.name.startsWith(`${w.name}-`);
  const d = items.find(
    (o) => o.kind === "Deployment" && o.metadata.namespace === w.namespace && o.metadata.name === w.name,
  ) as unknown as PodController | undefined;
  if (!d) throw new Error(`${w.namespace}/${w.name} is not a Deployment of the demo snapshot`);
  applyChanges(d, front.changes);
  const revision = Number(d.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? 1) + 1;
  const replicas = d.spec.replicas ?? 1;
  const generation = (d.metadata.generation ?? 1) + 1;
  d.metadata.generation = generation;
  d.metadata.annotations = {
    ...d.metadata.annotations,
    "deployment.kubernetes.io/revision": String(revision),
  };
  (d as unknown as Obj).status = {
    observedGeneration: generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
  };
  const rs = replicaSet({ deployment: d, revision, replicas, created: iso(appliedAt) });
  const oldPods = items.filter((o) => isMine(o, "Pod")).map((o) => o.metadata.name);
  const pods = Array.from({ length: replicas }, (_, i) =>
    pod({ owner: rs, nodeName: "demo-node-a", created: iso(appliedAt), seed: `after-apply-${i}` }),
  );
  for (const o of items.filter((x) => isMine(x, "ReplicaSet"))) {
    (o as unknown as Obj).spec = { ...(o as unknown as { spec: Obj }).spec, replicas: 0 };
    (o as unknown as Obj).status = { replicas: 0, observedGeneration: 2 };
  }
  const keep = items.filter((o) => !(isMine(o, "Pod") && oldPods.includes(o.metadata.name)));
  items.splice(0, items.length, ...keep, rs, ...pods);
  const container = String(d.spec.template.spec.containers[0]?.name);
  return { workload: w.name, container, oldPods, newPods: pods.map((p) => p.metadata.name) };
}

export function afterApplySnapshot(
  repo: string,
  opts: { errorsPercent: number; minutes: number },
): Record<string, unknown> {
  const snap = loadSnapshotSync(join(repo, "clusters/demo/snapshot.json.gz")) as {
    capturedAt: string;
    objects: { items: KubeObject[] };
    usage: Record<string, { result: PromSeries[] }>;
  };
  const recordedAt = Date.parse(snap.capturedAt) / 1000;
  const changes = mergedChanges(repo);
  if (changes.length === 0)
    throw new Error("no merged change is recorded on main: run kopt after-merge first");
  const mergedAt = Math.max(...changes.map((c) => Date.parse(c.merge?.at as string) / 1000));
  const appliedAt = mergedAt + APPLY_DELAY;
  const capturedAt = appliedAt + opts.minutes * MIN;
  const head = git(repo, "rev-parse", "main");
  const items = snap.objects.items;
  const rolled = changes.map((c) => rollOut(items, c, appliedAt));
  items.push(
    argoApplication({
      phase: "Succeeded",
      revision: head,
      startedAt: iso(mergedAt + MIN),
      finishedAt: iso(mergedAt + MIN + 20),
      history: [{ revision: head, deployedAt: iso(mergedAt + MIN + 20) }],
    }) as unknown as KubeObject,
  );
  const range = { start: mergedAt - 60 * MIN, end: capturedAt, step: STEP };
  const cpu: PromSeries[] = [];
  const memory: PromSeries[] = [];
  const requests: PromSeries[] = [];
  const errors: PromSeries[] = [];
  for (const r of rolled) {
    const mine = (all: PromSeries[]) =>
      all.filter(
        (s) =>
          s.metric.namespace === "todo" &&
          s.metric.container === r.container &&
          s.metric.pod.startsWith(`${r.workload}-`),
      );
    const cores = lastDayMedian(mine(snap.usage.cpu?.result ?? []), recordedAt);
    const bytes = lastDayMedian(mine(snap.usage.memory?.result ?? []), recordedAt);
    const pods = [...r.oldPods.map((p) => ({ p, old: true })), ...r.newPods.map((p) => ({ p, old: false }))];
    for (const { p, old } of pods) {
      const alive = (t: number) => (old ? t <= appliedAt + MIN : t >= appliedAt);
      const labels = { namespace: "todo", pod: p, container: r.container };
      cpu.push(usageSeries(labels, range, (t) => (alive(t) ? cores : undefined)));
      memory.push(usageSeries(labels, range, (t) => (alive(t) ? bytes : undefined)));
      const share = (t: number) => (t >= appliedAt ? opts.errorsPercent / 100 : 0.01);
      const podLabels = { namespace: "todo", pod: p } as PromSeries["metric"];
      requests.push({ ...usageSeries(labels, range, (t) => (alive(t) ? 20 : undefined)), metric: podLabels });
      errors.push({
        ...usageSeries(labels, range, (t) => (alive(t) ? 20 * share(t) : undefined)),
        metric: podLabels,
      });
    }
  }
  const matrix = (result: PromSeries[]) => ({
    resultType: "matrix",
    result: result.filter((s) => s.values.length > 0),
  });
  return {
    apiVersion: "kopt.dev/v1",
    kind: "ClusterSnapshot",
    cluster: "demo",
    capturedAt: iso(capturedAt),
    objects: { ...snap.objects, items },
    usage: {
      cpu: matrix(cpu),
      memory: matrix(memory),
      httpRequests: matrix(requests),
      httpErrors: matrix(errors),
    },
  };
}

function loadSnapshotSync(file: string): unknown {
  return JSON.parse(gunzipSync(readFileSync(file)).toString("utf8"));
}

function main(): void {
  const { values } = parseArgs({
    options: {
      repo: { type: "string" },
      errors: { type: "string", default: "1" },
      minutes: { type: "string", default: "65" },
      out: { type: "string" },
    },
  });
  if (!values.repo) throw new Error("--repo DIR: the scratch clone of the walkthrough");
  const repo = resolve(values.repo);
  const out = values.out ? resolve(values.out) : join(repo, "after-apply.json.gz");
  const snap = afterApplySnapshot(repo, {
    errorsPercent: Number(values.errors),
    minutes: Number(values.minutes),
  });
  writeFileSync(out, gzipSync(JSON.stringify(snap), { level: 9 }), { mode: 0o600 });
  console.log(
    `${out}: the demo cluster at ${String(snap.capturedAt)} (simulated), after Argo CD applied main`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) main();
