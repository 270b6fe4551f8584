// Argo CD Applications and Flux Kustomizations / HelmReleases with status as their controllers write it
// (Argo CD's application controller, Flux's kustomize- and helm-controller), for the simulator and for unit
// tests. Field names and shapes follow the CRDs (validated by @kubernetes-models/argo-cd and flux-cd when
// the simulator takes them in); the values are those of a demo repository.

type Obj = Record<string, unknown>;

const REPO_URL = "https://github.com/example/kopt-demo.git";
const SOURCE = {
  repoURL: REPO_URL,
  path: "helm/todo-chatbot",
  targetRevision: "main",
  helm: { releaseName: "todo-chatbot", valueFiles: ["../../clusters/demo/values.yaml"] },
};

export interface ArgoStatus {
  /** operationState.phase: Running, Succeeded, Failed, Error, Terminating; undefined: no operation yet. */
  phase?: "Running" | "Succeeded" | "Failed" | "Error" | "Terminating";
  /** The revision of the last operation (syncResult.revision, or operation.sync.revision when it failed early). */
  revision?: string;
  /** Multi-source: syncResult.revisions instead of revision. */
  revisions?: string[];
  sync?: "Synced" | "OutOfSync" | "Unknown";
  health?: "Healthy" | "Progressing" | "Degraded" | "Suspended" | "Missing" | "Unknown";
  healthMessage?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** status.history entries: revision and deployedAt. */
  history?: { revision: string; deployedAt: string }[];
}

/** An Argo CD Application as `kubectl get application -o json` prints it after the controller's work. */
export function argoApplication(s: ArgoStatus, name = "todo-chatbot", namespace = "argocd"): Obj {
  const started = s.startedAt ?? "2026-12-01T12:00:00Z";
  const multi = s.revisions !== undefined;
  const status: Obj = {
    sync: {
      status: s.sync ?? "Synced",
      comparedTo: {
        destination: { server: "https://kubernetes.default.svc", namespace: "todo" },
        source: SOURCE,
      },
      ...(multi ? { revisions: s.revisions } : s.revision ? { revision: s.revision } : {}),
    },
    health: { status: s.health ?? "Healthy", ...(s.healthMessage ? { message: s.healthMessage } : {}) },
    reconciledAt: s.finishedAt ?? started,
    sourceType: "Helm",
    summary: { images: ["ghcr.io/example/todo-backend:1.4.2"] },
    history: (s.history ?? []).map((h, i) => ({
      id: i,
      revision: h.revision,
      deployStartedAt: h.deployedAt,
      deployedAt: h.deployedAt,
      source: SOURCE,
      initiatedBy: { automated: true },
    })),
  };
  if (s.phase) {
    const done = s.phase !== "Running" && s.phase !== "Terminating";
    const failedEarly = s.phase === "Failed" || s.phase === "Error";
    status.operationState = {
      operation: {
        initiatedBy: { automated: true },
        retry: { limit: 5 },
        sync: multi ? { revisions: s.revisions } : { revision: s.revision, prune: true },
      },
      phase: s.phase,
      message:
        s.message ??
        (s.phase === "Succeeded"
          ? "successfully synced (all tasks run)"
          : s.phase === "Running"
            ? ""
            : "sync failed"),
      startedAt: started,
      ...(done ? { finishedAt: s.finishedAt ?? "2026-12-01T12:00:40Z" } : {}),
      ...(done && !failedEarly
        ? {
            syncResult: {
              resources: [
                {
                  group: "apps",
                  version: "v1",
                  kind: "Deployment",
                  namespace: "todo",
                  name: "backend",
                  status: "Synced",
                  message: "deployment.apps/backend configured",
                  hookPhase: "Running",
                  syncPhase: "Sync",
                },
              ],
              // revision is required (not omitempty): a multi-source result has it empty beside revisions.
              ...(multi
                ? { revision: "", revisions: s.revisions, sources: [SOURCE] }
                : { revision: s.revision, source: SOURCE }),
            },
          }
        : {}),
    };
  }
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name, namespace, generation: 3 },
    spec: {
      project: "default",
      source: SOURCE,
      destination: { server: "https://kubernetes.default.svc", namespace: "todo" },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
    status,
  };
}

export interface FluxCondition {
  status: "True" | "False" | "Unknown";
  reason: string;
  message?: string;
  at?: string;
}

function readyCondition(c: FluxCondition, generation: number): Obj {
  return {
    type: "Ready",
    status: c.status,
    reason: c.reason,
    message: c.message ?? c.reason,
    lastTransitionTime: c.at ?? "2026-12-01T12:01:00Z",
    observedGeneration: generation,
  };
}

/** A Flux Kustomization after kustomize-controller's reconciliation. */
export function fluxKustomization(
  s: { applied?: string; attempted?: string; ready: FluxCondition },
  name = "apps",
  namespace = "flux-system",
): Obj {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace, generation: 1 },
    spec: {
      interval: "10m",
      path: "./clusters/demo",
      prune: true,
      sourceRef: { kind: "GitRepository", name: "flux-system" },
    },
    status: {
      observedGeneration: 1,
      conditions: [readyCondition(s.ready, 1)],
      ...(s.applied ? { lastAppliedRevision: s.applied } : {}),
      ...((s.attempted ?? s.applied) ? { lastAttemptedRevision: s.attempted ?? s.applied } : {}),
      inventory: { entries: [{ id: "todo_backend_apps_Deployment", v: "v1" }] },
    },
  };
}

/** A Flux HelmRelease (v2) after helm-controller's reconciliation. */
export function fluxHelmRelease(
  s: {
    generation?: number;
    observedGeneration?: number;
    ready: FluxCondition;
    history?: { status: "deployed" | "superseded" | "failed" | "pending-upgrade"; version: number }[];
  },
  name = "todo-chatbot",
  namespace = "todo",
): Obj {
  const generation = s.generation ?? 2;
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name, namespace, generation },
    spec: {
      interval: "5m",
      chart: {
        spec: {
          chart: "./helm/todo-chatbot",
          sourceRef: { kind: "GitRepository", name: "flux-system", namespace: "flux-system" },
          valuesFiles: ["./helm/todo-chatbot/values.yaml", "./clusters/demo/values.yaml"],
        },
      },
    },
    status: {
      observedGeneration: s.observedGeneration ?? generation,
      lastAttemptedGeneration: s.observedGeneration ?? generation,
      conditions: [readyCondition(s.ready, generation)],
      helmChart: "flux-system/todo-todo-chatbot",
      storageNamespace: "todo",
      lastAttemptedReleaseAction: "upgrade",
      lastAttemptedRevision: "0.1.0",
      lastAttemptedConfigDigest: "sha256:6e8f1c1b0e3e8f3d7c9a2b1f0e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d",
      history: (s.history ?? [{ status: "deployed", version: 2 }]).map((h) => ({
        name: "todo-chatbot",
        namespace: "todo",
        version: h.version,
        status: h.status,
        chartName: "todo-chatbot",
        chartVersion: "0.1.0",
        appVersion: "1.4.2",
        configDigest: "sha256:6e8f1c1b0e3e8f3d7c9a2b1f0e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d",
        digest: "sha256:0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c",
        firstDeployed: "2026-11-20T09:00:00Z",
        lastDeployed: "2026-12-01T12:02:00Z",
      })),
    },
  };
}
