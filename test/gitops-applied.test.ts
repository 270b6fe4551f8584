// When kopt counts a merge as applied by Argo CD or Flux: each rule of src/analyze/gitops-applied.ts on status
// objects shaped as the controllers write them (checked against the CRD schemas here too).
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2/HelmRelease";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization";
import { describe, expect, it } from "vitest";
import { type Ancestry, fluxCommit, gitOpsApplied, revisionsIn } from "../src/analyze/gitops-applied.ts";
import type { GitOpsTarget } from "../src/model/verify.ts";
import { argoApplication, fluxHelmRelease, fluxKustomization } from "./support/kube-sim/gitops-fixtures.ts";

const MERGE = "5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e";
const LATER = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
const OLDER = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
const STRANGER = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
const ANCESTRY = new Map<string, Ancestry>([
  [MERGE, "at-or-after"],
  [LATER, "at-or-after"],
  [OLDER, "before"],
]);

const ARGO: GitOpsTarget = { tool: "argocd", name: "todo-chatbot", namespace: "argocd" };
const KS: GitOpsTarget = { tool: "flux", kustomization: { name: "apps", namespace: "flux-system" } };
const HR: GitOpsTarget = { tool: "flux", helmRelease: { name: "todo-chatbot", namespace: "todo" } };
const BOTH: GitOpsTarget = { ...KS, ...HR };

const argo = (s: Parameters<typeof argoApplication>[0]) => {
  const app = argoApplication(s);
  new Application(app as never).validate();
  return gitOpsApplied(ARGO, { application: app }, MERGE, ANCESTRY);
};

describe("Argo CD Application", () => {
  const synced = {
    phase: "Succeeded" as const,
    revision: MERGE,
    history: [
      { revision: OLDER, deployedAt: "2026-11-30T08:00:00Z" },
      { revision: MERGE, deployedAt: "2026-12-01T12:00:41Z" },
    ],
  };

  it("is applied when the sync of the merge commit succeeded, Synced and Healthy, at its history's deployedAt", () => {
    expect(argo(synced)).toEqual({
      state: "applied",
      revision: MERGE,
      at: "2026-12-01T12:00:41Z",
      reason: "Synced to 5d6e7f8 at 12:00 UTC, Healthy",
    });
  });

  it("counts a later commit that contains the merge as applied, at operationState.finishedAt without history", () => {
    const s = argo({ phase: "Succeeded", revision: LATER, finishedAt: "2026-12-01T12:05:00Z" });
    expect(s).toMatchObject({ state: "applied", revision: LATER, at: "2026-12-01T12:05:00Z" });
  });

  it("is pending at an older revision, and says where Argo CD is", () => {
    expect(argo({ phase: "Succeeded", revision: OLDER })).toEqual({
      state: "pending",
      revision: OLDER,
      at: null,
      reason: "Argo CD is at 1a2b3c4, before the merge 5d6e7f8",
    });
  });

  it("is pending at a revision git does not know, and says it is not known to be at or after the merge", () => {
    const s = argo({ phase: "Succeeded", revision: STRANGER });
    expect(s.state).toBe("pending");
    expect(s.reason).toBe(
      "Argo CD is at abcdefa, which the repository does not know (not fetched?): not known to be at or after the merge 5d6e7f8",
    );
  });

  it("is pending while a sync runs", () => {
    expect(argo({ phase: "Running", revision: MERGE, sync: "OutOfSync" })).toMatchObject({
      state: "pending",
      reason: "sync running (5d6e7f8)",
    });
  });

  it("is pending while Progressing, and while OutOfSync", () => {
    expect(argo({ ...synced, health: "Progressing" })).toMatchObject({
      state: "pending",
      reason: "synced 5d6e7f8, Progressing",
    });
    expect(argo({ ...synced, sync: "OutOfSync" }).state).toBe("pending");
  });

  it("fails when the sync of the merge failed, with Argo CD's message", () => {
    const s = argo({
      phase: "Failed",
      revision: MERGE,
      message: 'one or more objects failed to apply, reason: Deployment.apps "backend" is invalid',
    });
    expect(s).toEqual({
      state: "failed",
      revision: MERGE,
      at: "2026-12-01T12:00:40Z",
      reason:
        'sync of 5d6e7f8 failed: one or more objects failed to apply, reason: Deployment.apps "backend" is invalid',
    });
  });

  it("fails when the Application is Degraded at the merge; a failed older sync is only pending", () => {
    const s = argo({
      ...synced,
      health: "Degraded",
      healthMessage: "Deployment backend exceeded its progress deadline",
    });
    expect(s).toMatchObject({
      state: "failed",
      reason: "Degraded at 5d6e7f8: Deployment backend exceeded its progress deadline",
    });
    expect(argo({ phase: "Error", revision: OLDER }).state).toBe("pending");
    expect(argo({ phase: "Succeeded", revision: OLDER, health: "Degraded" }).state).toBe("pending");
  });

  it("reads a multi-source Application's revisions[]: applied when one is at or after the merge", () => {
    const s = argo({ phase: "Succeeded", revisions: ["0.1.0", LATER] });
    expect(s).toMatchObject({ state: "applied", revision: LATER });
  });

  it("is pending without any sync, and when the Application is missing", () => {
    expect(argo({}).state).toBe("pending");
    expect(gitOpsApplied(ARGO, {}, MERGE, ANCESTRY)).toMatchObject({
      state: "pending",
      reason: "the Argo CD Application is not in the cluster",
    });
  });
});

