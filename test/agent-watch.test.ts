// The agent's cluster watch (src/observe/kube/informers.ts) against the Kubernetes simulator with the real
// client-node: it holds what readCluster reads, delivers every change with the object it replaced, and
// recovers from a cut connection, a 410, a silent stall and an API server that is down, without missing a
// change made meanwhile and without re-delivering what did not change.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { WatchChange } from "../src/model/agent.ts";
import { connect } from "../src/observe/kube/connection.ts";
import { type ClusterWatchOptions, createClusterWatch } from "../src/observe/kube/informers.ts";
import { NAMESPACED_KINDS } from "../src/observe/kube/kinds.ts";
import { readCluster } from "../src/observe/kube/read-cluster.ts";
import type { ClusterWatchPort } from "../src/workflows/agent/ports.ts";
import { cleanups } from "./support/cleanups.ts";
import { type CutProxy, startCutProxy } from "./support/cut-proxy.ts";
import { type KubeSim, type KubeSimOptions, loadFixture, startKubeSim } from "./support/kube-sim/index.ts";

const SMALL = loadFixture(fileURLToPath(new URL("./fixtures/kube/small-cluster.yaml", import.meta.url)));
/** Namespaces, Nodes and one informer per namespaced kind. */
const INFORMERS = 2 + NAMESPACED_KINDS.length;
/** Long enough that the watchdog never fires in tests that are not about silence. */
const QUIET = 120_000;
const FAST_BACKOFF = { initialMs: 50, maxMs: 400 };
/** For the tests of hung requests: long enough for a healthy answer on a busy machine, short for the test. */
const REQUEST_TIMEOUT = 400;
/** Request lines (cut-proxy.ts) of a pod list and of a pod watch, in all namespaces. */
const podList = (line: string) => /^GET \/api\/v1\/pods\?/.test(line) && !line.includes("watch=true");
const podWatch = (line: string) => /^GET \/api\/v1\/pods\?/.test(line) && line.includes("watch=true");

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

const namespace = (name: string): Obj => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });

/** A pod of the fixture under another name, namespace and labels. */
function pod(name: string, ns = "shop", labels: Record<string, string> = { app: "web" }): Obj {
  const base = structuredClone(SMALL.find((o) => o.kind === "Pod")) as Obj;
  return { ...base, metadata: { name, namespace: ns, labels } };
}

/** The small cluster plus namespaces "batch" and "kube-system", each with a pod. */
const CLUSTER = [
  ...SMALL,
  namespace("batch"),
  namespace("kube-system"),
  pod("job-1", "batch"),
  pod("coredns-1", "kube-system"),
];

