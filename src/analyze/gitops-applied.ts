// Whether Argo CD or Flux has applied a merge commit, decided from the status of their objects as the
// Kubernetes API serves them. Ancestry is not computed here: the caller resolves, with git, each revision
// the objects name (revisionsIn) to "at or after the merge", "before" or "unknown" (not in the repository).
import type { AppliedState, GitOpsTarget } from "../model/verify.ts";

type Obj = Record<string, unknown>;

/** Where a revision stands relative to the merge commit. */
export type Ancestry = "at-or-after" | "before" | "unknown";

/** The raw objects of a GitOps target; undefined: not found in the cluster. */
export interface GitOpsObjects {
  application?: Obj | undefined;
  kustomization?: Obj | undefined;
  helmRelease?: Obj | undefined;
}

const obj = (v: unknown): Obj | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const list = (v: unknown): Obj[] =>
  Array.isArray(v)
    ? v.flatMap((x): Obj[] => {
        const o = obj(x);
        return o ? [o] : [];
      })
    : [];
const short = (sha: string): string => sha.slice(0, 7);

/**
 * A Flux revision reduced to its commit: `main@sha1:<40 hex>`, `sha1:<40 hex>`, a bare SHA, or the older
 * `main/<40 hex>`. undefined for anything else (an OCI digest, a chart version).
 */
export function fluxCommit(revision: string | undefined): string | undefined {
  const m = /(?:^|@sha1:|^sha1:|\/)([0-9a-f]{40})$/.exec(revision ?? "");
  return m?.[1];
}

/** Argo CD's synced revisions: syncResult.revision, or revisions[] of a multi-source Application. */
function argoRevisions(opState: Obj | undefined): string[] {
  const result = obj(opState?.syncResult);
  const sync = obj(obj(opState?.operation)?.sync);
  const fromResult = [str(result?.revision), ...(Array.isArray(result?.revisions) ? result.revisions : [])];
  const found = fromResult.flatMap((r) => str(r) ?? []);
  if (found.length > 0) return found;
  // A sync that failed before it produced a result names its revision in the operation only.
  return [str(sync?.revision), ...(Array.isArray(sync?.revisions) ? sync.revisions : [])].flatMap(
    (r) => str(r) ?? [],
  );
}

/** Every revision the objects name that the caller must place relative to the merge commit. */
export function revisionsIn(objects: GitOpsObjects): string[] {
  const status = obj(objects.application?.status);
  const ks = obj(objects.kustomization?.status);
  const all = [
    ...argoRevisions(obj(status?.operationState)),
    ...[str(ks?.lastAppliedRevision), str(ks?.lastAttemptedRevision)].flatMap((r) => fluxCommit(r) ?? []),
  ];
  return [...new Set(all)];
}

type Placed = { revision: string; ancestry: Ancestry };

/** The revision that counts: one at or after the merge if any, else the first, with its ancestry. */
function place(revisions: readonly string[], ancestry: ReadonlyMap<string, Ancestry>): Placed | undefined {
  const placed = revisions.map((revision) => ({ revision, ancestry: ancestry.get(revision) ?? "unknown" }));
  return placed.find((p) => p.ancestry === "at-or-after") ?? placed[0];
}

function beforeReason(tool: string, p: Placed, mergeSha: string): string {
  return p.ancestry === "before"
    ? `${tool} is at ${short(p.revision)}, before the merge ${short(mergeSha)}`
    : `${tool} is at ${short(p.revision)}, which the repository does not know (not fetched?): not known to be at or after the merge ${short(mergeSha)}`;
}

const pending = (reason: string, revision: string | null = null): AppliedState => ({
  state: "pending",
  revision,
  at: null,
  reason,
});

/** Argo CD: operation Succeeded at the merge or after, Synced, Healthy. */
export function argoApplied(
  app: Obj | undefined,
  mergeSha: string,
  ancestry: ReadonlyMap<string, Ancestry>,
): AppliedState {
  if (!app) return pending("the Argo CD Application is not in the cluster");
  const status = obj(app.status);
  const op = obj(status?.operationState);
  const phase = str(op?.phase);
  const p = place(argoRevisions(op), ancestry);
  if (!op || !phase || !p) return pending("Argo CD has not synced the Application yet");
  const revision = p.revision;
  const message = str(op.message);
  if (phase === "Running" || phase === "Terminating")
    return pending(`sync ${phase === "Running" ? "running" : "terminating"} (${short(revision)})`, revision);
  if (p.ancestry !== "at-or-after") return pending(beforeReason("Argo CD", p, mergeSha), revision);
  if (phase === "Failed" || phase === "Error") {
    const at = str(op.finishedAt) ?? null;
    return {
      state: "failed",
      revision,
      at,
      reason: `sync of ${short(revision)} failed: ${message ?? phase}`,
    };
  }
  const health = str(obj(status?.health)?.status) ?? "Unknown";
  const healthMessage = str(obj(status?.health)?.message);
  if (health === "Degraded") {
    const reason = `Degraded at ${short(revision)}${healthMessage ? `: ${healthMessage}` : ""}`;
    return { state: "failed", revision, at: str(op.finishedAt) ?? null, reason };
  }
  if (phase !== "Succeeded") return pending(`sync ${phase} (${short(revision)})`, revision);
  const sync = str(obj(status?.sync)?.status) ?? "Unknown";
  if (sync !== "Synced")
    return pending(`synced ${short(revision)}, but the Application is ${sync}`, revision);
  if (health !== "Healthy") return pending(`synced ${short(revision)}, ${health}`, revision);
  const deployed = list(status?.history).find(
    (h) => h.revision === revision || (Array.isArray(h.revisions) && h.revisions.includes(revision)),
  );
  const at = str(deployed?.deployedAt) ?? str(op.finishedAt) ?? null;
  return { state: "applied", revision, at, reason: `Synced to ${short(revision)}${atText(at)}, Healthy` };
}

