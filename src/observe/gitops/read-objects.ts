// The few reads `kopt verify` makes per change (a GitOps object, the workload, its HPA, pods and ReplicaSets),
// through the same client and lists as every kopt read (src/observe/kube/client.ts: raw JSON, retries on 429/503,
// timeouts). Errors are the cluster errors every kopt read gives: a 403 names the RBAC rule to add, a 401 the
// context to log in again, an unreachable server its URL.
import type { ConfigurationOptions } from "@kubernetes/client-node";
import type { Client, RawObject } from "../kube/client.ts";
import { type Access, denied, statusMessage, unexpected } from "../kube/errors.ts";
import { type Kind, listAll, NAMESPACED_KINDS } from "../kube/kinds.ts";

const PAGE = 500;

type Call = (o: ConfigurationOptions) => Promise<unknown>;

async function answer(c: Client, access: Access, call: Call) {
  const res = await c.send(call);
  if (res.status === 403) throw denied(c.conn, [{ ...access, serverMessage: statusMessage(res.text) }]);
  return res;
}

function parse(c: Client, access: Access, res: { status: number; text: string; path: string }): RawObject {
  try {
    return JSON.parse(res.text) as RawObject;
  } catch {
    throw unexpected(c.conn, access, res);
  }
}

/** One object; undefined when the API answers 404 (no such object, or the kind is not served). */
export async function getObject(c: Client, access: Access, call: Call): Promise<RawObject | undefined> {
  const res = await answer(c, access, call);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw unexpected(c.conn, access, res);
  return parse(c, access, res);
}

/**
 * The objects of one of kopt's kinds (src/observe/kube/kinds.ts) in a namespace that `labelSelector` matches,
 * through the paginated list every kopt read uses; [] when the kind is not served (404).
 */
export async function listSelected(
  c: Client,
  kind: string,
  namespace: string,
  labelSelector?: string,
): Promise<RawObject[]> {
  const k = NAMESPACED_KINDS.find((x) => x.kind === kind) as Kind;
  const r = await listAll(c, k, PAGE, namespace, undefined, labelSelector || undefined);
  if ("items" in r) return r.items;
  if ("denied" in r) throw denied(c.conn, [r.denied]);
  if (r.status === 404) return [];
  throw unexpected(c.conn, r.access, r.answer);
}

/** A label selector's query form: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist). */
export function selectorQuery(selector: unknown): string {
  const s = (selector ?? {}) as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const values = `(${(e.values ?? []).join(",")})`;
    if (e.operator === "In") parts.push(`${e.key} in ${values}`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin ${values}`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}
