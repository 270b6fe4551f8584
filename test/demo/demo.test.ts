// The embedded demo (what `npm start` plans against) must stay consistent: the committed snapshot is what
// the generator produces, kopt.yaml is valid and maps workloads that exist, the objects in the snapshot
// are what the chart renders with clusters/demo/values.yaml, and its failing workloads (for `kopt diagnose`)
// have the shapes Kubernetes gives them while the sizing proposals stay what they were.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseClusterConfig } from "../../src/formats/config.ts";
import { parseQuantity } from "../../src/model/quantity.ts";
import type { PlanOutcome } from "../../src/workflows/plan.ts";
import { demoRepo, kopt } from "../support/repo.ts";
import type { ClusterSnapshot, KubeObject, PodController } from "../support/snapshot-builder.ts";
import {
  DEMO_OBJECTS_FILE,
  DEMO_SNAPSHOT_FILE,
  generateDemoObjectsSnapshot,
  generateDemoSnapshot,
  REPO_ROOT,
  writeDemoSnapshot,
} from "./generate-snapshot.ts";

const file = (path: string) => resolve(REPO_ROOT, path);
const read = (path: string) => readFileSync(file(path), "utf8");

const CHART = "helm/todo-chatbot";
const DEMO_VALUES = "clusters/demo/values.yaml";
const KOPT_YAML = "clusters/demo/kopt.yaml";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Helm's merge of a values file over the chart defaults: maps merge key by key, anything else replaces. */
function mergeValues(base: Json, over: Json): Json {
  if (!isObject(base) || !isObject(over)) return over;
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = k in base ? mergeValues(base[k] as Json, v) : v;
  }
  return out;
}

const committed = readFileSync(file(DEMO_SNAPSHOT_FILE));
const snap = JSON.parse(gunzipSync(committed).toString("utf8")) as ClusterSnapshot & {
  previousLogs?: Record<string, string>;
};
const items = snap.objects.items;
const find = (kind: string, ns: string, name: string): KubeObject | undefined =>
  items.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);

const chartValues = parse(read(`${CHART}/values.yaml`)) as JsonObject;
const demoValues = parse(read(DEMO_VALUES)) as JsonObject;
const effective = mergeValues(chartValues, demoValues) as JsonObject;
/** The component list the chart's templates range over (templates/_helpers.tpl). */
const components = (() => {
  const m = /define "todo-chatbot\.components" -}}\s*\n([a-z -]+)\n/.exec(
    read(`${CHART}/templates/_helpers.tpl`),
  );
  return (m?.[1] ?? "").trim().split(/\s+/);
})();

