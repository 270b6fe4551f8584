// The HTTP side of the simulator: authentication, authorization, discovery, and the REST verbs
// (list, get, watch, create, update, patch, delete, pods/log) over the store.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./discovery.ts";
import { evict } from "./eviction.ts";
import type { PolicyRule, RequestInfo } from "./rbac.ts";
import { authorize, requestInfo } from "./rbac.ts";
import type { KubeObject, ResourceType } from "./resources.ts";
import { apiVersionOf, qualifiedResource } from "./resources.ts";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import type { Status } from "./status.ts";
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  failure,
  forbidden,
  forbiddenPath,
  invalid,
  MODIFIED,
  methodNotAllowed,
  notFound,
  pathNotFound,
  unauthorized,
} from "./status.ts";
import type { Change } from "./store.ts";
import { namespaceOf, type Store, withTypeMeta } from "./store.ts";
import { schemaError } from "./validate.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

/** An open watch stream, as the fault injection sees it. */
export interface OpenWatch {
  /** Ends the stream cleanly (the server's own close: timeoutSeconds, stop()). */
  close(): void;
  /** Destroys the connection without ending the stream, as a network cut does. */
  drop(): void;
  /** Keeps the connection open but sends nothing more on it: no events, no bookmarks. */
  stall(): void;
}

export interface ServerContext {
  store: Store;
  /** The resource types served (metrics.k8s.io only when metrics are on). */
  types: ResourceType[];
  logs: Record<string, { current?: string; previous?: string }>;
  rules: "allow-all" | PolicyRule[];
  token: string | undefined;
  user: string;
  pageSizeCap: number | undefined;
  bookmarkIntervalMs: number;
  requests: RecordedRequest[];
  /** The open watch streams, for stop() and fault injection. */
  watches: Set<OpenWatch>;
  /** While true, every request's socket is destroyed (see KubeSim.setDown). */
  down: boolean;
  address: () => string;
}

function isTrue(v: string | null): boolean {
  return v !== null && ["1", "t", "T", "true", "TRUE", "True"].includes(v);
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, text: string): void {
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://kube-sim");
  const method = req.method ?? "GET";
  ctx.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams) });
  if (ctx.down) {
    req.socket.destroy();
    return;
  }
  try {
    if (ctx.token !== undefined && req.headers.authorization !== `Bearer ${ctx.token}`) throw unauthorized();
    const info = requestInfo(method, url.pathname, url.searchParams);
    if (!authorize(ctx.rules, info)) {
      throw info.isResourceRequest
        ? forbidden({ user: ctx.user, ...info, group: info.apiGroup })
        : forbiddenPath(ctx.user, info.verb, url.pathname);
    }
    if (!info.isResourceRequest) {
      if (method !== "GET") throw methodNotAllowed();
      sendJson(res, 200, discovery(ctx, url.pathname));
      return;
    }
    await resourceRequest(ctx, info, url.searchParams, req, res);
  } catch (e) {
    if (res.headersSent) {
      res.end();
      return;
    }
    const status: Status =
      e instanceof ApiError
        ? e.status
        : failure(500, "InternalError", `kube-sim: ${e instanceof Error ? e.stack : String(e)}`).status;
    sendJson(res, status.code, status);
  }
}

function discovery(ctx: ServerContext, path: string): unknown {
  const parts = path.split("/").filter((p) => p !== "");
  let doc: unknown;
  if (path === "/version") doc = versionInfo();
  else if (parts[0] === "api" && parts.length === 1) doc = apiVersions(ctx.address());
  else if (parts[0] === "api" && parts.length === 2) doc = apiResourceList("", parts[1] as string, ctx.types);
  else if (parts[0] === "apis" && parts.length === 1) doc = apiGroupList(ctx.types);
  else if (parts[0] === "apis" && parts.length === 2) doc = apiGroup(parts[1] as string, ctx.types);
  else if (parts[0] === "apis" && parts.length === 3)
    doc = apiResourceList(parts[1] as string, parts[2] as string, ctx.types);
  if (doc === undefined) throw pathNotFound();
  return doc;
}

