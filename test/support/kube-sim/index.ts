// A Kubernetes API server simulator for tests: plain HTTP on 127.0.0.1 and a random port, serving the
// objects it is given the way kube-apiserver does (discovery, list/get/watch with selectors and
// pagination, pods/log, pods/eviction with PodDisruptionBudgets, leases, metrics.k8s.io, Argo CD Applications
// and Flux Kustomizations / HelmReleases, RBAC and NetworkPolicy objects, Trivy Operator VulnerabilityReports
// when its CRD is installed, RBAC denials, 401 without the token), so that real kubectl and
// @kubernetes/client-node can be pointed at it.
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { stringify } from "yaml";
import { listenLocal } from "../local-server.ts";
import { uuid } from "../snapshot-builder.ts";
import { servedTypes } from "./discovery.ts";
import { FIXTURE_CREATION_TIMESTAMP } from "./fixture.ts";
import type { PolicyRule } from "./rbac.ts";
import type { KubeObject } from "./resources.ts";
import { findByKind, findLoosely } from "./resources.ts";
import type { RecordedRequest, ServerContext } from "./server.ts";
import { handle, markDeleted } from "./server.ts";
import { keyOf, Store, withTypeMeta } from "./store.ts";
import { checkObject, describe, flattenLists } from "./validate.ts";

export { loadFixture } from "./fixture.ts";
export type { PolicyRule } from "./rbac.ts";

export interface KubeSimOptions {
  /** Raw objects as `kubectl get -o json` prints them (a `List` or typed list is flattened). */
  objects: Record<string, unknown>[];
  /** Container logs keyed "namespace/pod/container". */
  logs?: Record<string, { current?: string; previous?: string }>;
  /** PodMetrics/NodeMetrics objects; false or absent: metrics.k8s.io is not served. */
  metrics?: false | { pods?: Record<string, unknown>[]; nodes?: Record<string, unknown>[] };
  /**
   * Operators whose CRDs are installed, so their custom resources are served ("trivy-operator":
   * aquasecurity.github.io/v1alpha1 VulnerabilityReports). Default: those whose objects are given; without
   * the CRD a list of them gets the API server's 404.
   */
  crds?: "trivy-operator"[];
  /** Default allow-all; otherwise anything no rule allows gets the API server's 403. */
  rbac?: "allow-all" | PolicyRule[];
  /** When set, a request without "Authorization: Bearer <token>" gets 401. */
  token?: string;
  /** A server-side cap on `limit`, applied to every list (even without `limit`) to force pagination. */
  pageSizeCap?: number;
  /** The user named in 403 messages; default "system:serviceaccount:kopt:kopt". */
  user?: string;
  /** How many changes the watch history keeps; a watch from before them gets 410 Expired. Default 1000. */
  watchHistory?: number;
  /** How often watches with allowWatchBookmarks get a BOOKMARK; default 60000 (the real server's ~1 min). */
  bookmarkIntervalMs?: number;
  /**
   * Serve HTTPS with a fixed self-signed certificate for 127.0.0.1 (the kubeconfig carries it as the CA).
   * kubectl sends a bearer token only over HTTPS, so kubectl tests with a token need this.
   */
  tls?: boolean;
}

export interface KubeSim {
  /** http://127.0.0.1:PORT (https:// with `tls`) */
  url: string;
  /** With `tls`: the server certificate (PEM), which is also its own CA. */
  ca?: string;
  /** Writes a kubeconfig (cluster server = url, user with the token if any, context "sim") into dir; returns its path. */
  writeKubeconfig(dir: string, opts?: { token?: string; context?: string; namespace?: string }): string;
  /** Every request received, in order: method, path, query. */
  requests: RecordedRequest[];
  /** Creates or replaces an object (validated) -> ADDED/MODIFIED events. */
  apply(obj: Record<string, unknown>): void;
  /** Deletes an object -> DELETED event. `kind` is a Kind ("Pod"), or a plural or short name. */
  remove(kind: string, namespace: string | undefined, name: string): void;
  /** The current global resourceVersion. */
  readonly resourceVersion: string;
  /** Closes open watches and the server. */
  stop(): Promise<void>;
  /** Fault injection: destroys every open watch connection abruptly, as a network cut does. */
  dropWatches(): void;
  /** Fault injection: open watches stay connected but receive nothing more (a silent stall); new watches work. */
  stallWatches(): void;
  /**
   * Fault injection: while down, every request's connection is destroyed before an answer (a dead API server
   * behind a TCP load balancer: the client sees the connection reset, "socket hang up"), and setting it drops
   * every open watch. Back up, requests are served again.
   */
  setDown(down: boolean): void;
  /** How many watch streams are open on the server now. */
  openWatches(): number;
}

const DEFAULT_USER = "system:serviceaccount:kopt:kopt";

function seedObject(store: Store, raw: Record<string, unknown>, where: string): void {
  const rt = checkObject(raw, where);
  const obj = withTypeMeta(rt, structuredClone(raw));
  const meta = obj.metadata;
  const key = keyOf(rt, String(meta.namespace ?? ""), String(meta.name));
  if (store.get(rt, String(meta.namespace ?? ""), String(meta.name))) {
    throw new Error(`${where}: ${describe(obj)} is given twice`);
  }
  if (!rt.metrics) meta.uid ??= uuid(`kube-sim:${rt.kind}/${key}`);
  meta.creationTimestamp ??= FIXTURE_CREATION_TIMESTAMP;
  store.seed(rt, obj, !rt.metrics);
}