describe("demo snapshot", () => {
  const dir = mkdtempSync(join(tmpdir(), "kopt-demo-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is what test/demo/generate-snapshot.ts produces (run it after changing the generator)", () => {
    const out = join(dir, "snapshot.json.gz");
    writeDemoSnapshot(out);
    const fresh = readFileSync(out);
    // The JSON inside must match byte for byte. The gzip stream itself is compared only within this run
    // (below): another zlib build may compress the same bytes differently.
    expect(gunzipSync(fresh).equals(gunzipSync(committed))).toBe(true);
    expect(fresh.equals(generateDemoSnapshot())).toBe(true);
  });

  it("clusters/demo-prometheus/objects.json.gz is the demo's objects, named for that cluster, without usage", () => {
    const bytes = readFileSync(file(DEMO_OBJECTS_FILE));
    expect(gunzipSync(bytes).equals(gunzipSync(generateDemoObjectsSnapshot()))).toBe(true);
    const objects = JSON.parse(gunzipSync(bytes).toString("utf8"));
    const demo = JSON.parse(gunzipSync(committed).toString("utf8"));
    expect(objects.cluster).toBe("demo-prometheus");
    expect(objects.capturedAt).toBe(demo.capturedAt);
    expect(objects.objects).toEqual(demo.objects);
    expect(objects.usage).toEqual({
      cpu: { resultType: "matrix", result: [] },
      memory: { resultType: "matrix", result: [] },
    });
  });

  it("is a gzip file without a timestamp, small enough to commit", () => {
    expect([committed[0], committed[1]]).toEqual([0x1f, 0x8b]);
    expect(committed.readUInt32LE(4)).toBe(0); // MTIME
    expect(committed.length).toBeLessThan(2 * 1024 * 1024);
  });

  it("has the snapshot envelope and 14 days of 5-minute usage ending at capturedAt", () => {
    expect(snap).toMatchObject({ apiVersion: "kopt.dev/v1", kind: "ClusterSnapshot", cluster: "demo" });
    expect(snap.capturedAt).toBe("2026-11-20T12:00:00Z");
    expect(snap.objects).toMatchObject({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" } });
    const end = Date.parse(snap.capturedAt) / 1000;
    const start = end - 14 * 86400;
    const problems: string[] = [];
    for (const m of [snap.usage.cpu, snap.usage.memory]) {
      expect(m.resultType).toBe("matrix");
      for (const s of m.result) {
        const id = `${s.metric.namespace}/${s.metric.pod}/${s.metric.container}`;
        if (Object.keys(s.metric).sort().join() !== "container,namespace,pod") problems.push(`${id}: labels`);
        for (const [t, v] of s.values) {
          if ((t - start) % 300 !== 0 || t < start || t > end) problems.push(`${id}: timestamp ${t}`);
          if (!Number.isFinite(Number(v)) || Number(v) < 0) problems.push(`${id}: value ${v}`);
        }
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });
});

describe("clusters/demo/kopt.yaml", () => {
  const config = parseClusterConfig(read(KOPT_YAML), KOPT_YAML);

  it("parses, reads the committed snapshot and maps every chart component to the demo values file", () => {
    expect(config.cluster).toBe("demo");
    expect(config.source.snapshot).toBe(DEMO_SNAPSHOT_FILE);
    expect(config.forge).toEqual({ type: "local", baseBranch: "main" });
    expect(config.workloads.map((w) => [w.workload, w.valuesFile, w.prefix])).toEqual(
      components.map((c) => [`todo/${c}`, DEMO_VALUES, c]),
    );
    for (const w of config.workloads) expect(existsSync(file(w.valuesFile))).toBe(true);
  });

  it("maps only workloads that exist in the snapshot", () => {
    for (const w of config.workloads) {
      const [ns = "", name = ""] = w.workload.split("/");
      const kinds = w.kind ? [w.kind] : ["Deployment", "StatefulSet", "DaemonSet"];
      const found = kinds.map((k) => find(k, ns, name)).find(Boolean);
      expect(found, w.workload).toBeDefined();
    }
  });

  it("documents the actual defaults in its commented policy block", () => {
    const text = read(KOPT_YAML);
    const at = text.indexOf("# policy:");
    expect(at).toBeGreaterThan(0);
    const uncommented = text.slice(0, at) + text.slice(at).replace(/^# ?/gm, "");
    const explicit = parseClusterConfig(uncommented, KOPT_YAML);
    expect(explicit.policy.rightsize).toEqual(config.policy.rightsize);
  });
});

/** A probe from a values file as the API server stores it (k8s.io/api/core/v1 defaults; 0 s delay omitted). */
function withProbeDefaults(p: JsonObject): JsonObject {
  const out: JsonObject = { ...p };
  if (isObject(p.httpGet)) out.httpGet = { scheme: "HTTP", ...p.httpGet };
  if (out.initialDelaySeconds === 0) delete out.initialDelaySeconds;
  return { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, ...out };
}

describe("the deployed objects agree with the chart and clusters/demo/values.yaml", () => {
  it("the chart ranges over the components that have values", () => {
    expect(components).toEqual(["frontend", "backend", "worker", "notifier", "search", "mailer"]);
    for (const c of components) expect(isObject(chartValues[c])).toBe(true);
  });

  it("the Argo CD Application points at the chart and the demo values file", () => {
    const app = parse(read("clusters/demo/argocd-application.yaml"));
    expect(app.spec.source.path).toBe(CHART);
    expect(app.spec.source.helm.valueFiles.map((f: string) => posix.join(CHART, f))).toEqual([DEMO_VALUES]);
    expect(app.spec.destination.namespace).toBe("todo");
  });

  it.each(components)("%s: resources, replicas, autoscaling, image", (name) => {
    const v = effective[name] as JsonObject;
    const d = find("Deployment", "todo", name) as PodController | undefined;
    expect(d, `Deployment todo/${name}`).toBeDefined();
    if (!d) return;
    expect(d.spec.selector.matchLabels).toEqual({
      "app.kubernetes.io/name": name,
      "app.kubernetes.io/instance": "todo-chatbot",
    });
    expect(d.metadata.labels?.["app.kubernetes.io/part-of"]).toBe("todo-chatbot");

    const container = d.spec.template.spec.containers.find((c) => c.name === name);
    expect(container).toBeDefined();
    const resources = v.resources as { requests: Record<string, string>; limits: Record<string, string> };
    for (const kind of ["requests", "limits"] as const) {
      for (const res of ["cpu", "memory"] as const) {
        const deployed = container?.resources[kind]?.[res];
        const want = resources[kind][res];
        expect(deployed && parseQuantity(deployed), `${name} ${kind}.${res}`).toBe(
          want && parseQuantity(want),
        );
      }
    }
    const image = v.image as { repository: string; tag: string };
    expect(container?.image).toBe(`${image.repository}:${image.tag}`);
    expect(container?.env ?? []).toEqual(v.env ?? []);

    // Probes as the API server returns what the chart renders: Kubernetes' defaults filled in.
    for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
      const set = v[probe] as JsonObject | undefined;
      const deployed = (container as Record<string, unknown> | undefined)?.[probe];
      expect(deployed, `${name} ${probe}`).toEqual(set === undefined ? undefined : withProbeDefaults(set));
    }

    const autoscaling = v.autoscaling as JsonObject;
    const hpa = find("HorizontalPodAutoscaler", "todo", name);
    if (autoscaling.enabled) {
      expect(hpa, `HPA todo/${name}`).toBeDefined();
      expect(hpa?.spec).toMatchObject({
        scaleTargetRef: { kind: "Deployment", name },
        minReplicas: autoscaling.minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        metrics: [
          {
            resource: {
              name: "cpu",
              target: { averageUtilization: autoscaling.targetCPUUtilizationPercentage },
            },
          },
        ],
      });
      expect(d.spec.replicas).toBeGreaterThanOrEqual(autoscaling.minReplicas as number);
      expect(d.spec.replicas).toBeLessThanOrEqual(autoscaling.maxReplicas as number);
    } else {
      expect(hpa).toBeUndefined();
      expect(d.spec.replicas).toBe(v.replicaCount);
    }
  });
});

describe("demo scenarios", () => {
  const pods = (prefix: string) =>
    items.filter((o) => o.kind === "Pod" && o.metadata.name.startsWith(`${prefix}-`));
  const statusOf = (p: KubeObject) =>
    (p.status?.containerStatuses as Record<string, unknown>[] | undefined)?.[0] ?? {};

  it("frontend is held at its HPA maximum", () => {
    const hpa = find("HorizontalPodAutoscaler", "todo", "frontend");
    expect(hpa?.status).toMatchObject({ currentReplicas: 4, desiredReplicas: 4 });
    const conditions = hpa?.status?.conditions as { type: string; status: string; reason: string }[];
    expect(conditions.find((c) => c.type === "ScalingLimited")).toMatchObject({
      status: "True",
      reason: "TooManyReplicas",
    });
  });

  it("worker pods were OOM-killed, notifier is crash-looping with logs", () => {
    expect(pods("worker")).toHaveLength(2);
    for (const p of pods("worker")) {
      expect(statusOf(p)).toMatchObject({
        restartCount: 6,
        lastState: { terminated: { reason: "OOMKilled", exitCode: 137 } },
      });
    }
    const [notifier] = pods("notifier");
    expect(notifier && statusOf(notifier)).toMatchObject({
      restartCount: 41,
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { reason: "Error", exitCode: 1 } },
    });
    expect(snap.logs?.[`todo/${notifier?.metadata.name}/notifier`]).toContain("SMTP_HOST");
  });

  it("usage of pods replaced by the rollout belongs to a listed, scaled-down ReplicaSet", () => {
    const listed = new Set(items.filter((o) => o.kind === "Pod").map((o) => o.metadata.name));
    const gone = snap.usage.cpu.result.filter((s) => !listed.has(s.metric.pod)).map((s) => s.metric.pod);
    expect(gone).toHaveLength(7); // 3 backend + 4 frontend
    for (const pod of gone) {
      const rs = find("ReplicaSet", "todo", pod.replace(/-[a-z0-9]{5}$/, "")) as PodController | undefined;
      expect(rs, pod).toBeDefined();
      expect(rs?.spec.replicas).toBe(0);
    }
  });
});

// The failing workloads `kopt diagnose` reads: a missing Secret key (mailer) and a liveness probe that kills
// a slow-starting JVM (search). Their shapes are what the kubelet reports; the classifier's verdict on them
// is asserted where it is wired (not here).
describe("demo failures for kopt diagnose", () => {
  type Status = Record<string, unknown>;
  const podsOf = (prefix: string) =>
    items.filter((o) => o.kind === "Pod" && o.metadata.name.startsWith(`${prefix}-`));
  const statusOf = (p: KubeObject) => (p.status?.containerStatuses as Status[] | undefined)?.[0] ?? {};
  const eventsOf = (p: KubeObject) =>
    items.filter((o) => o.kind === "Event" && (o.involvedObject as Status).name === p.metadata.name);
  const eventOf = (p: KubeObject, reason: string) => {
    const found = eventsOf(p).filter((e) => e.reason === reason);
    expect(found, `${p.metadata.name} ${reason}`).toHaveLength(1);
    return found[0] as KubeObject;
  };
  const seconds = (from: unknown, to: unknown) => (Date.parse(String(to)) - Date.parse(String(from))) / 1000;
  /** The pod's controller chain, as `kind/name`s: Pod -> ReplicaSet -> Deployment. */
  const owners = (o: KubeObject): string[] => {
    const ref = o.metadata.ownerReferences?.[0];
    const owner = ref && find(ref.kind, "todo", ref.name);
    return owner ? [`${owner.kind}/${owner.metadata.name}`, ...owners(owner)] : [];
  };
  /** The pod's CPU usage series (one per container that ever ran). */
  const usageOf = (pod: string) => snap.usage.cpu.result.filter((s) => s.metric.pod === pod);
  const capturedAt = Date.parse("2026-11-20T12:00:00Z") / 1000;

  it("mailer: CreateContainerConfigError for key smtp-password of Secret todo/mailer-smtp, and no Secret value anywhere", () => {
    const d = find("Deployment", "todo", "mailer") as PodController;
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.template.spec.containers[0]?.env).toContainEqual({
      name: "SMTP_PASSWORD",
      valueFrom: { secretKeyRef: { name: "mailer-smtp", key: "smtp-password" } },
    });
    const [p, ...others] = podsOf("mailer");
    expect(others).toEqual([]);
    if (!p) return;
    expect(p.metadata.name).toBe("mailer-tr6brx2589-7rl55");
    expect(owners(p)).toEqual(["ReplicaSet/mailer-tr6brx2589", "Deployment/mailer"]);
    expect(p.spec?.nodeName).toBe("demo-node-b");
    expect(p.status?.phase).toBe("Pending");
    expect(statusOf(p)).toEqual({
      name: "mailer",
      state: {
        waiting: {
          reason: "CreateContainerConfigError",
          message: "couldn't find key smtp-password in Secret todo/mailer-smtp",
        },
      },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: "ghcr.io/example/todo-chatbot-mailer:1.0.0",
      imageID: "",
      started: false,
    });
    expect(eventsOf(p)).toHaveLength(1);
    expect(eventOf(p, "Failed")).toMatchObject({
      type: "Warning",
      message: "Error: couldn't find key smtp-password in Secret todo/mailer-smtp",
      count: 112,
      firstTimestamp: "2026-11-20T11:35:03Z",
      lastTimestamp: "2026-11-20T11:59:49Z",
      involvedObject: {
        kind: "Pod",
        namespace: "todo",
        name: p.metadata.name,
        fieldPath: "spec.containers{mailer}",
      },
    });
    // The container never ran: no logs, no usage. The Secret is not in the snapshot at all.
    expect(Object.keys({ ...snap.logs, ...snap.previousLogs }).filter((k) => k.includes("mailer"))).toEqual(
      [],
    );
    expect(usageOf(p.metadata.name)).toEqual([]);
    expect(items.filter((o) => o.kind === "Secret")).toEqual([]);
  });

  it("search: the liveness probe kills one pod ~40 s after each start (exit 137, Error), 14 restarts", () => {
    const d = find("Deployment", "todo", "search") as PodController;
    expect(d.spec.replicas).toBe(2);
    const probe = (d.spec.template.spec.containers[0] as unknown as Status).livenessProbe;
    expect(probe).toEqual({
      httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" },
      initialDelaySeconds: 10,
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    const p = podsOf("search").find((x) => x.metadata.name === "search-b2klhkx4dk-gb65x");
    expect(p).toBeDefined();
    if (!p) return;
    expect(owners(p)).toEqual(["ReplicaSet/search-b2klhkx4dk", "Deployment/search"]);
    expect([p.spec?.nodeName, p.status?.podIP]).toEqual(["demo-node-a", "10.244.1.17"]);
    const status = statusOf(p);
    expect(status).toMatchObject({
      ready: false,
      restartCount: 14,
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: {
        terminated: {
          reason: "Error",
          exitCode: 137,
          startedAt: "2026-11-20T11:57:09Z",
          finishedAt: "2026-11-20T11:57:50Z",
        },
      },
    });
    // It ran 41 s: killAfter = 10 + 10 x 3 = 40 s, within one period + timeout.
    const last = (status.lastState as { terminated: Status }).terminated;
    expect(seconds(last.startedAt, last.finishedAt)).toBe(41);

    const at = (e: KubeObject) => [e.count, e.firstTimestamp, e.lastTimestamp];
    const unhealthy = eventOf(p, "Unhealthy");
    expect(unhealthy.message).toBe(
      'Liveness probe failed: Get "http://10.244.1.17:8080/healthz": dial tcp 10.244.1.17:8080: connect: connection refused',
    );
    expect(at(unhealthy)).toEqual([45, "2026-11-20T10:57:45Z", "2026-11-20T11:57:49Z"]);
    const killing = eventOf(p, "Killing");
    expect(killing.message).toBe("Container search failed liveness probe, will be restarted");
    expect(at(killing)).toEqual([15, "2026-11-20T10:58:05Z", "2026-11-20T11:57:49Z"]);
    const backoff = eventOf(p, "BackOff");
    expect(backoff.message).toBe(
      `Back-off restarting failed container search in pod ${p.metadata.name}_todo(${p.metadata.uid})`,
    );
    expect(at(backoff)).toEqual([27, "2026-11-20T10:58:07Z", "2026-11-20T11:59:45Z"]);
    for (const e of [unhealthy, killing, backoff]) {
      expect(e.involvedObject).toMatchObject({
        kind: "Pod",
        uid: p.metadata.uid,
        fieldPath: "spec.containers{search}",
      });
    }

    // The dead instance was still loading its index: no warning or error line, the last one progress.
    const previous = snap.previousLogs?.[`todo/${p.metadata.name}/search`] ?? "";
    const lines = previous.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.filter((l) => /\b(WARN|ERROR|FATAL|SEVERE)\b|Exception|panic/i.test(l))).toEqual([]);
    expect(lines.at(-1)).toMatch(/IndexLoader +: Index load progress: 80% \(3849870\/4812337 documents\)$/);
    expect(snap.logs?.[`todo/${p.metadata.name}/search`]).toBeUndefined(); // waiting: no current instance
  });

  it("search: the other pod started in 38.6 s on its third try and is Ready, which shows the app can start", () => {
    const p = podsOf("search").find((x) => x.metadata.name === "search-b2klhkx4dk-lr666");
    expect(p).toBeDefined();
    if (!p) return;
    expect(p.spec?.nodeName).toBe("demo-node-c");
    const status = statusOf(p);
    expect(status).toMatchObject({
      ready: true,
      restartCount: 2,
      state: { running: { startedAt: "2026-11-20T10:59:17Z" } },
      lastState: { terminated: { reason: "Error", exitCode: 137 } },
    });
    const ready = (p.status?.conditions as Status[] | undefined)?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "True", lastTransitionTime: "2026-11-20T11:00:02Z" });
    const log = snap.logs?.[`todo/${p.metadata.name}/search`] ?? "";
    expect(log).toContain(
      "2026-11-20T10:59:56.900Z  INFO 1 --- [search] [           main] c.e.todo.search.SearchApplication        : Started SearchApplication in 38.6 seconds (process running for 39.9)",
    );
    expect(log.split("\n").filter((l) => /\b(WARN|ERROR|FATAL)\b/.test(l))).toEqual([]);
    expect(snap.previousLogs?.[`todo/${p.metadata.name}/search`]).toMatch(/Index load progress: 90%/);
    expect(eventOf(p, "Killing")).toMatchObject({ count: 2 });
    expect(eventOf(p, "Unhealthy")).toMatchObject({ count: 6 });
  });

  it("search and mailer have under 24 h of usage, so right-sizing leaves them alone", () => {
    for (const p of [...podsOf("search"), ...podsOf("mailer")]) {
      for (const s of usageOf(p.metadata.name)) {
        for (const [t] of s.values) expect(capturedAt - t, p.metadata.name).toBeLessThan(2 * 3600);
      }
    }
    expect(podsOf("search").map((p) => usageOf(p.metadata.name).length)).toEqual([1, 1]);
  });
});

describe("the plan with the failing workloads added", () => {
  it("proposes the five changes it proposed before plus search's startupProbe, opens the mailer's incident, and a rerun changes nothing", async () => {
    const repo = demoRepo();
    try {
      const plan = async () => {
        const r = await kopt("--repo", repo.dir, "plan", "--cluster", "demo", "--output", "json");
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as PlanOutcome;
      };
      const first = await plan();
      expect(
        first.proposals.map((p) => [
          `${p.workload.name}/${p.kind}`,
          p.changes.map((c) => [c.path, c.from, c.to]),
        ]),
      ).toEqual([
        ["worker/oom", [["worker.resources.limits.memory", "256Mi", "432Mi"]]],
        [
          // Its starts take 38.6 s of the 40 s the liveness probe allows, and a killed instance was still
          // loading its index, without errors, after 41 s: a startupProbe allowing 41 s x 1.5 = 62 s.
          "search/probe",
          [
            ["search.startupProbe.httpGet.path", undefined, "/healthz"],
            ["search.startupProbe.httpGet.port", undefined, 8080],
            ["search.startupProbe.httpGet.scheme", undefined, "HTTP"],
            ["search.startupProbe.periodSeconds", undefined, 10],
            ["search.startupProbe.failureThreshold", undefined, 7],
          ],
        ],
        [
          "backend/rightsize",
          [
            ["backend.resources.requests.cpu", "1", "500m"],
            ["backend.resources.requests.memory", "2Gi", "1Gi"],
            ["backend.resources.limits.memory", "4Gi", "2Gi"],
          ],
        ],
        [
          "frontend/rightsize",
          [
            ["frontend.resources.requests.cpu", "100m", "210m"],
            ["frontend.resources.requests.memory", "128Mi", "240Mi"],
            ["frontend.resources.limits.cpu", "200m", "420m"],
            ["frontend.resources.limits.memory", "256Mi", "288Mi"],
          ],
        ],
        ["frontend/hpa", [["frontend.autoscaling.maxReplicas", 4, 8]]],
        ["worker/rightsize", [["worker.resources.requests.cpu", "100m", "270m"]]],
      ]);
      expect(
        first.skipped
          .filter((s) => ["search", "mailer"].includes(s.workload.name))
          .map((s) => `${s.workload.name}/${s.container}: ${s.reason}`),
      ).toEqual([
        "mailer/mailer: no usage data",
        "search/search: only 1h of usage history; at least 24h needed",
      ]);
      // The diagnosis: search is a values fix (the proposal above), the mailer's missing key an incident.
      const classes = first.diagnosis.findings.map((f) => [
        `${f.workload?.name}/${f.container}`,
        f.class,
        f.subCause,
        f.fix,
      ]);
      expect(classes).toEqual(
        expect.arrayContaining([
          ["search/search", "liveness-probe-kill", null, "values"],
          ["mailer/mailer", "create-container-config-error", "missing-key", "incident"],
        ]),
      );
      const mailer = first.diagnosis.findings.find((f) => f.workload?.name === "mailer");
      expect(mailer?.evidence.subjects).toEqual({ secretName: "todo/mailer-smtp", keyName: "smtp-password" });
      const mailerIncident = first.diagnosis.incidents.find((i) =>
        i.findings.includes(mailer?.fingerprint ?? ""),
      );
      const issue = first.incidentIssues.find((o) => o.fingerprint === mailerIncident?.fingerprint);
      expect(issue?.status).toBe("created");
      expect(issue?.location).toBe(`.kopt/issues/${mailerIncident?.fingerprint}.md`);
      const issueText = readFileSync(join(repo.dir, issue?.location ?? ""), "utf8");
      expect(issueText).toContain("smtp-password");
      expect(issueText).toContain("runbooks/create-container-config-error.md");
      // No incident issue for what a pull request fixes.
      const search = first.diagnosis.findings.find((f) => f.workload?.name === "search");
      const searchIncident = first.diagnosis.incidents.find((i) =>
        i.findings.includes(search?.fingerprint ?? ""),
      );
      expect(first.incidentIssues.some((o) => o.fingerprint === searchIncident?.fingerprint)).toBe(false);

      const second = await plan();
      expect(second.proposals.map((p) => p.status)).toEqual(Array(6).fill("unchanged"));
      expect(second.incidentIssues.map((o) => o.status)).toEqual(first.incidentIssues.map(() => "unchanged"));
    } finally {
      repo.cleanup();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// values.schema.json. No JSON Schema validator is installed, so this walks the subset of draft-07 the
// chart's schema uses: $ref (to #/definitions), allOf, type, enum, required, properties,
// additionalProperties, items, minimum/maximum, minLength, pattern.

type Schema = { [key: string]: unknown };

function typeMatches(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}

function validate(
  value: unknown,
  schema: Schema,
  root: Schema,
  path: string,
  checkRequired: boolean,
): string[] {
  if (typeof schema.$ref === "string") {
    const target = schema.$ref
      .replace(/^#\//, "")
      .split("/")
      .reduce<unknown>((s, k) => (s as Schema)[k], root);
    return validate(value, target as Schema, root, path, checkRequired);
  }
  const errors = ((schema.allOf as Schema[] | undefined) ?? []).flatMap((s) =>
    validate(value, s, root, path, checkRequired),
  );
  if (schema.type !== undefined) {
    const types = [schema.type].flat() as string[];
    if (!types.some((t) => typeMatches(value, t)))
      return [...errors, `${path}: expected ${types.join(" or ")}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${path}: not one of ${schema.enum}`);
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength)
      errors.push(`${path}: too short`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value)) {
      errors.push(`${path}: does not match ${schema.pattern}`);
    }
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum)
      errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum)
      errors.push(`${path}: above ${schema.maximum}`);
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    value.forEach((v, i) => {
      errors.push(...validate(v, schema.items as Schema, root, `${path}[${i}]`, checkRequired));
    });
  }
  if (isObject(value)) {
    if (checkRequired) {
      for (const key of (schema.required as string[] | undefined) ?? []) {
        if (!(key in value)) errors.push(`${path}.${key}: required`);
      }
    }
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [key, v] of Object.entries(value)) {
      const sub = properties[key];
      if (sub) errors.push(...validate(v, sub, root, `${path}.${key}`, checkRequired));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed`);
      else if (isObject(schema.additionalProperties)) {
        errors.push(...validate(v, schema.additionalProperties, root, `${path}.${key}`, checkRequired));
      }
    }
  }
  return errors;
}

describe("values.schema.json", () => {
  const schema = JSON.parse(read(`${CHART}/values.schema.json`)) as Schema;
  const check = (values: unknown, checkRequired = true) =>
    validate(values, schema, schema, "values", checkRequired);

  it("is draft-07", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
  });

  it("accepts the chart's values.yaml", () => {
    expect(check(chartValues)).toEqual([]);
  });

  it("accepts clusters/demo/values.yaml, alone and merged over the chart defaults (as Helm validates)", () => {
    expect(check(demoValues, false)).toEqual([]);
    expect(check(effective)).toEqual([]);
  });

  it("rejects broken values (the walker is not vacuous)", () => {
    const broken = mergeValues(chartValues, {
      backend: { resources: { requests: { cpu: "one core", memory: true } }, replicaCount: 1.5 },
      worker: { service: { type: "Internal", port: 8080 } },
      notifier: { autoscaling: null, extra: 1 },
    });
    expect(check(broken).sort()).toEqual([
      "values.backend.replicaCount: expected integer",
      "values.backend.resources.requests.cpu: does not match ^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$",
      "values.backend.resources.requests.memory: expected string or number",
      "values.notifier.autoscaling: required",
      "values.notifier.extra: not allowed",
      "values.worker.service.type: not one of ClusterIP,NodePort,LoadBalancer",
    ]);
    const partial = mergeValues(chartValues, { frontend: { service: null } });
    expect(check(partial)).toEqual(["values.frontend.service: required"]);
    expect(
      check({
        ...chartValues,
        frontend: { ...(chartValues.frontend as JsonObject), resources: { requests: { cpu: 0.5 } } },
      }),
    ).toEqual([]);
  });
});
