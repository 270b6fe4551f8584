// The agent's live kill switch: a ConfigMap in its own namespace whose data.paused "true" pauses it, read
// every pollMs while the agent runs, so an operator can stop it with one `kubectl` command and no restart.
// A missing ConfigMap means "not paused"; an unreadable one (403, 5xx, API down) keeps the last known value,
// since an API outage must neither pause nor unpause the agent by itself.
import type { AgentLog, ControlPort } from "../../workflows/agent/ports.ts";
import type { Connection } from "./connection.ts";
import { requestJson } from "./raw-request.ts";
import type { PolicyRule } from "./rbac.ts";

export interface ControlOptions {
  namespace: string;
  configMap: string;
  /** Default 5000. */
  pollMs?: number;
  /** A read not answered by then counts as unreadable (the next poll tries again); default pollMs, 1 s to 10 s. */
  requestTimeoutMs?: number;
  log?: AgentLog;
}

const DEFAULT_POLL_MS = 5000;
/** A read that has not answered by then counts as unreadable (the next poll tries again). */
const MAX_TIMEOUT_MS = 10_000;

/** data.paused as the kill switch reads it: "true" in any case, with spaces around it, pauses. */
export function pausedBy(configMap: Record<string, unknown> | undefined): boolean {
  const data = configMap?.data;
  if (data === null || typeof data !== "object") return false;
  const paused = (data as Record<string, unknown>).paused;
  return typeof paused === "string" && paused.trim().toLowerCase() === "true";
}

/** The one rule the kill switch needs, for a Role in the agent's namespace: get on that ConfigMap only. */
export function controlRules(configMap: string): (PolicyRule & { resourceNames?: string[] })[] {
  return [{ apiGroups: [""], resources: ["configmaps"], resourceNames: [configMap], verbs: ["get"] }];
}

export function createControl(conn: Connection, opts: ControlOptions): ControlPort {
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const path = `/api/v1/namespaces/${encodeURIComponent(opts.namespace)}/configmaps/${encodeURIComponent(opts.configMap)}`;
  const where = `ConfigMap ${opts.namespace}/${opts.configMap}`;
  const abort = new AbortController();
  let paused = false;
  let unreadable = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const set = (next: boolean) => {
    if (unreadable) opts.log?.("control.readable", { configMap: where });
    unreadable = false;
    if (next !== paused) opts.log?.("control.changed", { configMap: where, paused: next });
    paused = next;
  };
  const keep = (why: string) => {
    if (!unreadable) opts.log?.("control.unreadable", { configMap: where, error: why, paused });
    unreadable = true;
  };
  const read = async () => {
    try {
      const timeoutMs = opts.requestTimeoutMs ?? Math.min(Math.max(pollMs, 1000), MAX_TIMEOUT_MS);
      const res = await requestJson(conn, { method: "GET", path, timeoutMs, signal: abort.signal });
      if (res.status === 200) set(pausedBy(res.body));
      else if (res.status === 404) set(false);
      else keep(`HTTP ${res.status}${typeof res.body?.message === "string" ? `: ${res.body.message}` : ""}`);
    } catch (err) {
      if (!abort.signal.aborted) keep((err as { code?: string }).code ?? String(err));
    }
  };
  const poll = () => {
    timer = setTimeout(() => {
      inFlight = read().then(() => {
        if (!abort.signal.aborted) poll();
      });
    }, pollMs);
  };

  return {
    async start() {
      if (inFlight || abort.signal.aborted) return;
      inFlight = read();
      await inFlight;
      if (!abort.signal.aborted) poll();
    },
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await inFlight;
    },
    paused: () => paused,
  };
}
