// Node findings: a node NotReady or unreachable, or reporting memory, disk or PID pressure. Their cause key
// `node:<name>` is the one evictions from that node share, so they correlate into one incident.
import type { DiagnoseInput } from "../../../model/finding.ts";
import { type Candidate, candidate } from "../candidate.ts";
import type { ClusterIndex } from "../cluster-index.ts";
import { eventsOf } from "../cluster-index.ts";
import { clause, metaOf, objs, str, unixTime } from "../read.ts";

const PRESSURES: { type: string; subCause: string; what: string }[] = [
  { type: "MemoryPressure", subCause: "memory-pressure", what: "memory" },
  { type: "DiskPressure", subCause: "disk-pressure", what: "disk" },
  { type: "PIDPressure", subCause: "pid-pressure", what: "process ids" },
];

function since(condition: Record<string, unknown>, now: number): Record<string, string> {
  const t = unixTime(condition.lastTransitionTime);
  return t !== undefined ? { "condition for": `${Math.round(now - t)} s` } : {};
}

export function nodeFindings(index: ClusterIndex, input: DiagnoseInput): Candidate[] {
  const out: Candidate[] = [];
  for (const n of index.nodes) {
    const meta = metaOf(n);
    if (!meta) continue;
    const conditions = objs((n.status as Record<string, unknown> | undefined)?.conditions);
    const ready = conditions.find((c) => c.type === "Ready");
    const events = eventsOf(index, meta);
    const base = {
      node: meta.name,
      events,
      subjects: { node: meta.name },
      cause: `node:${meta.name}`,
      fix: "incident" as const,
    };
    if (ready && (ready.status === "False" || ready.status === "Unknown")) {
      const message = str(ready.message) ?? str(ready.reason) ?? "";
      out.push(
        candidate({
          ...base,
          class: "node-not-ready",
          subCause: null,
          rootCause: `Node ${meta.name} is ${ready.status === "Unknown" ? "unreachable" : "NotReady"}: ${clause(message)}.`,
          suggestedFix: `Check node ${meta.name}'s kubelet and runtime (journalctl -u kubelet), its network and its machine; cordon and drain it if it does not recover.`,
          expectedOutcome:
            "The node reports Ready again, or its pods are rescheduled elsewhere within about 5 minutes.",
          confidence: 0.95,
          figures: since(ready, input.now),
        }),
      );
      continue;
    }
    const pressure = PRESSURES.find((p) => conditions.some((c) => c.type === p.type && c.status === "True"));
    if (!pressure) continue;
    const condition = conditions.find((c) => c.type === pressure.type) ?? {};
    out.push(
      candidate({
        ...base,
        class: "node-pressure",
        subCause: pressure.subCause,
        rootCause: `Node ${meta.name} is short of ${pressure.what} (${pressure.type}), so the kubelet evicts pods from it.`,
        suggestedFix: `Find what uses node ${meta.name}'s ${pressure.what} (kubectl describe node, top), set requests and limits that reserve it, or add capacity.`,
        expectedOutcome: `${pressure.type} turns False and evictions from the node stop.`,
        confidence: 0.9,
        figures: since(condition, input.now),
      }),
    );
  }
  return out;
}
