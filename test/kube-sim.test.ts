// The Kubernetes API simulator, checked against the clients that will talk to it: the real kubectl
// binary and @kubernetes/client-node. Each test starts its own simulator on a random port.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  type V1Lease,
  type V1Pod,
  Watch,
} from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { type KubeSim, type KubeSimOptions, loadFixture, startKubeSim } from "./support/kube-sim/index.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/kube/${name}`, import.meta.url));
const SMALL = loadFixture(fixture("small-cluster.yaml"));
const METRICS = loadFixture(fixture("small-cluster-metrics.yaml"));
const OOM_POD = "web-7d9f8b6c5d-x2x8k";
const ALL_POD_NAMES = [
  "db-0",
  "log-agent-5kq2m",
  "log-agent-tx7vd",
  "web-7d9f8b6c5d-q9wzp",
  "web-7d9f8b6c5d-x2x8k",
];

// ---------------------------------------------------------------------------------------------------------
// Harness: one simulator and one temp dir (kubeconfig, HOME, kubectl cache) per test, torn down after it.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Harness {
  sim: KubeSim;
  dir: string;
  kubeconfig: string;
}

async function harness(opts: Partial<KubeSimOptions> = {}): Promise<Harness> {
  const sim = await startKubeSim({ objects: SMALL, ...opts });
  const dir = mkdtempSync(join(tmpdir(), "kube-sim-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => sim.stop());
  return { sim, dir, kubeconfig: sim.writeKubeconfig(dir) };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectlArgs(h: Harness, args: string[]): string[] {
  return ["--kubeconfig", h.kubeconfig, "--cache-dir", join(h.dir, "cache"), ...args];
}

function kubectl(h: Harness, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "kubectl",
      kubectlArgs(h, args),
      { env: { PATH: process.env.PATH ?? "/usr/bin", HOME: h.dir }, timeout: 10_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function kubectlJson(h: Harness, ...args: string[]): Promise<Record<string, unknown>> {
  const run = await kubectl(h, ...args, "-o", "json");
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: raw Kubernetes JSON in assertions
type Raw = any;

type Item = { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string } };

const names = (list: Record<string, unknown>) => (list.items as Item[]).map((i) => i.metadata.name);

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function http(
  h: Harness,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${h.sim.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : { text } };
}

function clientFor(h: Harness): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(h.kubeconfig);
  return kc;
}

/** A pod from the fixture, renamed and relabelled, for watch tests. */
function podVariant(name: string, labels: Record<string, string>): Record<string, unknown> {
  const base = structuredClone(
    SMALL.find((o) => o.kind === "Pod" && (o.metadata as Item["metadata"]).name === OOM_POD),
  );
  const meta = (base as { metadata: Record<string, unknown> }).metadata;
  return { ...base, metadata: { name, namespace: meta.namespace, labels } };
}

/** Splits kubectl's stream of pretty-printed JSON documents into objects. */
function jsonDocuments(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

describe("kubectl against the simulator", () => {
  it("get pods -A -o json prints a List of every pod, each item carrying apiVersion and kind", async () => {
    const h = await harness();
    const list = await kubectlJson(h, "get", "pods", "-A");
    expect(list.kind).toBe("List");
    expect(list.apiVersion).toBe("v1");
    expect(list.metadata).toEqual({ resourceVersion: "" });
    expect(names(list)).toEqual(ALL_POD_NAMES);
    for (const item of list.items as Item[]) {
      expect(item.apiVersion).toBe("v1");
      expect(item.kind).toBe("Pod");
    }
    const oom = (list.items as Raw[]).find((p) => p.metadata.name === OOM_POD);
    expect(oom?.status.containerStatuses[0].restartCount).toBe(3);
    expect(oom?.status.containerStatuses[0].lastState.terminated.reason).toBe("OOMKilled");
    // kubectl asked the typed list endpoint, as against a real cluster.
    expect(h.sim.requests.filter((r) => r.path === "/api/v1/pods")).toEqual([
      { method: "GET", path: "/api/v1/pods", query: { limit: "500" } },
    ]);
  });

  it("get deploy,rs,sts,ds,hpa -A resolves the short names through discovery and lists each kind", async () => {
    const h = await harness();
    const list = await kubectlJson(h, "get", "deploy,rs,sts,ds,hpa", "-A");
    const kinds = (list.items as Item[]).map((i) => `${i.apiVersion} ${i.kind} ${i.metadata.name}`);
    expect(kinds).toEqual([
      "apps/v1 Deployment web",
      "apps/v1 ReplicaSet web-7d9f8b6c5d",
      "apps/v1 StatefulSet db",
      "apps/v1 DaemonSet log-agent",
      "autoscaling/v2 HorizontalPodAutoscaler web",
    ]);
  });

  it("get pods -l selects by label, with equality and set-based selectors", async () => {
    const h = await harness();
    const web = await kubectl(h, "get", "pods", "-l", "app=web", "-n", "shop", "-o", "name");
    expect(web.stdout.trim().split("\n")).toEqual(["pod/web-7d9f8b6c5d-q9wzp", "pod/web-7d9f8b6c5d-x2x8k"]);
    const notWeb = await kubectlJson(h, "get", "pods", "-n", "shop", "-l", "app notin (web,log-agent)");
    expect(names(notWeb)).toEqual(["db-0"]);
    const indexed = await kubectlJson(
      h,
      "get",
      "pods",
      "-n",
      "shop",
      "-l",
      "apps.kubernetes.io/pod-index,!missing",
    );
    expect(names(indexed)).toEqual(["db-0"]);
    const table = await kubectl(h, "get", "pods", "-l", "app=web", "-n", "shop");
    expect(table.stdout).toMatch(/^NAME\s+AGE\n/);
    expect(table.stdout).toContain(OOM_POD);
  });

  it("get --field-selector filters on spec.nodeName and rejects an unsupported field as the server does", async () => {
    const h = await harness();
    const onA = await kubectlJson(
      h,
      "get",
      "pods",
      "-A",
      "--field-selector",
      "spec.nodeName=node-a,status.phase=Running",
    );
    expect(names(onA)).toEqual(["log-agent-5kq2m", OOM_POD]);
    const bad = await kubectl(h, "get", "pods", "-A", "--field-selector", "spec.image=x");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("Error from server (BadRequest)");
    expect(bad.stderr).toContain("field label not supported: spec.image");
  });

  it("logs --previous prints the previous container's log, --tail the last lines, and a missing one fails", async () => {
    const h = await harness({
      logs: {
        [`shop/${OOM_POD}/web`]: {
          current: "started\nserving on :8080\nGET /cart 200\n",
          previous: "started\nallocating cache\nfatal: out of memory\n",
        },
      },
    });
    const previous = await kubectl(h, "logs", OOM_POD, "-c", "web", "--previous", "-n", "shop");
    expect(previous.stdout).toBe("started\nallocating cache\nfatal: out of memory\n");
    const tail = await kubectl(h, "logs", OOM_POD, "-c", "web", "--tail", "2", "-n", "shop");
    expect(tail.stdout).toBe("serving on :8080\nGET /cart 200\n");
    expect(h.sim.requests.at(-1)?.query).toEqual({ container: "web", tailLines: "2" });
    const none = await kubectl(h, "logs", "db-0", "--previous", "-n", "shop");
    expect(none.code).not.toBe(0);
    expect(none.stderr).toBe(
      'Error from server (BadRequest): previous terminated container "postgres" in pod "db-0" not found\n',
    );
  });

  it("delete pod removes it: kubectl reports it deleted and it is gone from the next list", async () => {
    const h = await harness();
    const del = await kubectl(h, "delete", "pod", "db-0", "-n", "shop");
    expect(del.stdout).toBe('pod "db-0" deleted\n');
    expect(
      h.sim.requests.some((r) => r.method === "DELETE" && r.path === "/api/v1/namespaces/shop/pods/db-0"),
    ).toBe(true);
    const list = await kubectlJson(h, "get", "pods", "-n", "shop");
    expect(names(list)).toEqual(ALL_POD_NAMES.filter((n) => n !== "db-0"));
    const get = await kubectl(h, "get", "pod", "db-0", "-n", "shop");
    expect(get.stderr).toBe('Error from server (NotFound): pods "db-0" not found\n');
  });

  it("get --watch -o json prints the listed pods, then a change applied while it watches", async () => {
    const h = await harness();
    const child: ChildProcess = spawn(
      "kubectl",
      kubectlArgs(h, ["get", "pods", "-n", "shop", "--watch", "-o", "json"]),
      {
        env: { PATH: process.env.PATH ?? "/usr/bin", HOME: h.dir },
      },
    );
    try {
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
      });
      await waitFor("kubectl to start watching", () => h.sim.requests.some((r) => r.query.watch === "true"));
      const watchRequest = h.sim.requests.find((r) => r.query.watch === "true");
      // kubectl lists first, then watches from the list's resourceVersion.
      expect(watchRequest?.query.resourceVersion).toBe(h.sim.resourceVersion);
      h.sim.apply(podVariant(OOM_POD, { app: "web", "pod-template-hash": "7d9f8b6c5d", touched: "yes" }));
      await waitFor("the modified pod", () => jsonDocuments(out).length === 6);
      const docs = jsonDocuments(out);
      expect(docs.slice(0, 5).map((d) => (d.metadata as Item["metadata"]).name)).toEqual(ALL_POD_NAMES);
      expect((docs[5] as Raw).metadata.labels.touched).toBe("yes");
    } finally {
      child.kill();
    }
  });

  it("get --chunk-size=1 pages through the list with continue tokens", async () => {
    const h = await harness();
    const list = await kubectlJson(h, "get", "pods", "-A", "--chunk-size=1");
    expect(names(list)).toEqual(ALL_POD_NAMES);
    const pages = h.sim.requests.filter((r) => r.path === "/api/v1/pods");
    expect(pages.map((r) => r.query.limit)).toEqual(["1", "1", "1", "1", "1"]);
    expect(pages.filter((r) => r.query.continue !== undefined)).toHaveLength(4);
  });

  it("an RBAC denial reaches kubectl as Error from server (Forbidden) with the API server's message", async () => {
    const h = await harness({ rbac: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] });
    expect((await kubectl(h, "get", "pods", "-n", "shop", "-o", "name")).code).toBe(0);
    const deploys = await kubectl(h, "get", "deployments", "-A");
    expect(deploys.stderr).toBe(
      'Error from server (Forbidden): deployments.apps is forbidden: User "system:serviceaccount:kopt:kopt" cannot list resource "deployments" in API group "apps" at the cluster scope\n',
    );
    const logs = await kubectl(h, "logs", "db-0", "-n", "shop");
    expect(logs.stderr).toBe(
      'Error from server (Forbidden): pods "db-0" is forbidden: User "system:serviceaccount:kopt:kopt" cannot get resource "pods/log" in API group "" in the namespace "shop"\n',
    );
  });

  it("over TLS kubectl sends the kubeconfig's token, and without the right one is told to log in", async () => {
    // kubectl never sends a bearer token to a plain-http server: token tests with kubectl need tls.
    const h = await harness({ token: "s3cret", tls: true });
    const withToken = await kubectl(h, "get", "ns", "-o", "name");
    expect(withToken).toMatchObject({ code: 0, stdout: "namespace/shop\n" });
    const wrong = h.sim.writeKubeconfig(h.dir, { token: "wrong", context: "wrong" });
    const denied = await kubectl(h, "--kubeconfig", wrong, "get", "ns");
    expect(denied.stderr).toBe("error: You must be logged in to the server (Unauthorized)\n");
  });

  it("top pod reads metrics.k8s.io when metrics are served", async () => {
    const h = await harness({
      metrics: {
        pods: METRICS.filter((m) => m.kind === "PodMetrics"),
        nodes: METRICS.filter((m) => m.kind === "NodeMetrics"),
      },
    });
    const top = await kubectl(h, "top", "pod", "-n", "shop", "-l", "app=web");
    expect(top.stderr).toBe("");
    expect(top.stdout).toMatch(/web-7d9f8b6c5d-q9wzp\s+140m\s+294Mi/);
    expect(top.stdout).toMatch(/web-7d9f8b6c5d-x2x8k\s+172m\s+486Mi/);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("@kubernetes/client-node against the simulator", () => {
  it("listPodForAllNamespaces pages with limit and continue, reporting the items left", async () => {
    const h = await harness();
    const core = clientFor(h).makeApiClient(CoreV1Api);
    const first = await core.listPodForAllNamespaces({ limit: 2 });
    expect(first.items.map((p) => p.metadata?.name)).toEqual(ALL_POD_NAMES.slice(0, 2));
    expect(first.metadata?.remainingItemCount).toBe(3);
    const seen = [...first.items];
    let token = first.metadata?._continue;
    while (token) {
      const page = await core.listPodForAllNamespaces({ limit: 2, _continue: token });
      // Every page reports the resourceVersion of the first, as the real server does.
      expect(page.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
      seen.push(...page.items);
      token = page.metadata?._continue;
    }
    expect(seen.map((p) => p.metadata?.name)).toEqual(ALL_POD_NAMES);
    // Typed lists carry no kind on their items, and client-node turns timestamps into Dates.
    expect(seen[0]?.kind).toBeUndefined();
    expect(seen[0]?.metadata?.creationTimestamp).toBeInstanceOf(Date);
  });

  it("pageSizeCap forces pagination even when the client asks for more", async () => {
    const h = await harness({ pageSizeCap: 2 });
    const core = clientFor(h).makeApiClient(CoreV1Api);
    const page = await core.listNamespacedPod({ namespace: "shop", limit: 500 });
    expect(page.items).toHaveLength(2);
    expect(page.metadata?._continue).toBeTruthy();
  });

  it("Watch receives ADDED, MODIFIED, DELETED and BOOKMARK events", async () => {
    const h = await harness({ bookmarkIntervalMs: 50 });
    const events: { type: string; name: string | undefined; rv: string | undefined }[] = [];
    const from = h.sim.resourceVersion;
    const controller = await new Watch(clientFor(h)).watch(
      "/api/v1/namespaces/shop/pods",
      { resourceVersion: from, allowWatchBookmarks: true },
      (type: string, obj: V1Pod) => {
        events.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion });
      },
      () => {},
    );
    try {
      await waitFor("the watch request", () => h.sim.requests.some((r) => r.query.watch === "true"));
      h.sim.apply(podVariant("web-extra", { app: "web" }));
      h.sim.apply(podVariant("web-extra", { app: "web", v: "2" }));
      h.sim.remove("Pod", "shop", "web-extra");
      await waitFor("the events and a bookmark", () => events.some((e) => e.type === "BOOKMARK"));
      const changes = events.filter((e) => e.type !== "BOOKMARK");
      expect(changes.map((e) => `${e.type} ${e.name}`)).toEqual([
        "ADDED web-extra",
        "MODIFIED web-extra",
        "DELETED web-extra",
      ]);
      const rvs = changes.map((e) => Number(e.rv));
      expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
      expect(rvs[0]).toBeGreaterThan(Number(from));
      expect(events.find((e) => e.type === "BOOKMARK")?.rv).toBe(h.sim.resourceVersion);
    } finally {
      controller.abort();
    }
  });

  it("a watch from a resourceVersion older than the retained history gets one ERROR event with 410 Expired", async () => {
    const h = await harness({ watchHistory: 2 });
    const stale = h.sim.resourceVersion;
    for (const v of ["1", "2", "3"]) h.sim.apply(podVariant("web-extra", { app: "web", v }));
    const events: { type: string; obj: Record<string, unknown> }[] = [];
    let done: unknown = "pending";
    await new Watch(clientFor(h)).watch(
      "/api/v1/namespaces/shop/pods",
      { resourceVersion: stale },
      (type: string, obj: Record<string, unknown>) => {
        events.push({ type, obj });
      },
      (err: unknown) => {
        done = err;
      },
    );
    await waitFor("the server to close the watch", () => done !== "pending");
    expect(done).toBeNull();
    expect(events).toEqual([
      {
        type: "ERROR",
        obj: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `too old resource version: ${stale} (${Number(stale) + 1})`,
          reason: "Expired",
          code: 410,
        },
      },
    ]);
  });

  it("makeInformer lists, then watches, and sees an object applied after it started", async () => {
    const h = await harness();
    const kc = clientFor(h);
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer(kc, "/api/v1/namespaces/shop/pods", () =>
      core.listNamespacedPod({ namespace: "shop" }),
    );
    const added: string[] = [];
    const updated: string[] = [];
    informer.on("add", (p: V1Pod) => added.push(p.metadata?.name ?? ""));
    informer.on("update", (p: V1Pod) => updated.push(p.metadata?.name ?? ""));
    await informer.start();
    try {
      expect(added).toEqual(ALL_POD_NAMES);
      await waitFor("the informer's watch", () => h.sim.requests.some((r) => r.query.watch === "true"));
      h.sim.apply(podVariant("web-extra", { app: "web" }));
      h.sim.apply(podVariant("db-0", { app: "db", touched: "yes" }));
      await waitFor(
        "the new and the changed pod",
        () => added.includes("web-extra") && updated.includes("db-0"),
      );
      expect(informer.list("shop").map((p) => p.metadata?.name)).toContain("web-extra");
      // The informer's cache mixes shapes: listed items are deserialized (Date timestamps, no kind),
      // watched ones are raw JSON (string timestamps, with kind).
      expect(informer.get("db-0", "shop")?.kind).toBe("Pod");
      expect(informer.get("log-agent-5kq2m", "shop")?.kind).toBeUndefined();
    } finally {
      await informer.stop();
    }
  });

  it("an RBAC denial is an ApiException with code 403 and the Status as its body", async () => {
    const h = await harness({ rbac: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }] });
    const core = clientFor(h).makeApiClient(CoreV1Api);
    await core.listNamespacedPod({ namespace: "shop" });
    const denied = await core.listNode().catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ApiException);
    const e = denied as ApiException<unknown>;
    expect(e.code).toBe(403);
    expect(JSON.parse(String(e.body))).toMatchObject({
      kind: "Status",
      reason: "Forbidden",
      message:
        'nodes is forbidden: User "system:serviceaccount:kopt:kopt" cannot list resource "nodes" in API group "" at the cluster scope',
    });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("simulator semantics", () => {
  const lease = (name: string, holder: string, resourceVersion?: string): V1Lease => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: "kopt", ...(resourceVersion ? { resourceVersion } : {}) },
    spec: { holderIdentity: holder, leaseDurationSeconds: 15 },
  });

  it("leases: create, get, update; a stale resourceVersion is a 409 Conflict", async () => {
    const h = await harness();
    const api = clientFor(h).makeApiClient(CoordinationV1Api);
    const created = await api.createNamespacedLease({
      namespace: "kopt",
      body: lease("kopt-leader", "pod-a"),
    });
    expect(created.metadata?.uid).toBeTruthy();
    const got = await api.readNamespacedLease({ namespace: "kopt", name: "kopt-leader" });
    expect(got.spec?.holderIdentity).toBe("pod-a");
    const rv = got.metadata?.resourceVersion ?? "";
    const renewed = await api.replaceNamespacedLease({
      namespace: "kopt",
      name: "kopt-leader",
      body: lease("kopt-leader", "pod-b", rv),
    });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(rv));
    expect(renewed.metadata?.uid).toBe(created.metadata?.uid);

    const stale = await api
      .replaceNamespacedLease({
        namespace: "kopt",
        name: "kopt-leader",
        body: lease("kopt-leader", "pod-c", rv),
      })
      .catch((e: ApiException<string>) => e);
    expect((stale as ApiException<string>).code).toBe(409);
    expect(JSON.parse((stale as ApiException<string>).body)).toMatchObject({
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on leases.coordination.k8s.io "kopt-leader": the object has been modified; please apply your changes to the latest version and try again',
    });
    const again = await api
      .createNamespacedLease({ namespace: "kopt", body: lease("kopt-leader", "pod-c") })
      .catch((e: ApiException<string>) => e);
    expect((again as ApiException<string>).code).toBe(409);
    expect(JSON.parse((again as ApiException<string>).body).reason).toBe("AlreadyExists");
    const unconditional = await http(h, "/apis/coordination.k8s.io/v1/namespaces/kopt/leases/kopt-leader", {
      method: "PUT",
      body: JSON.stringify(lease("kopt-leader", "pod-c")),
    });
    expect(unconditional.status).toBe(422);
    expect(unconditional.body.message).toBe(
      'leases.coordination.k8s.io "kopt-leader" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  it("metrics.k8s.io is discovered and served only when metrics are given", async () => {
    const off = await harness();
    expect(JSON.stringify((await http(off, "/apis")).body)).not.toContain("metrics.k8s.io");
    const missing = await http(off, "/apis/metrics.k8s.io/v1beta1");
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe("the server could not find the requested resource");
    expect((await http(off, "/apis/metrics.k8s.io/v1beta1/pods")).status).toBe(404);

    const on = await harness({
      metrics: {
        pods: METRICS.filter((m) => m.kind === "PodMetrics"),
        nodes: METRICS.filter((m) => m.kind === "NodeMetrics"),
      },
    });
    const groups = (await http(on, "/apis")).body.groups as { name: string; preferredVersion: unknown }[];
    expect(groups.find((g) => g.name === "metrics.k8s.io")?.preferredVersion).toEqual({
      groupVersion: "metrics.k8s.io/v1beta1",
      version: "v1beta1",
    });
    const pods = await http(on, "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Ddb");
    expect(pods.body).toMatchObject({
      kind: "PodMetricsList",
      apiVersion: "metrics.k8s.io/v1beta1",
      metadata: {},
    });
    expect(pods.body.items).toEqual([
      expect.objectContaining({
        containers: [{ name: "postgres", usage: { cpu: "402113560n", memory: "1204332Ki" } }],
      }),
    ]);
    const nodes = await http(on, "/apis/metrics.k8s.io/v1beta1/nodes");
    expect((nodes.body.items as Item[]).map((n) => n.metadata.name)).toEqual(["node-a", "node-b"]);
  });

  it("discovery lists kinds, scopes, verbs, short names and subresources as the API server does", async () => {
    const h = await harness();
    const core = (await http(h, "/api/v1")).body.resources as Record<string, unknown>[];
    expect(core.find((r) => r.name === "pods")).toEqual({
      name: "pods",
      singularName: "pod",
      namespaced: true,
      kind: "Pod",
      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
      shortNames: ["po"],
      categories: ["all"],
    });
    expect(core.find((r) => r.name === "pods/log")).toEqual({
      name: "pods/log",
      singularName: "",
      namespaced: true,
      kind: "Pod",
      verbs: ["get"],
    });
    expect(core.find((r) => r.name === "nodes")?.namespaced).toBe(false);
    const hpa = (await http(h, "/apis/autoscaling/v2")).body;
    expect(hpa.groupVersion).toBe("autoscaling/v2");
    expect((hpa.resources as Record<string, unknown>[]).map((r) => r.name)).toEqual([
      "horizontalpodautoscalers",
      "horizontalpodautoscalers/status",
    ]);
  });

  it("requires the bearer token on every path, discovery included, when one is set", async () => {
    const h = await harness({ token: "s3cret" });
    for (const path of ["/version", "/api/v1/pods"]) {
      const res = await http(h, path);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Unauthorized",
        reason: "Unauthorized",
        code: 401,
      });
    }
    const ok = await http(h, "/api/v1/pods", { headers: { Authorization: "Bearer s3cret" } });
    expect(ok.status).toBe(200);
    // client-node, unlike kubectl, sends the token over plain http.
    const core = clientFor(h).makeApiClient(CoreV1Api);
    expect((await core.listNamespace()).items.map((n) => n.metadata?.name)).toEqual(["shop"]);
    const kc = new KubeConfig();
    kc.loadFromFile(h.sim.writeKubeconfig(h.dir, { token: "wrong", context: "wrong" }));
    const denied = await kc
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: 401, body: undefined });
  });

  it("serves HTTPS with tls, and client-node trusts it through the kubeconfig's CA", async () => {
    const h = await harness({ tls: true, token: "s3cret" });
    expect(h.sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const core = clientFor(h).makeApiClient(CoreV1Api);
    expect((await core.listNode()).items.map((n) => n.metadata?.name)).toEqual(["node-a", "node-b"]);
  });

  it("RBAC maps requests to verb, group, resource and subresource, with * wildcards", async () => {
    const h = await harness({
      rbac: [
        { apiGroups: ["apps"], resources: ["*"], verbs: ["list"] },
        { apiGroups: [""], resources: ["pods/*"], verbs: ["get"] },
        { apiGroups: ["*"], resources: ["leases"], verbs: ["*"] },
      ],
    });
    const status = async (path: string, init?: RequestInit) => (await http(h, path, init)).status;
    expect(await status("/apis/apps/v1/statefulsets")).toBe(200);
    expect(await status("/apis/apps/v1/namespaces/shop/statefulsets/db")).toBe(403);
    expect(await status(`/api/v1/namespaces/shop/pods/${OOM_POD}/log`)).toBe(200);
    expect(await status("/apis/coordination.k8s.io/v1/namespaces/kopt/leases")).toBe(200);
    expect(await status("/version")).toBe(200);
    // A watch is its own verb; a metadata.name field selector names the object, as in the real authorizer.
    const watch = await http(h, "/api/v1/namespaces/shop/pods?watch=1&fieldSelector=metadata.name%3Ddb-0");
    expect(watch.body.message).toBe(
      'pods "db-0" is forbidden: User "system:serviceaccount:kopt:kopt" cannot watch resource "pods" in API group "" in the namespace "shop"',
    );
    const del = await http(h, "/apis/apps/v1/namespaces/shop/deployments", { method: "DELETE" });
    expect(del.body.message).toContain('cannot deletecollection resource "deployments" in API group "apps"');
  });

  it("a watch with a label selector sees an object leave the selection as DELETED", async () => {
    const h = await harness();
    const events: string[] = [];
    const controller = await new Watch(clientFor(h)).watch(
      "/api/v1/namespaces/shop/pods",
      { resourceVersion: h.sim.resourceVersion, labelSelector: "app=web" },
      (type: string, obj: V1Pod) => events.push(`${type} ${obj.metadata?.name} ${obj.metadata?.labels?.app}`),
      () => {},
    );
    try {
      h.sim.apply(podVariant("db-0", { app: "db", x: "1" }));
      h.sim.apply(podVariant("moving", { app: "web" }));
      h.sim.apply(podVariant("moving", { app: "batch" }));
      await waitFor("two events", () => events.length >= 2);
      expect(events).toEqual(["ADDED moving web", "DELETED moving batch"]);
    } finally {
      controller.abort();
    }
  });

  it("watches end after timeoutSeconds and are closed by stop()", async () => {
    const h = await harness();
    const ends: unknown[] = [];
    const watch = new Watch(clientFor(h));
    await watch.watch(
      "/api/v1/pods",
      { timeoutSeconds: 1 },
      () => {},
      (err: unknown) => ends.push(err),
    );
    await watch.watch(
      "/api/v1/nodes",
      {},
      () => {},
      (err: unknown) => ends.push(err),
    );
    await waitFor("the timed-out watch", () => ends.length === 1, 3000);
    await h.sim.stop();
    await waitFor("the watch closed by stop()", () => ends.length === 2);
  });

  it("a malformed object fails to load, naming the object and the schema error", async () => {
    expect(() => loadFixture(fixture("malformed-pod.yaml"))).toThrow(
      /malformed-pod\.yaml: document 2: Pod shop\/broken-0 is invalid: data\/spec\/containers\/0 must have required property name, .*cpu must match format "quantity"/,
    );
    const hpa = structuredClone(SMALL.find((o) => o.kind === "HorizontalPodAutoscaler")) as Raw;
    hpa.spec.maxReplicas = "five";
    await expect(startKubeSim({ objects: [hpa] })).rejects.toThrow(
      "objects: HorizontalPodAutoscaler shop/web is invalid: data/spec/maxReplicas must be integer",
    );
    await expect(
      startKubeSim({
        objects: [
          {
            apiVersion: "autoscaling/v1",
            kind: "HorizontalPodAutoscaler",
            metadata: { name: "x", namespace: "y" },
          },
        ],
      }),
    ).rejects.toThrow(
      "kube-sim does not serve autoscaling/v1 HorizontalPodAutoscaler (HorizontalPodAutoscaler y/x)",
    );
  });

  it("rejects an invalid object sent by a client with 422, and apply() throws on one", async () => {
    const h = await harness();
    const res = await http(h, "/apis/apps/v1/namespaces/shop/deployments", {
      method: "POST",
      body: JSON.stringify({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "bad" },
        spec: {},
      }),
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      reason: "Invalid",
      details: { name: "bad", group: "apps", kind: "Deployment" },
    });
    expect(res.body.message).toMatch(
      /^Deployment\.apps "bad" is invalid: data\/spec must have required property selector/,
    );
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "shop" },
      spec: { containers: [{}] },
    };
    expect(() => h.sim.apply(pod)).toThrow(
      "apply: Pod shop/p is invalid: data/spec/containers/0 must have required property name",
    );
  });

  it("pods/log asks for a container when a pod has several, and names an unknown one", async () => {
    const pod = podVariant("two", { app: "two" }) as Raw;
    pod.spec.containers.push({ ...pod.spec.containers[0], name: "sidecar" });
    const h = await harness({ objects: [...SMALL, pod] });
    const res = await http(h, "/api/v1/namespaces/shop/pods/two/log");
    expect(res.body.message).toBe(
      "a container name must be specified for pod two, choose one of: [web sidecar]",
    );
    const unknown = await http(h, "/api/v1/namespaces/shop/pods/two/log?container=nope");
    expect(unknown.body.message).toBe("container nope is not valid for pod two");
  });

  it("DELETE answers a pod with its final state and other kinds with a Success Status", async () => {
    const h = await harness();
    const pod = await http(h, "/api/v1/namespaces/shop/pods/db-0", { method: "DELETE" });
    expect(pod.body).toMatchObject({
      kind: "Pod",
      metadata: { name: "db-0", deletionGracePeriodSeconds: 0 },
    });
    const deploy = await http(h, "/apis/apps/v1/namespaces/shop/deployments/web", { method: "DELETE" });
    expect(deploy.body).toMatchObject({
      kind: "Status",
      status: "Success",
      details: { name: "web", group: "apps", kind: "deployments" },
    });
    expect((await http(h, "/apis/apps/v1/namespaces/shop/deployments/web")).status).toBe(404);
  });
});

