// The objects `kopt verify` reads, from a ClusterSnapshot taken after the apply instead of the live API: the
// Argo CD Application or Flux objects with their recorded status, the workload, its HPA, pods and ReplicaSets.
// A snapshot holds what `kubectl get -o json` printed, so the decisions are the same as on a live cluster.
import type { ClusterSnapshot } from "../../formats/snapshot.ts";
import type { WorkloadRef } from "../../model/types.ts";
import type { GitOpsTarget } from "../../model/verify.ts";
import type { VerifyObjectReader } from "./kube-verify.ts";

type Obj = Record<string, unknown>;
type Meta = { name?: string; namespace?: string; labels?: Record<string, string> };

const meta = (o: Obj): Meta => (o.metadata ?? {}) as Meta;

function find(items: readonly Obj[], kind: string, group: string, ref?: { name: string; namespace: string }) {
  if (!ref) return undefined;
  return items.find(
    (o) =>
      o.kind === kind &&
      String(o.apiVersion ?? "").startsWith(`${group}/`) &&
      meta(o).name === ref.name &&
      meta(o).namespace === ref.namespace,
  );
}

/** Whether `labels` match a label selector's matchLabels (what the chart's workloads use). */
function selects(selector: unknown, labels: Record<string, string> | undefined): boolean {
  const match = (selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
  if (!match || Object.keys(match).length === 0) return false;
  return Object.entries(match).every(([k, v]) => labels?.[k] === v);
}

export function snapshotObjectReader(snap: ClusterSnapshot): VerifyObjectReader {
  const items = snap.objects.items as Obj[];
  return {
    async gitOpsObjects(target: GitOpsTarget) {
      if (target.tool === "argocd") return { application: find(items, "Application", "argoproj.io", target) };
      return {
        kustomization: find(items, "Kustomization", "kustomize.toolkit.fluxcd.io", target.kustomization),
        helmRelease: find(items, "HelmRelease", "helm.toolkit.fluxcd.io", target.helmRelease),
      };
    },
    async workload(ref: WorkloadRef) {
      const inNs = items.filter((o) => meta(o).namespace === ref.namespace);
      const workload = inNs.find((o) => o.kind === ref.kind && meta(o).name === ref.name);
      if (!workload) return { workload, hpa: undefined, pods: [], replicaSets: [] };
      const selector = (workload.spec as { selector?: unknown } | undefined)?.selector;
      const hpa = inNs.find((o) => {
        const t = (o.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)
          ?.scaleTargetRef;
        return o.kind === "HorizontalPodAutoscaler" && t?.kind === ref.kind && t.name === ref.name;
      });
      const pods = inNs.filter((o) => o.kind === "Pod" && selects(selector, meta(o).labels));
      const replicaSets =
        ref.kind === "Deployment"
          ? inNs.filter((o) => o.kind === "ReplicaSet" && selects(selector, meta(o).labels))
          : [];
      return { workload, hpa, pods, replicaSets };
    },
  };
}
