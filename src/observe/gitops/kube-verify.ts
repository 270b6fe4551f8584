// The cluster side of `kopt verify`: whether Argo CD or Flux applied a merge commit (their objects' status,
// with ancestry from git) and whether the workload's pods run the change (the workload, its HPA, pods and
// ReplicaSets). Reads through the Kubernetes API; the decisions are src/analyze/gitops-applied.ts and
// src/analyze/rollout-state.ts.
import { type GitOpsObjects, gitOpsApplied, revisionsIn } from "../../analyze/gitops-applied.ts";
import { rolloutState } from "../../analyze/rollout-state.ts";
import type { ClusterConfig } from "../../formats/config.ts";
import type { WorkloadRef } from "../../model/types.ts";
import type { GitOpsTarget } from "../../model/verify.ts";
import type { GitRepo } from "../../propose/git-repo.ts";
import type { GitOpsStatusPort, PhrChange, RolloutPort } from "../../workflows/verify/ports.ts";
import { Client, type RawObject } from "../kube/client.ts";
import type { Connection } from "../kube/connection.ts";
import type { Access } from "../kube/errors.ts";
import { ancestryOf } from "./ancestry.ts";
import { getObject, listSelected, selectorQuery } from "./read-objects.ts";

/** The GitOps kinds kopt reads, as their API groups serve them (the chart's ClusterRole grants get on each). */
const GITOPS_KINDS = {
  application: { apiGroup: "argoproj.io", version: "v1alpha1", resource: "applications" },
  kustomization: { apiGroup: "kustomize.toolkit.fluxcd.io", version: "v1", resource: "kustomizations" },
  helmRelease: { apiGroup: "helm.toolkit.fluxcd.io", version: "v2", resource: "helmreleases" },
} as const;

const WORKLOAD_RESOURCES = {
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  DaemonSet: "daemonsets",
} as const;

function readNamed(
  c: Client,
  kind: keyof typeof GITOPS_KINDS,
  ref: { name: string; namespace: string } | undefined,
): Promise<RawObject | undefined> {
  if (!ref) return Promise.resolve(undefined);
  const k = GITOPS_KINDS[kind];
  const access: Access = {
    verb: "get",
    apiGroup: k.apiGroup,
    resource: k.resource,
    namespace: ref.namespace,
  };
  return getObject(c, access, (o) =>
    c.custom.getNamespacedCustomObject(
      { group: k.apiGroup, version: k.version, namespace: ref.namespace, plural: k.resource, name: ref.name },
      o,
    ),
  );
}

/** The target's objects as the cluster has them now. */
export async function readGitOpsObjects(c: Client, target: GitOpsTarget): Promise<GitOpsObjects> {
  if (target.tool === "argocd") return { application: await readNamed(c, "application", target) };
  const [kustomization, helmRelease] = await Promise.all([
    readNamed(c, "kustomization", target.kustomization),
    readNamed(c, "helmRelease", target.helmRelease),
  ]);
  return { kustomization, helmRelease };
}

/** The HPA that scales the workload, if any. */
function scaling(hpas: readonly RawObject[], workload: WorkloadRef): RawObject | undefined {
  return hpas.find((h) => {
    const ref = (h.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
    return ref?.kind === workload.kind && ref.name === workload.name;
  });
}

function readWorkloadObject(c: Client, w: WorkloadRef): Promise<RawObject | undefined> {
  const req = { name: w.name, namespace: w.namespace };
  const access: Access = {
    verb: "get",
    apiGroup: "apps",
    resource: WORKLOAD_RESOURCES[w.kind],
    namespace: w.namespace,
  };
  return getObject(c, access, (o) =>
    w.kind === "Deployment"
      ? c.apps.readNamespacedDeployment(req, o)
      : w.kind === "StatefulSet"
        ? c.apps.readNamespacedStatefulSet(req, o)
        : c.apps.readNamespacedDaemonSet(req, o),
  );
}

/** The workload, its HPA, its pods and (for a Deployment) its ReplicaSets. */
export async function readWorkload(c: Client, w: WorkloadRef) {
  const workload = await readWorkloadObject(c, w);
  if (!workload) return { workload, hpa: undefined, pods: [], replicaSets: [] };
  const labelSelector = selectorQuery((workload.spec as { selector?: unknown } | undefined)?.selector);
  const [hpas, pods, replicaSets] = await Promise.all([
    listSelected(c, "HorizontalPodAutoscaler", w.namespace),
    listSelected(c, "Pod", w.namespace, labelSelector),
    w.kind === "Deployment" ? listSelected(c, "ReplicaSet", w.namespace, labelSelector) : Promise.resolve([]),
  ]);
  return { workload, hpa: scaling(hpas, w), pods, replicaSets };
}

/** What the ports read: the live cluster (below) or a snapshot taken after the apply (snapshot-objects.ts). */
export interface VerifyObjectReader {
  gitOpsObjects(target: GitOpsTarget): Promise<GitOpsObjects>;
  workload(ref: WorkloadRef): Promise<WorkloadObjects>;
}

export type WorkloadObjects = Awaited<ReturnType<typeof readWorkload>>;

/** The GitOps status and rollout ports over any reader; ancestry comes from the repository's git. */
export function verifySourcesFrom(
  reader: VerifyObjectReader,
  repo: GitRepo,
  config: ClusterConfig,
): { gitops: GitOpsStatusPort; rollout: RolloutPort } {
  return {
    gitops: {
      async applied(target, mergeSha) {
        const objects = await reader.gitOpsObjects(target);
        const ancestry = await ancestryOf(repo, mergeSha, revisionsIn(objects));
        return gitOpsApplied(target, objects, mergeSha, ancestry);
      },
    },
    rollout: {
      async rollout(workload: WorkloadRef, changes: readonly PhrChange[]) {
        const read = await reader.workload(workload);
        const mapping = config.workloads.find((m) => m.workload === `${workload.namespace}/${workload.name}`);
        return rolloutState({
          ...read,
          changes: changes.map((c) => ({ path: c.path, to: c.to })),
          ...(mapping?.resources ? { resourcesPaths: mapping.resources } : {}),
        });
      },
    },
  };
}

/** The GitOps status and rollout ports of `kopt verify`, reading the cluster `conn` connects to. */
export function createKubeVerifySources(
  conn: Connection,
  repo: GitRepo,
  config: ClusterConfig,
): { gitops: GitOpsStatusPort; rollout: RolloutPort } {
  const client = new Client(conn);
  const reader: VerifyObjectReader = {
    gitOpsObjects: (target) => readGitOpsObjects(client, target),
    workload: (ref) => readWorkload(client, ref),
  };
  return verifySourcesFrom(reader, repo, config);
}