function seedMetrics(store: Store, raw: Record<string, unknown>, kind: "PodMetrics" | "NodeMetrics"): void {
  const obj = { apiVersion: "metrics.k8s.io/v1beta1", kind, ...raw };
  const rt = findByKind(String(obj.apiVersion), String(obj.kind));
  if (!rt || obj.kind !== kind) {
    throw new Error(
      `kube-sim: metrics.${kind === "PodMetrics" ? "pods" : "nodes"} takes ${kind}, got ${describe(obj)}`,
    );
  }
  seedObject(store, obj, `metrics.${kind === "PodMetrics" ? "pods" : "nodes"}`);
}

export async function startKubeSim(opts: KubeSimOptions): Promise<KubeSim> {
  const metricsOn = opts.metrics !== undefined && opts.metrics !== false;
  const store = new Store(opts.watchHistory ?? 1000);
  const objects = flattenLists(opts.objects);
  const crds = opts.crds ?? [...new Set(objects.flatMap((o) => checkObject(o, "objects").crd ?? []))];
  for (const raw of objects) {
    const rt = checkObject(raw, "objects");
    if (rt.crd && !crds.includes(rt.crd)) {
      throw new Error(`objects: ${describe(raw)}: its CRD is not installed (crds option: add "${rt.crd}")`);
    }
    if (rt.metrics) {
      throw new Error(
        `objects: ${describe(raw)}: pass PodMetrics/NodeMetrics in the metrics option, not in objects`,
      );
    }
    seedObject(store, raw, "objects");
  }
  if (opts.metrics) {
    for (const m of opts.metrics.pods ?? []) seedMetrics(store, m, "PodMetrics");
    for (const m of opts.metrics.nodes ?? []) seedMetrics(store, m, "NodeMetrics");
  }
  for (const key of Object.keys(opts.logs ?? {})) {
    if (key.split("/").length !== 3) throw new Error(`logs: key "${key}" must be "namespace/pod/container"`);
  }

  let url = "";
  const ctx: ServerContext = {
    store,
    types: servedTypes(metricsOn, crds),
    logs: opts.logs ?? {},
    rules: opts.rbac ?? "allow-all",
    token: opts.token,
    user: opts.user ?? DEFAULT_USER,
    pageSizeCap: opts.pageSizeCap,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
    requests: [],
    watches: new Set(),
    down: false,
    address: () => url.replace(/^https?:\/\//, ""),
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(ctx, req, res);
  };
  const local = await listenLocal(onRequest, opts.tls);
  const { server, ca } = local;
  url = local.url;

  return {
    url,
    ...(ca ? { ca } : {}),
    requests: ctx.requests,
    get resourceVersion() {
      return String(store.resourceVersion);
    },
    writeKubeconfig(dir, o = {}) {
      const context = o.context ?? "sim";
      const token = o.token ?? opts.token;
      const file = join(dir, context === "sim" ? "kubeconfig" : `kubeconfig-${context}`);
      const config = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: "sim",
            cluster: ca
              ? { server: url, "certificate-authority-data": Buffer.from(ca).toString("base64") }
              : // client-node 1.x refuses a plain-http server unless TLS verification is explicitly skipped.
                { server: url, "insecure-skip-tls-verify": true },
          },
        ],
        users: [{ name: "sim", user: token === undefined ? {} : { token } }],
        contexts: [
          {
            name: context,
            context: { cluster: "sim", user: "sim", ...(o.namespace ? { namespace: o.namespace } : {}) },
          },
        ],
        "current-context": context,
        preferences: {},
      };
      writeFileSync(file, stringify(config));
      return file;
    },
    apply(raw) {
      const rt = checkObject(raw, "apply");
      if (rt.metrics) throw new Error("apply: metrics objects are fixed at start");
      if (rt.crd && !crds.includes(rt.crd))
        throw new Error(`apply: the CRD of ${describe(raw)} is not installed`);
      const obj = withTypeMeta(rt, structuredClone(raw)) as KubeObject;
      const meta = obj.metadata;
      const old = store.get(rt, String(meta.namespace ?? ""), String(meta.name));
      meta.uid ??= old?.metadata.uid ?? randomUUID();
      meta.creationTimestamp ??=
        old?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      store.write(rt, obj);
    },
    remove(kind, namespace, name) {
      const rt = findLoosely(kind);
      if (!rt) throw new Error(`remove: kube-sim does not serve kind "${kind}"`);
      const ns = rt.namespaced ? (namespace ?? "") : "";
      if (!store.get(rt, ns, name)) throw new Error(`remove: no ${rt.kind} ${keyOf(rt, ns, name)}`);
      store.delete(rt, ns, name, rt.returnDeletedObject ? markDeleted : undefined);
    },
    dropWatches() {
      for (const w of [...ctx.watches]) w.drop();
    },
    stallWatches() {
      for (const w of ctx.watches) w.stall();
    },
    setDown(down) {
      ctx.down = down;
      if (!down) return;
      for (const w of [...ctx.watches]) w.drop();
      // Idle keep-alive connections go too: a dead server holds none.
      server.closeIdleConnections();
    },
    openWatches() {
      return ctx.watches.size;
    },
    async stop() {
      for (const w of [...ctx.watches]) w.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
