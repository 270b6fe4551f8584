// The few reads `kopt verify` makes per change (a GitOps object, the workload, its HPA, pods and ReplicaSets),
// through the same client as every kopt read (src/observe/kube/client.ts: raw JSON, retries on 429/503,
// timeouts). Errors are the cluster errors every kopt read gives: a 403 names the RBAC rule to add, a 401 the
// context to log in again, an unreachable server its URL.
import type { ConfigurationOptions } from "@kubernetes/client-node";
import type { Client, RawObject } from "../kube/client.ts";
import { type Access, denied, statusMessage, unexpected } from "../kube/errors.ts";

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

/** Every object of a list, page by page; [] when the kind is not served (404). */
export async function listObjects(
  c: Client,
  access: Access,
  call: (page: { limit: number; _continue?: string }, o: ConfigurationOptions) => Promise<unknown>,
): Promise<RawObject[]> {
  const items: RawObject[] = [];
  let cont: string | undefined;
  do {
    const page = { limit: PAGE, ...(cont ? { _continue: cont } : {}) };
    const res = await answer(c, access, (o) => call(page, o));
    if (res.status === 404) return [];
    if (res.status !== 200) throw unexpected(c.conn, access, res);
    const body = parse(c, access, res);
    items.push(...(Array.isArray(body.items) ? (body.items as RawObject[]) : []));
    cont = (body.metadata as { continue?: string } | undefined)?.continue || undefined;
  } while (cont);
  return items;
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