async function resourceRequest(
  ctx: ServerContext,
  info: RequestInfo,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const rt = ctx.types.find(
    (r) => r.group === info.apiGroup && r.version === info.apiVersion && r.resource === info.resource,
  );
  if (!rt || info.parts.length > 3) throw pathNotFound();
  // /api/v1/namespaces/{name} names the Namespace itself; other cluster-scoped types have no namespace.
  const ns = rt.namespaced ? info.namespace : "";
  if (!rt.namespaced && info.namespace !== "" && rt.resource !== "namespaces") throw pathNotFound();
  if (rt.namespaced && info.name !== "" && info.namespace === "" && info.parts.length > 1)
    throw pathNotFound();
  const verbs = info.subresource ? rt.subresources.find((s) => s.name === info.subresource)?.verbs : rt.verbs;
  if (!verbs) throw pathNotFound();
  if (!verbs.includes(info.verb)) throw methodNotAllowed();
  const name = info.parts.length > 1 ? info.name : "";

  if (info.subresource === "log") return sendText(res, podLog(ctx, rt, ns, name, query));
  if (info.subresource === "eviction")
    return sendJson(res, 201, evict(ctx.store, rt, ns, name, await readJson(req)));
  switch (info.verb) {
    case "list":
      return sendJson(res, 200, list(ctx, rt, ns, query));
    case "watch":
      return watch(ctx, rt, ns, name, query, res);
    case "get":
      return sendJson(res, 200, existing(ctx, rt, ns, name));
    case "create":
      if (name !== "") throw methodNotAllowed();
      return sendJson(res, 201, create(ctx, rt, ns, await readJson(req)));
    case "update": {
      const [code, obj] = update(ctx, rt, ns, name, await readJson(req), info.subresource);
      return sendJson(res, code, obj);
    }
    case "patch":
      return sendJson(
        res,
        200,
        patch(ctx, rt, ns, name, req.headers["content-type"], await readJson(req), info.subresource),
      );
    case "delete":
      return sendJson(res, 200, remove(ctx, rt, ns, name, await readJson(req)));
    default:
      throw methodNotAllowed();
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("the body of the request must be a JSON object");
  }
  return value as Record<string, unknown>;
}

function existing(ctx: ServerContext, rt: ResourceType, ns: string, name: string): KubeObject {
  const obj = ctx.store.get(rt, ns, name);
  if (!obj) {
    // metrics-server names its objects by namespace/name in NotFound messages.
    throw notFound(rt, rt.metrics && rt.namespaced ? `${ns}/${name}` : name);
  }
  return obj;
}

// ---------------------------------------------------------------------------------------------------------
// list

