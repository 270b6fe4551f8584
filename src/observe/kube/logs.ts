// Container logs worth keeping: the last lines of restarting, crash-looping or terminated containers (and
// of their previous instance), read once each; missing logs become one warning per kind of miss.
import type { Client, RawObject } from "./client.ts";
import type { LogsDenied } from "./connection.ts";
import {
  type Access,
  type Denied,
  denied as deniedError,
  logsDeniedWarning,
  statusMessage,
} from "./errors.ts";

// biome-ignore lint/suspicious/noExplicitAny: raw pod JSON, read defensively
type RawPod = Record<string, any>;

interface LogTarget {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
}

/** Containers worth a look: restarting, crash-looping, or terminated before. Init containers included. */
export function logTargets(pods: readonly RawObject[]): LogTarget[] {
  const out: LogTarget[] = [];
  for (const pod of pods as RawPod[]) {
    const statuses: RawPod[] = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    for (const s of statuses) {
      const restarted = (s.restartCount ?? 0) > 0 || s.lastState?.terminated !== undefined;
      const crashLooping = s.state?.waiting?.reason === "CrashLoopBackOff";
      if (!restarted && !crashLooping) continue;
      const base = {
        namespace: pod.metadata?.namespace ?? "",
        pod: pod.metadata?.name ?? "",
        container: s.name,
      };
      out.push({ ...base, previous: false });
      if (restarted) out.push({ ...base, previous: true });
    }
  }
  return out;
}

export interface LogsRead {
  logs: Record<string, string>;
  previousLogs: Record<string, string>;
  /** False when pods/log was forbidden (with `onDenied: "warn"`): no log could be read. */
  readable: boolean;
}

export async function readLogs(
  c: Client,
  pods: readonly RawObject[],
  tailLines: number,
  warnings: string[],
  onDenied: LogsDenied = "fail",
): Promise<LogsRead> {
  const targets = logTargets(pods);
  const denied: Denied[] = [];
  const answers = await Promise.all(
    targets.map(async (t) => {
      const access: Access = { verb: "get", apiGroup: "", resource: "pods/log", namespace: t.namespace };
      const answer = await c.send((o) =>
        c.core.readNamespacedPodLog(
          {
            name: t.pod,
            namespace: t.namespace,
            container: t.container,
            tailLines,
            previous: t.previous || undefined,
          },
          o,
        ),
      );
      return { t, access, answer };
    }),
  );
  const logs: Record<string, string> = {};
  const previousLogs: Record<string, string> = {};
  // The container is gone, has not started, or has no previous instance: the log is simply not there.
  // One warning per kind of miss, not one per container, so a cluster with many failing pods stays readable.
  const missing = new Map<string, { keys: string[]; example: string }>();
  for (const { t, access, answer } of answers) {
    const key = `${t.namespace}/${t.pod}/${t.container}`;
    if (answer.status >= 200 && answer.status < 300) (t.previous ? previousLogs : logs)[key] = answer.text;
    else if (answer.status === 403) denied.push({ ...access, serverMessage: statusMessage(answer.text) });
    else {
      const kind = `${t.previous ? "previous" : "current"} logs|${answer.status}`;
      const entry = missing.get(kind) ?? { keys: [], example: statusMessage(answer.text) };
      entry.keys.push(key);
      missing.set(kind, entry);
    }
  }
  for (const [kind, { keys, example }] of missing) {
    const [what, status] = kind.split("|");
    const shown = keys.slice(0, 5).join(", ") + (keys.length > 5 ? `, and ${keys.length - 5} more` : "");
    warnings.push(`no ${what} for ${keys.length} container(s): ${shown} (${status}, e.g. ${example})`);
  }
  if (denied.length === 0) return { logs, previousLogs, readable: true };
  if (onDenied === "fail") throw deniedError(c.conn, denied);
  warnings.push(logsDeniedWarning(c.conn, denied));
  return { logs: {}, previousLogs: {}, readable: false };
}