async function waitFor(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Harness {
  sim: KubeSim;
  /** The simulator's own kubeconfig (not through the proxy). */
  kubeconfig: string;
  /** With `proxied`: the TCP proxy the watch reaches the simulator through. */
  proxy?: CutProxy;
  watch: ClusterWatchPort;
  changes: WatchChange[];
  logs: { event: string; fields?: Record<string, unknown> }[];
}

/** A simulator and a cluster watch on it, not started yet. */
async function unstarted(
  sim: Partial<KubeSimOptions> = {},
  opts: Partial<ClusterWatchOptions> = {},
  { proxied = false } = {},
): Promise<Harness> {
  const s = await startKubeSim({ objects: CLUSTER, ...sim });
  cleanups.push(() => s.stop());
  const dir = mkdtempSync(join(tmpdir(), "agent-watch-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = s.writeKubeconfig(dir);
  let proxy: CutProxy | undefined;
  let watchedThrough = kubeconfig;
  if (proxied) {
    const p = await startCutProxy(s.url);
    cleanups.push(() => p.stop());
    proxy = p;
    watchedThrough = join(dir, "kubeconfig-proxy");
    writeFileSync(watchedThrough, readFileSync(kubeconfig, "utf8").replace(s.url, p.url));
  }
  const logs: Harness["logs"] = [];
  const watch = createClusterWatch(connect({ kubeconfig: watchedThrough }), {
    silentAfterMs: QUIET,
    backoff: FAST_BACKOFF,
    log: (event, fields) => logs.push({ event, fields }),
    ...opts,
  });
  cleanups.push(() => watch.stop());
  const changes: WatchChange[] = [];
  watch.onChange((c) => changes.push(c));
  return { sim: s, kubeconfig, ...(proxy ? { proxy } : {}), watch, changes, logs };
}

async function harness(
  sim: Partial<KubeSimOptions> = {},
  opts: Partial<ClusterWatchOptions> = {},
  how: { proxied?: boolean } = {},
): Promise<Harness> {
  const h = await unstarted(sim, opts, how);
  await h.watch.start();
  return h;
}

const nameOf = (o: Record<string, unknown> | undefined) =>
  (o?.metadata as { name?: string } | undefined)?.name ?? "";
const labelsOf = (o: Record<string, unknown> | undefined) =>
  (o?.metadata as { labels?: Record<string, string> } | undefined)?.labels;
/** Changes after `from`, as "TYPE Kind name". */
const since = (h: Harness, from: number) =>
  h.changes.slice(from).map((c) => `${c.type} ${c.kind} ${nameOf(c.object)}`);

describe("the cluster watch", () => {
  it("after start it is synced and holds exactly readCluster's items, each delivered once as ADDED", async () => {
    const h = await harness();
    expect(h.watch.synced()).toBe(true);
    const read = await readCluster({ kubeconfig: h.kubeconfig });
    expect(h.watch.objects()).toEqual(read.items);
    expect(h.changes.map((c) => c.type)).toEqual(read.items.map(() => "ADDED"));
    expect(h.watch.stats()).toEqual({ events: read.items.length, restarts: 0, relists: 0 });
    // Raw JSON as the API sent it: kind set, timestamps strings (not client-node's Date objects).
    const db = h.watch.get("Pod", "shop", "db-0");
    expect(db).toMatchObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "db-0" } });
    expect((db?.metadata as { creationTimestamp?: unknown } | undefined)?.creationTimestamp).toBeTypeOf(
      "string",
    );
    expect(h.watch.get("Node", "", "node-a")).toMatchObject({ kind: "Node" });
    expect(h.watch.get("Namespace", "", "batch")).toMatchObject({ kind: "Namespace" });
  });

  it("delivers a pod change with the object it replaced, then a deletion with the last cached state", async () => {
    const h = await harness();
    const before = h.watch.get("Pod", "shop", "db-0");
    const from = h.changes.length;
    h.sim.apply(pod("db-0", "shop", { app: "db", touched: "yes" }));
    await waitFor("the change", () => h.changes.length > from);
    const change = h.changes[from];
    expect(change).toMatchObject({ kind: "Pod", type: "MODIFIED" });
    expect(change?.old).toBe(before);
    expect(labelsOf(change?.object)).toEqual({ app: "db", touched: "yes" });
    // Watched objects are raw JSON too, with kind, like listed ones.
    expect(change?.object).toMatchObject({ apiVersion: "v1", kind: "Pod" });
    expect(h.watch.get("Pod", "shop", "db-0")).toBe(change?.object);
    h.sim.remove("Pod", "shop", "db-0");
    await waitFor("the deletion", () => h.changes.length > from + 1);
    expect(h.changes[from + 1]).toMatchObject({ kind: "Pod", type: "DELETED" });
    expect(h.changes[from + 1]?.old).toBe(change?.object);
    expect(h.watch.get("Pod", "shop", "db-0")).toBeUndefined();
  });

  it("restarts after its watches are cut and delivers the change made while cut, once", async () => {
    const h = await harness();
    const from = h.changes.length;
    h.sim.dropWatches();
    h.sim.apply(pod("db-0", "shop", { app: "db", cut: "yes" }));
    h.sim.apply(pod("while-cut"));
    await waitFor("the changes made while cut", () => h.changes.length >= from + 2);
    await waitFor("every informer watching again", () => h.watch.synced());
    expect(since(h, from)).toEqual(["MODIFIED Pod db-0", "ADDED Pod while-cut"]);
    expect(h.watch.stats().restarts).toBeGreaterThanOrEqual(1);
    expect(h.logs.some((l) => l.event === "watch.restart" && l.fields?.kind === "Pod")).toBe(true);
  });

  it("re-lists on 410 when more changed while cut than the server's history keeps, delivering only what changed", async () => {
    const h = await harness({ watchHistory: 2 });
    const from = h.changes.length;
    h.sim.dropWatches();
    for (const v of ["1", "2", "3", "4"]) h.sim.apply(pod("db-0", "shop", { app: "db", v }));
    h.sim.apply(pod("while-cut"));
    h.sim.remove("Pod", "batch", "job-1");
    await waitFor("the changes made while cut", () => h.changes.length >= from + 3);
    await waitFor("every informer watching again", () => h.watch.synced());
    // The re-list shows the end state: db-0 once (v=4), the new pod, the deleted one; nothing unchanged.
    expect(since(h, from).sort()).toEqual(["ADDED Pod while-cut", "DELETED Pod job-1", "MODIFIED Pod db-0"]);
    const db = h.changes.slice(from).find((c) => nameOf(c.object) === "db-0");
    expect(labelsOf(db?.object)).toEqual({ app: "db", v: "4" });
    expect(labelsOf(db?.old)).toEqual(labelsOf(SMALL.find((o) => nameOf(o) === "db-0")));
    expect(h.watch.stats().relists).toBeGreaterThanOrEqual(1);
    expect(h.logs.some((l) => l.event === "watch.relist" && l.fields?.reason === "410 Gone")).toBe(true);
    expect(h.watch.objects()).toEqual((await readCluster({ kubeconfig: h.kubeconfig })).items);
  });

  it("re-lists a watch that went silent (no event, no bookmark) and delivers the change made during the stall", async () => {
    const h = await harness({ bookmarkIntervalMs: 100 }, { silentAfterMs: 1000 });
    // Healthy but quiet watches get bookmarks (ListWatch alone does not ask for them) and are left alone.
    await waitFor("bookmarks on the watches", () =>
      h.sim.requests.some((r) => r.query.watch === "true" && r.query.allowWatchBookmarks === "true"),
    );
    const from = h.changes.length;
    h.sim.stallWatches();
    h.sim.apply(pod("db-0", "shop", { app: "db", stalled: "yes" }));
    await waitFor("the change made during the stall", () => h.changes.length > from);
    expect(since(h, from)).toEqual(["MODIFIED Pod db-0"]);
    expect(labelsOf(h.changes[from]?.old)).toEqual(labelsOf(SMALL.find((o) => nameOf(o) === "db-0")));
    expect(h.watch.stats().relists).toBeGreaterThanOrEqual(1);
    expect(h.logs.some((l) => l.event === "watch.silent" && l.fields?.kind === "Pod")).toBe(true);
    // The stalled streams were given up: every informer has one open watch again, no more.
    await waitFor("one open watch per informer", () => h.sim.openWatches() === INFORMERS);
  });

  it("is not synced while the API server is down, and when it is back, syncs and delivers what changed", async () => {
    const h = await harness();
    const from = h.changes.length;
    h.sim.setDown(true);
    await waitFor("synced() to turn false", () => !h.watch.synced());
    h.sim.apply(pod("while-down"));
    h.sim.remove("Pod", "shop", "db-0");
    // Failed restarts keep going (with backoff) while the server is down.
    await waitFor("restarts to fail", () => h.watch.stats().restarts > INFORMERS);
    expect(h.watch.synced()).toBe(false);
    h.sim.setDown(false);
    await waitFor("synced() to turn true", () => h.watch.synced());
    await waitFor("the changes made while down", () => h.changes.length >= from + 2);
    expect(since(h, from)).toEqual(["ADDED Pod while-down", "DELETED Pod db-0"]);
    // Restart messages say what failed, never with a token.
    const restart = h.logs.find((l) => l.event === "watch.restart");
    expect(restart?.fields).toMatchObject({ kind: expect.any(String), error: expect.any(String) });
  });

  it("gives up a pod list the API accepts and never answers, retries it with backoff, and syncs once the API answers", async () => {
    const h = await unstarted({}, { requestTimeoutMs: REQUEST_TIMEOUT }, { proxied: true });
    const proxy = h.proxy as CutProxy;
    proxy.hang(podList);
    const started = h.watch.start();
    // Held connections are requests given up and tried again: without a timeout there would be one, for ever.
    await waitFor("the hung list to be tried again", () => proxy.held >= 2);
    expect(h.watch.synced()).toBe(false);
    expect(h.logs).toContainEqual({
      event: "watch.restart",
      fields: expect.objectContaining({
        kind: "Pod",
        error: `the Kubernetes API at ${proxy.url} did not answer within ${REQUEST_TIMEOUT} ms`,
      }),
    });
    h.sim.apply(pod("while-hung"));
    proxy.restore();
    await started;
    await waitFor("synced() to turn true", () => h.watch.synced());
    expect(h.watch.get("Pod", "shop", "while-hung")).toBeDefined();
    expect(h.watch.objects()).toEqual((await readCluster({ kubeconfig: h.kubeconfig })).items);
  });

  it("gives up a pod watch whose answer never comes, restarts it, and delivers the change made meanwhile", async () => {
    const h = await harness({}, { requestTimeoutMs: REQUEST_TIMEOUT }, { proxied: true });
    const proxy = h.proxy as CutProxy;
    const from = h.changes.length;
    proxy.hang(podWatch);
    h.sim.dropWatches();
    h.sim.apply(pod("while-hung"));
    await waitFor("the hung watch to be tried again", () => proxy.held >= 2);
    expect(since(h, from)).toEqual([]);
    expect(h.logs).toContainEqual({
      event: "watch.restart",
      fields: expect.objectContaining({ kind: "Pod", error: expect.stringMatching(/network timeout/) }),
    });
    proxy.restore();
    await waitFor("the change made while the watch hung", () => h.changes.length > from);
    expect(since(h, from)).toEqual(["ADDED Pod while-hung"]);
    await waitFor("every informer watching again", () => h.watch.synced());
    // The timeout is for the answer only: an open watch may stay quiet far longer and is left alone.
    const { restarts } = h.watch.stats();
    await new Promise((r) => setTimeout(r, 4 * REQUEST_TIMEOUT));
    expect(h.watch.stats().restarts).toBe(restarts);
    expect(h.sim.openWatches()).toBe(INFORMERS);
  });

  it("with namespaces.include, lists and watches only those namespaces, and holds readCluster's items", async () => {
    const h = await harness({}, { namespaces: { include: ["shop"] } });
    const read = await readCluster({ kubeconfig: h.kubeconfig, namespaces: { include: ["shop"] } });
    expect(h.watch.objects()).toEqual(read.items);
    const paths = new Set(h.sim.requests.map((r) => r.path));
    expect(paths.has("/api/v1/pods")).toBe(false);
    expect(paths.has("/api/v1/namespaces/shop/pods")).toBe(true);
    const from = h.changes.length;
    h.sim.apply(pod("elsewhere", "batch"));
    h.sim.apply(pod("here", "shop"));
    await waitFor("the change in shop", () => h.changes.length > from);
    expect(since(h, from)).toEqual(["ADDED Pod here"]);
  });

  it("with namespaces.exclude, drops the objects of those namespaces (and the Namespaces), from lists and watches", async () => {
    const h = await harness({}, { namespaces: { exclude: ["kube-system"] } });
    const read = await readCluster({ kubeconfig: h.kubeconfig, namespaces: { exclude: ["kube-system"] } });
    expect(h.watch.objects()).toEqual(read.items);
    expect(h.watch.get("Namespace", "", "kube-system")).toBeUndefined();
    const from = h.changes.length;
    // Both go over the one all-namespaces pod watch, in order: the first is dropped, not delayed.
    h.sim.apply(pod("coredns-2", "kube-system"));
    h.sim.apply(pod("here", "shop"));
    await waitFor("the change in shop", () => h.changes.length > from);
    expect(since(h, from)).toEqual(["ADDED Pod here"]);
    expect(h.watch.get("Pod", "kube-system", "coredns-2")).toBeUndefined();
  });

  it("stop() leaves no open watch on the server", async () => {
    const h = await harness();
    await waitFor("one open watch per informer", () => h.sim.openWatches() === INFORMERS);
    await h.watch.stop();
    expect(h.watch.synced()).toBe(false);
    await waitFor("the server to see every watch closed", () => h.sim.openWatches() === 0);
  });

  it("start() rejects at once when RBAC refuses a list, naming the rule to add", async () => {
    // Everything but autoscaling, batch, PersistentVolumeClaims and Events.
    const resources = [
      "pods",
      "nodes",
      "namespaces",
      "replicasets",
      "deployments",
      "statefulsets",
      "daemonsets",
    ];
    const h = await unstarted({ rbac: [{ apiGroups: ["", "apps"], resources, verbs: ["list", "watch"] }] });
    await expect(h.watch.start()).rejects.toThrow(/horizontalpodautoscalers[\s\S]*403 Forbidden/);
    expect(h.watch.synced()).toBe(false);
  });

  it("start() rejects at once when RBAC allows the list but not the watch", async () => {
    const h = await unstarted({ rbac: [{ apiGroups: ["*"], resources: ["*"], verbs: ["list"] }] });
    await expect(h.watch.start()).rejects.toThrow(/refused to watch \w+ .*403 Forbidden/);
  });

  it("log lines say which informer failed and why, and never carry the token", async () => {
    const token = "kopt-test-token-3f9a8b7c6d5e";
    const h = await harness({ token });
    h.sim.setDown(true);
    await waitFor("failed restarts", () => h.watch.stats().restarts > INFORMERS);
    h.sim.setDown(false);
    await waitFor("synced() to turn true", () => h.watch.synced());
    expect(h.logs.filter((l) => l.event === "watch.restart").length).toBeGreaterThan(INFORMERS);
    expect(JSON.stringify(h.logs)).not.toContain(token);
  });

  it("a listener that throws does not stop the others or the informer", async () => {
    const h = await harness();
    const seen: string[] = [];
    h.watch.onChange(() => {
      throw new Error("listener bug");
    });
    h.watch.onChange((c) => seen.push(nameOf(c.object)));
    h.sim.apply(pod("first"));
    h.sim.apply(pod("second"));
    await waitFor("both changes", () => seen.length === 2);
    expect(seen).toEqual(["first", "second"]);
    expect(h.logs.filter((l) => l.event === "watch.listener.error")).toHaveLength(2);
  });
});