interface ContinueToken {
  v: "meta.k8s.io/v1";
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string): string {
  const token: ContinueToken = { v: "meta.k8s.io/v1", rv, start: `${lastKey}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString("base64");
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as ContinueToken;
    if (t.v !== "meta.k8s.io/v1" || typeof t.rv !== "number" || typeof t.start !== "string")
      throw new Error();
    return t;
  } catch {
    throw badRequest(
      "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  }
}

function selection(rt: ResourceType, ns: string, query: URLSearchParams): (o: KubeObject) => boolean {
  const labels = parseLabelSelector(query.get("labelSelector") ?? "");
  const fields = parseFieldSelector(query.get("fieldSelector") ?? "", rt);
  return (o) =>
    (ns === "" || namespaceOf(o) === ns) &&
    matchesLabels(labels, o.metadata.labels as Record<string, string> | undefined) &&
    matchesFields(fields, o, rt);
}

/** A list item as the API server puts it in a typed list: without kind and apiVersion. */
function listItem(obj: KubeObject): Record<string, unknown> {
  const { kind: _k, apiVersion: _a, ...rest } = obj;
  return rest;
}

function list(ctx: ServerContext, rt: ResourceType, ns: string, query: URLSearchParams): unknown {
  const selected = selection(rt, ns, query);
  let entries = ctx.store.list(rt, ns).filter((e) => selected(e.object));
  if (rt.metrics) {
    // metrics-server serves whole lists, without resourceVersion or pagination.
    return {
      kind: rt.listKind,
      apiVersion: apiVersionOf(rt),
      metadata: {},
      items: entries.map((e) => listItem(e.object)),
    };
  }
  let rv = ctx.store.resourceVersion;
  const cont = query.get("continue");
  if (cont) {
    const token = decodeContinue(cont);
    rv = token.rv;
    const after = token.start.endsWith("\u0000") ? token.start.slice(0, -1) : token.start;
    entries = entries.filter((e) => e.key > after);
  }
  const requested = Number.parseInt(query.get("limit") ?? "", 10);
  const limit = Math.min(
    requested > 0 ? requested : Number.POSITIVE_INFINITY,
    ctx.pageSizeCap ?? Number.POSITIVE_INFINITY,
  );
  const page = entries.slice(0, limit);
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (page.length < entries.length) {
    metadata.continue = encodeContinue(rv, (page[page.length - 1] as { key: string }).key);
    // The real server counts the rest only when no selector filters it.
    if (!query.get("labelSelector") && !query.get("fieldSelector")) {
      metadata.remainingItemCount = entries.length - page.length;
    }
  }
  return {
    kind: rt.listKind,
    apiVersion: apiVersionOf(rt),
    metadata,
    items: page.map((e) => listItem(e.object)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// watch

function watch(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string,
  name: string,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  const selectedByQuery = selection(rt, ns, query);
  const selected =
    name === "" ? selectedByQuery : (o: KubeObject) => selectedByQuery(o) && o.metadata.name === name;
  const rvParam = query.get("resourceVersion") ?? "";
  const sendInitial = isTrue(query.get("sendInitialEvents"));
  const bookmarks = isTrue(query.get("allowWatchBookmarks"));
  const timeoutSeconds = Number.parseInt(query.get("timeoutSeconds") ?? "", 10);
  let from = ctx.store.resourceVersion;
  const initial = rvParam === "" || rvParam === "0" || sendInitial;
  if (!initial) {
    if (!/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${rvParam}`);
    from = Number(rvParam);
  }

  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  let stalled = false;
  const write = (type: string, object: unknown) => {
    if (!res.writableEnded && !stalled) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const bookmark = (annotations?: Record<string, string>) =>
    write("BOOKMARK", {
      kind: rt.kind,
      apiVersion: apiVersionOf(rt),
      metadata: {
        resourceVersion: String(ctx.store.resourceVersion),
        ...(annotations ? { annotations } : {}),
      },
    });
  const deliver = (c: Change) => {
    const is = selected(c.object);
    const was = c.old !== undefined && selected(c.old);
    if (c.type === "ADDED" && is) write("ADDED", c.object);
    else if (c.type === "DELETED" && was) write("DELETED", c.object);
    else if (c.type === "MODIFIED") {
      // A change that moves an object into or out of the selection reads as ADDED or DELETED to this watcher.
      if (is && was) write("MODIFIED", c.object);
      else if (is) write("ADDED", c.object);
      else if (was) write("DELETED", c.object);
    }
  };

  const timers: NodeJS.Timeout[] = [];
  const subscription = ctx.store.watch(rt, from, deliver);
  const open: OpenWatch = {
    close: () => {
      for (const t of timers) clearTimeout(t);
      subscription.stop();
      ctx.watches.delete(open);
      if (!res.writableEnded) res.end();
    },
    drop: () => {
      ctx.watches.delete(open);
      res.socket?.destroy();
    },
    stall: () => {
      stalled = true;
    },
  };
  const close = open.close;
  ctx.watches.add(open);
  res.on("close", close);

  if (subscription.replay === "expired") {
    write("ERROR", expired(from, ctx.store.oldest));
    close();
    return;
  }
  if (initial) {
    for (const e of ctx.store.list(rt, ns)) if (selected(e.object)) write("ADDED", e.object);
    if (sendInitial && bookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
  } else {
    for (const c of subscription.replay) deliver(c);
  }
  if (bookmarks) timers.push(setInterval(() => bookmark(), ctx.bookmarkIntervalMs));
  if (timeoutSeconds > 0) {
    timers.push(
      setTimeout(() => {
        if (bookmarks) bookmark();
        close();
      }, timeoutSeconds * 1000),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// create, update, patch, delete

const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function checkTypeMeta(rt: ResourceType, body: Record<string, unknown>): void {
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(rt)) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(rt)})`,
    );
  }
  if (body.kind !== undefined && body.kind !== rt.kind) {
    throw badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${rt.kind})`,
    );
  }
}

function metadataOf(body: Record<string, unknown>): Record<string, unknown> {
  const meta = body.metadata;
  if (meta === undefined) return {};
  if (meta === null || typeof meta !== "object" || Array.isArray(meta))
    throw badRequest("metadata must be an object");
  return { ...(meta as Record<string, unknown>) };
}

