// The outcome of listing what the security audit reads (kinds.ts POSTURE_KINDS): the objects, and for each
// kind that could not be read why not. Unlike the kinds plan needs, a 403 does not stop the read: it becomes
// a warning naming the RBAC rule, and a custom resource whose CRD is not installed (404) a note.
import type { RawObject } from "./client.ts";
import { type ApiIdentity, type Denied, deniedReason, postureDeniedWarning, unexpected } from "./errors.ts";
import type { Kind, ListResult } from "./kinds.ts";

/** A kind the audit could not read, and why: what a snapshot records in `unreadable`. */
export interface UnreadableKind {
  kind: string;
  reason: string;
}

export interface PostureRead {
  items: RawObject[];
  unreadable: UnreadableKind[];
  warnings: string[];
  notes: string[];
}

/** The note for a custom resource whose CRD is not installed. */
export function crdMissingReason(kind: Kind): string {
  const crd = kind.crd;
  const group = `${kind.resource}.${kind.apiGroup}`;
  return crd
    ? `the ${kind.kind} CRD (${group}) is not installed: ${crd.operator} is not running in this cluster; to scan images for vulnerabilities, install it: ${crd.install}`
    : `${group} is not served by this cluster`;
}

/**
 * Sorts the posture lists' results into objects, warnings and notes. `results` holds one entry per list
 * (a namespaced kind is listed once per included namespace). Any other failure is thrown, as for every read.
 */
export function postureOutcome(
  conn: ApiIdentity,
  kinds: readonly Kind[],
  results: readonly { kind: Kind; result: ListResult }[],
  keep: (obj: RawObject) => boolean,
): PostureRead {
  const out: PostureRead = { items: [], unreadable: [], warnings: [], notes: [] };
  for (const kind of kinds) {
    const mine = results.filter((r) => r.kind === kind).map((r) => r.result);
    const denied: Denied[] = [];
    let missing = false;
    for (const result of mine) {
      if ("denied" in result) denied.push(result.denied);
      else if ("status" in result) {
        if (result.status === 404 && kind.crd) missing = true;
        else throw unexpected(conn, result.access, result.answer);
      } else out.items.push(...result.items.filter(keep));
    }
    if (missing) {
      const reason = crdMissingReason(kind);
      out.unreadable.push({ kind: kind.kind, reason });
      out.notes.push(reason);
    } else if (denied.length > 0) {
      out.unreadable.push({ kind: kind.kind, reason: deniedReason(denied) });
      out.warnings.push(postureDeniedWarning(conn, kind.kind, denied));
    }
  }
  return out;
}