describe("Flux", () => {
  const ready = { status: "True" as const, reason: "ReconciliationSucceeded", at: "2026-12-01T12:01:00Z" };
  const ks = (s: Parameters<typeof fluxKustomization>[0]) => {
    const k = fluxKustomization(s);
    new Kustomization(k as never).validate();
    return k;
  };
  const hr = (s: Parameters<typeof fluxHelmRelease>[0]) => {
    const h = fluxHelmRelease(s);
    new HelmRelease(h as never).validate();
    return h;
  };

  it("reads a revision as main@sha1:<sha>, sha1:<sha>, a bare SHA or main/<sha>; nothing else", () => {
    expect(fluxCommit(`main@sha1:${MERGE}`)).toBe(MERGE);
    expect(fluxCommit(`sha1:${MERGE}`)).toBe(MERGE);
    expect(fluxCommit(MERGE)).toBe(MERGE);
    expect(fluxCommit(`main/${MERGE}`)).toBe(MERGE);
    expect(fluxCommit("latest@sha256:0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c")).toBe(
      undefined,
    );
    expect(fluxCommit("6.5.4")).toBe(undefined);
  });

  it("Kustomization: applied at the merge (either SHA form) when Ready, at the condition's time", () => {
    for (const applied of [`main@sha1:${MERGE}`, MERGE]) {
      expect(gitOpsApplied(KS, { kustomization: ks({ applied, ready }) }, MERGE, ANCESTRY)).toEqual({
        state: "applied",
        revision: MERGE,
        at: "2026-12-01T12:01:00Z",
        reason: "Flux applied 5d6e7f8 at 12:01 UTC, Ready",
      });
    }
  });

  it("Kustomization: a later commit counts; an older one is pending", () => {
    const later = gitOpsApplied(
      KS,
      { kustomization: ks({ applied: `main@sha1:${LATER}`, ready }) },
      MERGE,
      ANCESTRY,
    );
    expect(later.state).toBe("applied");
    const older = gitOpsApplied(
      KS,
      { kustomization: ks({ applied: `main@sha1:${OLDER}`, ready }) },
      MERGE,
      ANCESTRY,
    );
    expect(older).toMatchObject({ state: "pending", reason: "Flux is at 1a2b3c4, before the merge 5d6e7f8" });
  });

  it("Kustomization: fails when the merge was attempted and Ready is False", () => {
    const k = ks({
      applied: `main@sha1:${OLDER}`,
      attempted: `main@sha1:${MERGE}`,
      ready: {
        status: "False",
        reason: "ReconciliationFailed",
        message:
          'Deployment/todo/backend dry-run failed: spec.template.spec.containers[0].resources.requests: Invalid value: "1x"',
      },
    });
    expect(gitOpsApplied(KS, { kustomization: k }, MERGE, ANCESTRY)).toMatchObject({
      state: "failed",
      revision: MERGE,
      reason: expect.stringMatching(
        /^Kustomization failed at 5d6e7f8: Deployment\/todo\/backend dry-run failed/,
      ),
    });
  });

  it("Kustomization: pending while reconciling the merge (Ready Unknown) or waiting on a dependency", () => {
    const k = ks({ applied: `main@sha1:${MERGE}`, ready: { status: "Unknown", reason: "Progressing" } });
    expect(gitOpsApplied(KS, { kustomization: k }, MERGE, ANCESTRY).state).toBe("pending");
    const waiting = ks({
      applied: `main@sha1:${OLDER}`,
      attempted: `main@sha1:${MERGE}`,
      ready: {
        status: "False",
        reason: "DependencyNotReady",
        message: "dependency 'flux-system/infra' is not ready",
      },
    });
    expect(gitOpsApplied(KS, { kustomization: waiting }, MERGE, ANCESTRY).state).toBe("pending");
  });

  it("HelmRelease: applied when Ready for its generation with history[0] deployed", () => {
    const h = hr({ ready: { status: "True", reason: "UpgradeSucceeded" } });
    expect(gitOpsApplied(HR, { helmRelease: h }, MERGE, ANCESTRY)).toMatchObject({
      state: "applied",
      at: "2026-12-01T12:02:00Z",
      reason: "HelmRelease deployed chart 0.1.0 at 12:02 UTC, Ready (a HelmRelease names no commit)",
    });
  });

  it("HelmRelease: pending while its generation is not observed, or its latest release is not deployed", () => {
    const stale = hr({
      generation: 3,
      observedGeneration: 2,
      ready: { status: "True", reason: "UpgradeSucceeded" },
    });
    expect(gitOpsApplied(HR, { helmRelease: stale }, MERGE, ANCESTRY)).toMatchObject({
      state: "pending",
      reason: "HelmRelease generation 3 not reconciled yet (observed 2)",
    });
    const upgrading = hr({
      ready: { status: "True", reason: "UpgradeSucceeded" },
      history: [
        { status: "pending-upgrade", version: 3 },
        { status: "deployed", version: 2 },
      ],
    });
    expect(gitOpsApplied(HR, { helmRelease: upgrading }, MERGE, ANCESTRY).state).toBe("pending");
  });

  it("HelmRelease: fails on UpgradeFailed or InstallFailed, and when Flux rolled the upgrade back", () => {
    for (const reason of ["UpgradeFailed", "InstallFailed", "RollbackSucceeded"]) {
      const h = hr({
        ready: { status: "False", reason, message: `Helm ${reason}: context deadline exceeded` },
      });
      expect(gitOpsApplied(HR, { helmRelease: h }, MERGE, ANCESTRY)).toMatchObject({
        state: "failed",
        reason: `HelmRelease ${reason}: Helm ${reason}: context deadline exceeded`,
      });
    }
    const progressing = hr({ ready: { status: "Unknown", reason: "Progressing" } });
    expect(gitOpsApplied(HR, { helmRelease: progressing }, MERGE, ANCESTRY).state).toBe("pending");
  });

  it("both objects must say applied; the Kustomization's commit is the revision", () => {
    const k = ks({ applied: `main@sha1:${MERGE}`, ready });
    const okRelease = hr({ ready: { status: "True", reason: "UpgradeSucceeded" } });
    const both = gitOpsApplied(BOTH, { kustomization: k, helmRelease: okRelease }, MERGE, ANCESTRY);
    expect(both).toMatchObject({ state: "applied", revision: MERGE, at: "2026-12-01T12:02:00Z" });
    const stale = hr({
      generation: 3,
      observedGeneration: 2,
      ready: { status: "True", reason: "UpgradeSucceeded" },
    });
    const waiting = gitOpsApplied(BOTH, { kustomization: k, helmRelease: stale }, MERGE, ANCESTRY);
    expect(waiting).toMatchObject({ state: "pending", revision: MERGE });
    const older = ks({ applied: `main@sha1:${OLDER}`, ready });
    expect(gitOpsApplied(BOTH, { kustomization: older, helmRelease: okRelease }, MERGE, ANCESTRY).state).toBe(
      "pending",
    );
  });
});

describe("revisionsIn", () => {
  it("names the revisions the caller must place: Argo CD's synced ones, Flux's applied and attempted commits", () => {
    expect(
      revisionsIn({ application: argoApplication({ phase: "Succeeded", revisions: ["0.1.0", LATER] }) }),
    ).toEqual(["0.1.0", LATER]);
    const k = fluxKustomization({
      applied: `main@sha1:${OLDER}`,
      attempted: `main@sha1:${MERGE}`,
      ready: { status: "False", reason: "ReconciliationFailed" },
    });
    expect(revisionsIn({ kustomization: k })).toEqual([OLDER, MERGE]);
  });
});