function checkNamespace(rt: ResourceType, ns: string, meta: Record<string, unknown>): void {
  if (!rt.namespaced) {
    delete meta.namespace;
    return;
  }
  if (meta.namespace !== undefined && meta.namespace !== "" && meta.namespace !== ns) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  meta.namespace = ns;
}

function validated(rt: ResourceType, obj: KubeObject): KubeObject {
  const problem = schemaError(rt, obj);
  if (problem) throw invalid(rt.kind, rt.group, String(obj.metadata.name ?? ""), problem);
  return obj;
}

function create(ctx: ServerContext, rt: ResourceType, ns: string, body: Record<string, unknown>): KubeObject {
  checkTypeMeta(rt, body);
  const meta = metadataOf(body);
  checkNamespace(rt, ns, meta);
  if (typeof meta.name !== "string" || meta.name === "") {
    if (typeof meta.generateName !== "string" || meta.generateName === "") {
      throw invalid(rt.kind, rt.group, "", "metadata.name: Required value: name or generateName is required");
    }
    let suffix = "";
    for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
    meta.name = `${meta.generateName}${suffix}`;
  }
  if (meta.resourceVersion !== undefined && meta.resourceVersion !== "") {
    throw failure(500, "", "resourceVersion should not be set on objects to be created");
  }
  const name = meta.name as string;
  if (ctx.store.get(rt, ns, name)) throw alreadyExists(rt, name);
  meta.uid = randomUUID();
  meta.creationTimestamp = nowIso();
  if (rt.generation) meta.generation = 1;
  const obj = validated(rt, withTypeMeta(rt, { ...body, metadata: meta }));
  return ctx.store.write(rt, obj);
}

function update(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string,
  name: string,
  body: Record<string, unknown>,
  subresource: string,
): [number, KubeObject] {
  checkTypeMeta(rt, body);
  const meta = metadataOf(body);
  checkNamespace(rt, ns, meta);
  if (meta.name !== undefined && meta.name !== name) {
    throw badRequest(
      `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
    );
  }
  meta.name = name;
  const old = ctx.store.get(rt, ns, name);
  if (!old) {
    if (!rt.createOnUpdate || subresource !== "") throw notFound(rt, name);
    const { resourceVersion: _rv, ...rest } = meta;
    return [201, create(ctx, rt, ns, { ...body, metadata: rest })];
  }
  const rv = String(meta.resourceVersion ?? "");
  if (rv === "" && rt.requireResourceVersionOnUpdate) {
    throw failure(
      422,
      "Invalid",
      `${qualifiedResource(rt)} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
      { name, ...(rt.group ? { group: rt.group } : {}), kind: rt.resource },
    );
  }
  if (rv !== "" && rv !== old.metadata.resourceVersion) throw conflict(rt, name, MODIFIED);
  return [200, replace(ctx, rt, old, { ...body, metadata: meta }, subresource)];
}

/** Writes `next` over `old`: system metadata stays; status is set only through the status subresource. */
function replace(
  ctx: ServerContext,
  rt: ResourceType,
  old: KubeObject,
  next: Record<string, unknown>,
  subresource: string,
): KubeObject {
  const hasStatus = rt.subresources.some((s) => s.name === "status");
  let obj: KubeObject;
  if (subresource === "status") {
    obj = withTypeMeta(rt, { ...structuredClone(old), status: next.status });
  } else {
    obj = withTypeMeta(rt, next);
    obj.metadata = {
      ...obj.metadata,
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
    };
    if (hasStatus) {
      if (old.status === undefined) delete obj.status;
      else obj.status = structuredClone(old.status);
    }
    if (rt.generation) {
      const changed = JSON.stringify(obj.spec) !== JSON.stringify(old.spec);
      obj.metadata.generation = Number(old.metadata.generation ?? 1) + (changed ? 1 : 0);
    }
  }
  return ctx.store.write(rt, validated(rt, obj));
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patchValue: unknown): unknown {
  if (patchValue === null || typeof patchValue !== "object" || Array.isArray(patchValue)) return patchValue;
  const out: Record<string, unknown> =
    target !== null && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patchValue)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function patch(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string,
  name: string,
  contentType: string | undefined,
  body: Record<string, unknown>,
  subresource: string,
): KubeObject {
  const type = (contentType ?? "").split(";")[0]?.trim();
  // Strategic merge patch is applied as a JSON merge patch: lists are replaced, not merged by key.
  if (type !== "application/merge-patch+json" && type !== "application/strategic-merge-patch+json") {
    throw failure(
      415,
      "UnsupportedMediaType",
      `kube-sim supports only merge patches (application/merge-patch+json, application/strategic-merge-patch+json), not ${type}`,
    );
  }
  const old = existing(ctx, rt, ns, name);
  const patched = mergePatch(structuredClone(old), body) as KubeObject;
  const rv = String(patched.metadata?.resourceVersion ?? "");
  if (rv !== old.metadata.resourceVersion) throw conflict(rt, name, MODIFIED);
  if (patched.metadata.name !== name || (rt.namespaced && patched.metadata.namespace !== ns)) {
    throw badRequest("metadata.name and metadata.namespace cannot be changed by a patch");
  }
  return replace(ctx, rt, old, patched, subresource);
}

