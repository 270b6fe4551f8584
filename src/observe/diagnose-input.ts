// The edge between what was read (a snapshot, or a live read recorded as one) and the pure classifier: the
// DiagnoseInput `diagnose()` takes. Everything that could carry a secret is redacted here, before analysis
// (src/analyze may not import src/redact.ts): logs, and every string of the objects (event and termination
// messages quote application output). Logs are cut to the tail the classifier reads, so a 10 MB log or a
// binary dump is never held whole; bytes that were not UTF-8 are already U+FFFD (the pods/log answer and the
// snapshot file are decoded as UTF-8 with replacement), and control bytes become U+FFFD here.
import { cleanLine, DEFAULT_LOG_BOUNDS, tailOfText } from "../analyze/log-lines.ts";
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import {
  type ContainerHistory,
  DEFAULT_DIAGNOSIS_POLICY,
  type DiagnoseInput,
  type DiagnosisPolicy,
} from "../model/finding.ts";
import type { TimeColumns } from "../model/types.ts";
import { redact } from "../redact.ts";
import type { LabeledSeries, UsageSeries } from "./usage-series.ts";

/** One container's log as the classifier may see it: the bounded tail, control bytes replaced, redacted. */
export function safeLog(text: string): string {
  const tail = tailOfText(text, DEFAULT_LOG_BOUNDS);
  return redact(tail.lines.map(cleanLine).join("\n"));
}

function safeLogs(logs: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, text] of Object.entries(logs ?? {})) out[key] = safeLog(text);
  return out;
}

type ContainerKey = { namespace?: string; pod?: string; container?: string };
const keyOf = (m: ContainerKey) => `${m.namespace ?? ""}/${m.pod ?? ""}/${m.container ?? ""}`;

const NO_SAMPLES: TimeColumns = { times: new Float64Array(0), values: new Float64Array(0) };

/** Two series of one container (a pod's samples split over two answers) as one, ordered by time. */
function joined(a: TimeColumns, b: TimeColumns): TimeColumns {
  if (a.times.length === 0) return b;
  const n = a.times.length + b.times.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const timeAt = (i: number) => (i < a.times.length ? a.times[i] : b.times[i - a.times.length]) as number;
  const valueAt = (i: number) => (i < a.times.length ? a.values[i] : b.values[i - a.times.length]) as number;
  order.sort((x, y) => timeAt(x) - timeAt(y));
  return { times: Float64Array.from(order, timeAt), values: Float64Array.from(order, valueAt) };
}

/**
 * Memory, restart and OOM-kill history per container, keyed by the series' namespace/pod/container labels.
 * Series without those three labels (a pod-level aggregate) say nothing about one container and are left out.
 * A container's one series is shared, not copied.
 */
export function containerHistories(usage: UsageSeries | undefined): ContainerHistory[] {
  if (!usage) return [];
  const byKey = new Map<string, ContainerHistory>();
  const add = (field: "memory" | "restarts" | "oomKills", series: readonly LabeledSeries[] | undefined) => {
    for (const s of series ?? []) {
      const { namespace, pod, container } = s.metric;
      if (!namespace || !pod || !container) continue;
      const key = keyOf(s.metric);
      const h = byKey.get(key) ?? {
        namespace,
        pod,
        container,
        memory: NO_SAMPLES,
        restarts: NO_SAMPLES,
        oomKills: NO_SAMPLES,
      };
      h[field] = joined(h[field], { times: s.times, values: s.values });
      byKey.set(key, h);
    }
  };
  add("memory", usage.memory);
  add("restarts", usage.restarts);
  add("oomKills", usage.oomKills);
  return [...byKey.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

/**
 * The value with every string redacted, copied only where something changed: a 10,000-pod cluster is
 * millions of strings, almost none of them secret, and a full copy of it would cost seconds.
 */
export function redactStrings<T>(value: T): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = redactStrings(value[i]);
      if (r === value[i]) continue;
      out = out ?? [...value];
      out[i] = r;
    }
    return (out ?? value) as T;
  }
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const k in obj) {
      const r = redactStrings(obj[k]);
      if (r === obj[k]) continue;
      out = out ?? { ...obj };
      out[k] = r;
    }
    return (out ?? value) as T;
  }
  return value;
}

export interface DiagnoseInputSource {
  snapshot: ClusterSnapshot;
  /** Usage history (the snapshot's, or Prometheus's); undefined when there is none. */
  usage: UsageSeries | undefined;
  /** False when pods/log was forbidden: findings then say their logs are unavailable. */
  logsReadable: boolean;
  /** Unix seconds: the snapshot's capturedAt, or the clock for a live read. */
  now: number;
  policy?: DiagnosisPolicy;
  workload?: { namespace: string; name: string };
  /** Redacts the objects (default redactStrings over all): the agent's keeps each object's result. */
  redactObjects?: (objects: readonly Record<string, unknown>[]) => Record<string, unknown>[];
}

/** The classifier's input from what was read, redacted and bounded. */
export function diagnoseInputOf(src: DiagnoseInputSource): DiagnoseInput {
  const { snapshot } = src;
  return {
    objects: (src.redactObjects ?? redactStrings)(snapshot.objects.items as Record<string, unknown>[]),
    logs: safeLogs(snapshot.logs),
    previousLogs: safeLogs(snapshot.previousLogs),
    logsReadable: src.logsReadable,
    history: containerHistories(src.usage),
    now: src.now,
    policy: src.policy ?? DEFAULT_DIAGNOSIS_POLICY,
    ...(src.workload ? { workload: src.workload } : {}),
  };
}