describe("simulator fault injection", () => {
  /** A client-node Watch on the shop pods that records event types and how it ended. */
  async function recordWatch(h: Harness, query: Record<string, string | boolean> = {}) {
    const seen = { types: [] as string[], names: [] as string[], done: "open" as unknown };
    const controller = await new Watch(clientFor(h)).watch(
      "/api/v1/namespaces/shop/pods",
      { resourceVersion: h.sim.resourceVersion, ...query },
      (type: string, obj: V1Pod) => {
        seen.types.push(type);
        if (type !== "BOOKMARK") seen.names.push(obj.metadata?.name ?? "");
      },
      (err: unknown) => {
        seen.done = err;
      },
    );
    cleanups.push(() => controller.abort());
    return seen;
  }

  it("openWatches() counts the watch streams open on the server", async () => {
    const h = await harness();
    expect(h.sim.openWatches()).toBe(0);
    await recordWatch(h);
    await recordWatch(h);
    await waitFor("two open watches", () => h.sim.openWatches() === 2);
    await h.sim.stop();
    expect(h.sim.openWatches()).toBe(0);
  });

  it("dropWatches() cuts every open watch abruptly; a new watch then works", async () => {
    const h = await harness();
    const first = await recordWatch(h);
    await waitFor("the watch", () => h.sim.openWatches() === 1);
    h.sim.dropWatches();
    await waitFor("the client to see the cut", () => first.done !== "open");
    expect(h.sim.openWatches()).toBe(0);
    // A cut is not a clean end of the stream: the client sees an error (premature close), not null.
    expect(first.done).toBeInstanceOf(Error);
    const second = await recordWatch(h);
    h.sim.apply(podVariant("after-cut", { app: "web" }));
    await waitFor("the new watch's event", () => second.names.includes("after-cut"));
    expect(first.names).toEqual([]);
  });

  it("stallWatches() keeps watches connected but silent; a new watch gets the changes", async () => {
    const h = await harness({ bookmarkIntervalMs: 30 });
    const stalled = await recordWatch(h, { allowWatchBookmarks: true });
    await waitFor("a bookmark before the stall", () => stalled.types.includes("BOOKMARK"));
    h.sim.stallWatches();
    const before = stalled.types.length;
    const fresh = await recordWatch(h, { allowWatchBookmarks: true });
    h.sim.apply(podVariant("during-stall", { app: "web" }));
    // Three bookmarks on the new watch after the change: the stalled one's timer has fired meanwhile too.
    await waitFor(
      "the change and bookmarks on the new watch",
      () => fresh.names.includes("during-stall") && fresh.types.filter((t) => t === "BOOKMARK").length >= 3,
    );
    expect(stalled.types.length).toBe(before);
    expect(stalled.done).toBe("open");
    expect(h.sim.openWatches()).toBe(2);
  });

  it("setDown(true) drops open watches and resets every request; setDown(false) serves again", async () => {
    const h = await harness();
    const watch = await recordWatch(h);
    await waitFor("the watch", () => h.sim.openWatches() === 1);
    h.sim.setDown(true);
    await waitFor("the client to see the watch dropped", () => watch.done !== "open");
    expect(h.sim.openWatches()).toBe(0);
    const core = clientFor(h).makeApiClient(CoreV1Api);
    const refused = await core.listNamespacedPod({ namespace: "shop" }).catch((e: unknown) => e);
    // No HTTP answer at all: the connection is reset, so the error carries no status code.
    expect(refused).toBeInstanceOf(Error);
    expect(refused).not.toBeInstanceOf(ApiException);
    const down = await recordWatch(h);
    await waitFor("the refused watch to end", () => down.done !== "open");
    expect(down.done).toBeInstanceOf(Error);
    h.sim.setDown(false);
    const pods = await core.listNamespacedPod({ namespace: "shop" });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(ALL_POD_NAMES);
  });
});