function remove(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string,
  name: string,
  options: Record<string, unknown>,
): unknown {
  const old = existing(ctx, rt, ns, name);
  const pre = (options.preconditions ?? {}) as { uid?: string; resourceVersion?: string };
  if (pre.uid && pre.uid !== old.metadata.uid) {
    throw conflict(
      rt,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(old.metadata.uid)}`,
    );
  }
  if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(
      rt,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(old.metadata.resourceVersion)}`,
    );
  }
  // Deletion is immediate: no grace period, no finalizers, no cascading to dependents.
  const deleted = ctx.store.delete(rt, ns, name, rt.returnDeletedObject ? markDeleted : undefined);
  if (rt.returnDeletedObject) return deleted;
  const details: Record<string, unknown> = { name };
  if (rt.group) details.group = rt.group;
  details.kind = rt.resource;
  details.uid = old.metadata.uid;
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}

/** Pods and namespaces are answered with their final state, which shows when they were deleted. */
export function markDeleted(obj: KubeObject): void {
  obj.metadata.deletionTimestamp = nowIso();
  obj.metadata.deletionGracePeriodSeconds = 0;
}

// ---------------------------------------------------------------------------------------------------------
// pods/log

function containerNames(pod: KubeObject, field: string): string[] {
  const list = (pod.spec as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(list) ? list.map((c) => String((c as { name?: unknown }).name)) : [];
}

function tail(text: string, lines: number): string {
  if (lines < 0) return text;
  if (lines === 0) return "";
  const trailing = text.endsWith("\n");
  const all = (trailing ? text.slice(0, -1) : text).split("\n");
  const kept = all.slice(-lines).join("\n");
  return trailing ? `${kept}\n` : kept;
}

function podLog(
  ctx: ServerContext,
  rt: ResourceType,
  ns: string,
  name: string,
  query: URLSearchParams,
): string {
  const pod = existing(ctx, rt, ns, name);
  const regular = containerNames(pod, "containers");
  const all = [
    ...containerNames(pod, "initContainers"),
    ...regular,
    ...containerNames(pod, "ephemeralContainers"),
  ];
  let container = query.get("container") ?? "";
  if (container === "") {
    if (regular.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${all.join(" ")}]`,
      );
    }
    container = regular[0] as string;
  } else if (!all.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const entry = ctx.logs[`${ns}/${name}/${container}`] ?? {};
  let text: string;
  if (isTrue(query.get("previous"))) {
    if (entry.previous === undefined) {
      throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    }
    text = entry.previous;
  } else {
    const statuses = ((pod.status as Record<string, unknown> | undefined)?.containerStatuses ?? []) as {
      name?: string;
      state?: { waiting?: { reason?: string } };
    }[];
    const waiting = statuses.find((s) => s.name === container)?.state?.waiting?.reason;
    if (entry.current === undefined && (waiting === "ContainerCreating" || waiting === "PodInitializing")) {
      throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waiting}`);
    }
    text = entry.current ?? "";
  }
  const tailLines = query.get("tailLines");
  if (tailLines !== null) text = tail(text, Number.parseInt(tailLines, 10));
  const limitBytes = Number.parseInt(query.get("limitBytes") ?? "", 10);
  if (limitBytes > 0) text = Buffer.from(text).subarray(0, limitBytes).toString("utf8");
  return text;
}
