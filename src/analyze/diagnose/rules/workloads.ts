// Findings about controllers rather than pods: a Deployment rollout past its progress deadline (reported
// only when no pod finding explains it; else the pod findings say the rollout is stuck), and an HPA that
// cannot read the metrics it scales on.
import type { DiagnoseInput, Finding } from "../../../model/finding.ts";
import { type Candidate, candidate } from "../candidate.ts";
import type { ClusterIndex } from "../cluster-index.ts";
import { eventsOf } from "../cluster-index.ts";
import { workloadKeyOf } from "../fingerprint.ts";
import { at, clause, conditionOf, metaOf, str } from "../read.ts";

/** Rollout-stuck candidates; pod findings of a stuck Deployment get a `rollout` figure instead (mutated). */
export function stuckRollouts(
  index: ClusterIndex,
  _input: DiagnoseInput,
  podFindings: readonly Finding[],
): Candidate[] {
  const explained = new Map<string, Finding[]>();
  for (const f of podFindings) {
    if (!f.workload) continue;
    const key = workloadKeyOf(f.workload);
    explained.set(key, [...(explained.get(key) ?? []), f]);
  }
  const out: Candidate[] = [];
  for (const o of index.objects.values()) {
    if (o.kind !== "Deployment") continue;
    const progressing = conditionOf(o, "Progressing");
    if (progressing?.status !== "False" || progressing.reason !== "ProgressDeadlineExceeded") continue;
    const meta = metaOf(o);
    if (!meta) continue;
    const workload = { namespace: meta.namespace, kind: "Deployment", name: meta.name };
    const pods = explained.get(workloadKeyOf(workload));
    if (pods) {
      for (const f of pods) f.evidence.figures.rollout = "stuck: ProgressDeadlineExceeded";
      continue;
    }
    const message = str(progressing.message) ?? "";
    out.push(
      candidate({
        class: "rollout-stuck",
        subCause: null,
        fix: "incident",
        workload,
        rootCause: `The rollout of Deployment ${meta.namespace}/${meta.name} passed its progress deadline: ${clause(message)}.`,
        suggestedFix:
          "Look at the new ReplicaSet's pods (kubectl rollout status, describe) for why they do not become available; roll back if needed (kubectl rollout undo).",
        expectedOutcome:
          "The new ReplicaSet's pods become available and the Deployment reports NewReplicaSetAvailable.",
        confidence: 0.75,
        events: eventsOf(index, meta),
        figures: progressDeadline(o),
      }),
    );
  }
  return out;
}

function progressDeadline(o: Record<string, unknown>): Record<string, string> {
  const d = at(o, "spec", "progressDeadlineSeconds");
  return { "progress deadline": `${typeof d === "number" ? d : 600} s` };
}

const MISSING_REQUEST = /missing request for (cpu|memory)(?: in container "?([A-Za-z0-9._-]+)"?)?/i;
const METRICS_API =
  /unable to fetch metrics|unable to get metrics|metrics\.k8s\.io|no metrics returned|unable to handle the request/i;
const HPA_EVENTS = new Set([
  "FailedGetResourceMetric",
  "FailedComputeMetricsReplicas",
  "FailedGetPodsMetric",
  "FailedGetExternalMetric",
]);

export function hpaMetrics(index: ClusterIndex): Candidate[] {
  const out: Candidate[] = [];
  for (const o of index.objects.values()) {
    if (o.kind !== "HorizontalPodAutoscaler") continue;
    const meta = metaOf(o);
    const kind = str(at(o, "spec", "scaleTargetRef", "kind"));
    const name = str(at(o, "spec", "scaleTargetRef", "name"));
    if (!meta || !kind || !name) continue;
    const active = conditionOf(o, "ScalingActive");
    const events = eventsOf(index, meta).filter((e) => HPA_EVENTS.has(e.reason));
    const failing = active?.status === "False" && str(active.reason)?.startsWith("Failed");
    if (!failing && events.length === 0) continue;
    const text = [str(active?.message) ?? "", ...events.map((e) => e.message)].join("\n");
    const missing = MISSING_REQUEST.exec(text);
    const subCause = missing ? "missing-request" : METRICS_API.test(text) ? "metrics-api-unavailable" : null;
    const subjects: Record<string, string> = { hpa: `${meta.namespace}/${meta.name}` };
    if (missing?.[1]) subjects.resource = missing[1].toLowerCase();
    const container = missing?.[2] ?? null;
    const workload = { namespace: meta.namespace, kind, name };
    out.push(
      candidate({
        class: "hpa-metrics-unavailable",
        subCause,
        fix: subCause === "missing-request" ? "values" : "incident",
        workload,
        container,
        rootCause:
          subCause === "missing-request"
            ? `HPA ${meta.namespace}/${meta.name} cannot scale ${kind} ${name}: container ${container ?? "(unnamed)"} has no ${subjects.resource} request.`
            : `HPA ${meta.namespace}/${meta.name} cannot read the metrics it scales ${kind} ${name} on: ${clause(text.split("\n").find((l) => l) ?? "")}.`,
        suggestedFix:
          subCause === "missing-request"
            ? `Set a ${subjects.resource} request on container ${container ?? "of the workload"}: utilization is a share of it.`
            : "Check the metrics API (kubectl get apiservice v1beta1.metrics.k8s.io; the metrics-server pods and logs).",
        expectedOutcome: "The HPA reports ScalingActive True and scales on its metric again within a minute.",
        confidence: subCause ? 0.9 : 0.7,
        events,
        subjects,
        cause: subCause === "metrics-api-unavailable" ? "apiservice:metrics.k8s.io" : null,
      }),
    );
  }
  return out;
}
