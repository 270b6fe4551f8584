// The list half of an informer (src/observe/kube/informers.ts): what one informer watches (a kind, in all
// namespaces, in one namespace, or one Namespace by name), its API path, and the paginated list of it as raw
// JSON with the list's resourceVersion, which the watch resumes from. readCluster's listAll drops that
// resourceVersion; an informer cannot.
import type { Client, RawObject } from "./client.ts";
import type { Connection } from "./connection.ts";
import { denied, unauthorized, unexpected } from "./errors.ts";
import { type Kind, listAll } from "./kinds.ts";

/** What one informer lists and watches. */
export interface WatchScope {
  kind: Kind;
  /** One namespace of a namespaced kind; absent: all namespaces (or a cluster-scoped kind). */
  namespace?: string;
  /** For Namespaces with `namespaces.include`: the one Namespace, by a metadata.name field selector. */
  name?: string;
}

/** A list as ListWatch wants it: the items and the resourceVersion to watch from. */
export interface RawList {
  metadata: { resourceVersion: string };
  items: RawObject[];
}

/** A list that failed with an HTTP answer; ListWatch reads statusCode (410 re-lists, anything else stops it). */
export class ListFailed extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    /** 401 and 403: retrying will not help until the credentials or RBAC rules are fixed. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "ListFailed";
  }
}

export function scopePath(scope: WatchScope): string {
  const { kind, namespace } = scope;
  const base = kind.apiVersion === "v1" ? "/api/v1" : `/apis/${kind.apiVersion}`;
  return namespace && !kind.clusterScoped
    ? `${base}/namespaces/${namespace}/${kind.resource}`
    : `${base}/${kind.resource}`;
}

export function scopeFieldSelector(scope: WatchScope): string | undefined {
  return scope.name === undefined ? undefined : `metadata.name=${scope.name}`;
}

/** "Pod in shop", "Node", "Namespace shop": for log lines. */
export function describeScope(scope: WatchScope): { kind: string; namespace?: string } {
  const namespace = scope.namespace ?? scope.name;
  return namespace === undefined ? { kind: scope.kind.kind } : { kind: scope.kind.kind, namespace };
}

/**
 * Every object in the scope, page by page (limit/continue: one consistent snapshot at the first page's
 * resourceVersion), with apiVersion and kind put back as kubectl does, keeping only what `keep` accepts.
 * A 410 on a continue token (the snapshot expired during a long list) starts the list over once.
 */
export async function listScope(
  c: Client,
  conn: Connection,
  scope: WatchScope,
  pageSize: number,
  keep: (obj: RawObject) => boolean,
): Promise<RawList> {
  const { kind, namespace } = scope;
  const result = await listAll(c, kind, pageSize, namespace, scopeFieldSelector(scope)).catch(
    (err: unknown) => {
      // Client.send throws on 401 (and on transport errors); a 401 will not heal by retrying.
      if (err instanceof Error && err.message === unauthorized(conn).message) {
        throw new ListFailed(err.message, 401, true);
      }
      throw err;
    },
  );
  if ("denied" in result) {
    const error = denied(conn, [result.denied]);
    throw new ListFailed(`${error.message}\n${error.hint ?? ""}`.trim(), 403, true);
  }
  if ("status" in result) {
    throw new ListFailed(unexpected(conn, result.access, result.answer).message, result.status, false);
  }
  return { metadata: { resourceVersion: result.resourceVersion }, items: result.items.filter(keep) };
}