function atText(at: string | null): string {
  const m = /T(\d\d:\d\d)/.exec(at ?? "");
  return m ? ` at ${m[1]} UTC` : "";
}

function readyCondition(o: Obj | undefined): Obj | undefined {
  return list(obj(o?.status)?.conditions).find((c) => c.type === "Ready");
}

/** Flux Kustomization: lastAppliedRevision at or after the merge, Ready=True. */
export function kustomizationApplied(
  ks: Obj | undefined,
  mergeSha: string,
  ancestry: ReadonlyMap<string, Ancestry>,
): AppliedState {
  if (!ks) return pending("the Flux Kustomization is not in the cluster");
  const status = obj(ks.status);
  const ready = readyCondition(ks);
  const why = str(ready?.message) ?? str(ready?.reason) ?? "";
  const attempted = fluxCommit(str(status?.lastAttemptedRevision));
  const applied = fluxCommit(str(status?.lastAppliedRevision));
  // A failed reconciliation of the merge (or later) leaves lastAppliedRevision at the older commit.
  // Waiting on another Kustomization is not a failure of this commit.
  const failedHere = ready?.status === "False" && ready.reason !== "DependencyNotReady";
  if (failedHere && attempted && ancestry.get(attempted) === "at-or-after") {
    const at = str(ready.lastTransitionTime) ?? null;
    return {
      state: "failed",
      revision: attempted,
      at,
      reason: `Kustomization failed at ${short(attempted)}: ${why}`,
    };
  }
  if (!applied) return pending("the Kustomization has applied no commit yet");
  const p = { revision: applied, ancestry: ancestry.get(applied) ?? "unknown" };
  if (p.ancestry !== "at-or-after") return pending(beforeReason("Flux", p, mergeSha), applied);
  if (ready?.status !== "True")
    return pending(
      `Kustomization applied ${short(applied)}, not Ready (${why || "no Ready condition"})`,
      applied,
    );
  const at = str(ready.lastTransitionTime) ?? null;
  return {
    state: "applied",
    revision: applied,
    at,
    reason: `Flux applied ${short(applied)}${atText(at)}, Ready`,
  };
}

/** Upgrade failures, and Flux's own remediation of one (a rollback or uninstall undoes the change). */
const HELM_FAILED = /Failed$|^RollbackSucceeded$|^UninstallSucceeded$/;

/** Flux HelmRelease: Ready=True for its current generation, history[0] deployed. Names no commit itself. */
export function helmReleaseApplied(hr: Obj | undefined): AppliedState {
  if (!hr) return pending("the Flux HelmRelease is not in the cluster");
  const status = obj(hr.status);
  const ready = readyCondition(hr);
  const why = str(ready?.message) ?? str(ready?.reason) ?? "";
  const generation = obj(hr.metadata)?.generation;
  const observed = status?.observedGeneration;
  const latest = list(status?.history)[0];
  if (typeof generation === "number" && observed !== generation)
    return pending(
      `HelmRelease generation ${generation} not reconciled yet (observed ${String(observed ?? "none")})`,
    );
  if (ready?.status === "False" && HELM_FAILED.test(str(ready.reason) ?? "")) {
    const at = str(ready.lastTransitionTime) ?? null;
    return { state: "failed", revision: null, at, reason: `HelmRelease ${str(ready.reason)}: ${why}` };
  }
  if (ready?.status !== "True") return pending(`HelmRelease not Ready (${why || "no Ready condition"})`);
  if (latest?.status !== "deployed")
    return pending(`HelmRelease's latest release is ${str(latest?.status) ?? "missing"}, not deployed`);
  const at = str(latest.lastDeployed) ?? str(ready.lastTransitionTime) ?? null;
  const version = str(latest.chartVersion);
  return {
    state: "applied",
    revision: null,
    at,
    reason: `HelmRelease deployed${version ? ` chart ${version}` : ""}${atText(at)}, Ready`,
  };
}

/** Both Flux objects must say applied; the first failure, else the first pending, explains. */
function combine(parts: readonly AppliedState[]): AppliedState {
  const failed = parts.find((s) => s.state === "failed");
  if (failed) return failed;
  const waiting = parts.find((s) => s.state === "pending");
  if (waiting) return { ...waiting, revision: parts.find((s) => s.revision)?.revision ?? null };
  const latest =
    parts
      .map((s) => s.at)
      .filter((a): a is string => a !== null)
      .sort()
      .at(-1) ?? null;
  return {
    state: "applied",
    revision: parts.find((s) => s.revision)?.revision ?? null,
    at: latest,
    reason: parts.map((s) => s.reason).join("; "),
  };
}

/** The target's state for the merge commit. */
export function gitOpsApplied(
  target: GitOpsTarget,
  objects: GitOpsObjects,
  mergeSha: string,
  ancestry: ReadonlyMap<string, Ancestry>,
): AppliedState {
  if (target.tool === "argocd") return argoApplied(objects.application, mergeSha, ancestry);
  const parts = [
    ...(target.kustomization ? [kustomizationApplied(objects.kustomization, mergeSha, ancestry)] : []),
    ...(target.helmRelease ? [helmReleaseApplied(objects.helmRelease)] : []),
  ];
  if (parts.length === 0) return pending("the Flux target names neither a Kustomization nor a HelmRelease");
  const state = combine(parts);
  // A HelmRelease's status names a chart version, not a commit: the pods' values are the proof then.
  return target.kustomization || state.state !== "applied"
    ? state
    : { ...state, reason: `${state.reason} (a HelmRelease names no commit)` };
}
