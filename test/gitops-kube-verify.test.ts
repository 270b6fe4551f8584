// The cluster side of `kopt verify` end to end: the adapter (src/observe/gitops/kube-verify.ts) reads Argo CD
// and Flux objects, the workload, its HPA and pods from the Kubernetes simulator through client-node over
// HTTP, and places revisions with real git in a real repository holding the merge commit and a descendant.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KoptError } from "../src/errors.ts";
import { parseClusterConfig } from "../src/formats/config.ts";
import type { GitOpsTarget } from "../src/model/verify.ts";
import { createKubeVerifySources } from "../src/observe/gitops/kube-verify.ts";
import { filesOnDisk, resolveGitOpsTarget } from "../src/observe/gitops/target.ts";
import { connect } from "../src/observe/kube/connection.ts";
import { KOPT_RBAC_RULES, type PolicyRule } from "../src/observe/kube/rbac.ts";
import { openRepository } from "../src/propose/git-repo.ts";
import { cleanups } from "./support/cleanups.ts";
import { argoApplication, fluxHelmRelease, fluxKustomization } from "./support/kube-sim/gitops-fixtures.ts";
import { type KubeSimOptions, startKubeSim } from "./support/kube-sim/index.ts";
import { hasKubectl } from "./support/kubectl.ts";
import { demoRepo, git } from "./support/repo.ts";
import { deployment, hpa, pod, replicaSet } from "./support/snapshot-builder.ts";

type Obj = Record<string, unknown>;
const STRANGER = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
const FLUX: GitOpsTarget = {
  tool: "flux",
  kustomization: { name: "apps", namespace: "flux-system" },
  helmRelease: { name: "todo-chatbot", namespace: "todo" },
};

/** The demo repository with history: OLDER (the demo), MERGE (a values change), LATER; SIDE on a branch. */
function history() {
  const repo = demoRepo();
  cleanups.push(() => repo.cleanup());
  const commit = (message: string, edit: (text: string) => string) => {
    const file = join(repo.dir, "clusters/demo/values.yaml");
    writeFileSync(file, edit(readFileSync(file, "utf8")));
    git(repo.dir, "commit", "-q", "-am", message);
    return git(repo.dir, "rev-parse", "HEAD");
  };
  const older = git(repo.dir, "rev-parse", "HEAD");
  git(repo.dir, "checkout", "-q", "-b", "side");
  const side = commit("a change merged elsewhere", (t) => `${t}\n# side\n`);
  git(repo.dir, "checkout", "-q", "main");
  const merge = commit("backend: requests.cpu 500m (#12)", (t) => `${t}\n# merged\n`);
  const later = commit("frontend: replicas 3 (#13)", (t) => `${t}\n# later\n`);
  return { dir: repo.dir, older, side, merge, later };
}

function backend() {
  const d = deployment({
    namespace: "todo",
    name: "backend",
    created: "2026-11-01T00:00:00Z",
    replicas: 2,
    revision: 2,
    containers: [
      {
        name: "backend",
        image: "ghcr.io/example/todo-backend:1.4.2",
        resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "768Mi" } },
      },
    ],
  });
  const rs = replicaSet({ deployment: d, revision: 2, replicas: 2, created: "2026-12-01T12:01:00Z" });
  const pods = [0, 1].map((i) =>
    pod({ owner: rs, nodeName: "node-a", created: `2026-12-01T12:0${i + 1}:30Z`, seed: i }),
  );
  const h = hpa({
    target: d,
    created: "2026-11-01T00:00:00Z",
    minReplicas: 2,
    maxReplicas: 6,
    targetCPUUtilizationPercentage: 75,
    currentReplicas: 2,
    currentCPUUtilization: 40,
  });
  return [d, rs, ...pods, h] as unknown as Obj[];
}

async function world(objects: Obj[], extra: Partial<KubeSimOptions> = {}) {
  const h = history();
  const sim = await startKubeSim({ objects: [...backend(), ...objects], ...extra });
  cleanups.push(() => sim.stop());
  const dir = mkdtempSync(join(tmpdir(), "kopt-verify-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = sim.writeKubeconfig(dir);
  const conn = connect({ kubeconfig });
  const config = parseClusterConfig(
    readFileSync(join(h.dir, "clusters/demo/kopt.yaml"), "utf8"),
    "clusters/demo/kopt.yaml",
  );
  const sources = createKubeVerifySources(conn, await openRepository(h.dir), config);
  return { ...h, sim, conn, config, kubeconfig, sources };
}

describe("Argo CD, read from the cluster, placed with git", () => {
  it("finds the demo's Application and counts a sync of a later commit that contains the merge as applied", async () => {
    const w = await world([]);
    w.sim.apply(
      argoApplication({
        phase: "Succeeded",
        revision: w.later,
        history: [{ revision: w.later, deployedAt: "2026-12-01T12:00:41Z" }],
      }),
    );
    const target = await resolveGitOpsTarget(filesOnDisk(w.dir), w.config);
    expect(target).toEqual({ tool: "argocd", name: "todo-chatbot", namespace: "argocd" });
    expect(await w.sources.gitops.applied(target as GitOpsTarget, w.merge)).toEqual({
      state: "applied",
      revision: w.later,
      at: "2026-12-01T12:00:41Z",
      reason: `Synced to ${w.later.slice(0, 7)} at 12:00 UTC, Healthy`,
    });
    expect(w.sim.requests.map((r) => `${r.method} ${r.path}`)).toContain(
      "GET /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/todo-chatbot",
    );
  });

  it("is pending at the commit before the merge, at a commit beside it, and at one the repository lacks", async () => {
    const w = await world([]);
    const target: GitOpsTarget = { tool: "argocd", name: "todo-chatbot", namespace: "argocd" };
    const at = async (revision: string) => {
      w.sim.apply(argoApplication({ phase: "Succeeded", revision }));
      return w.sources.gitops.applied(target, w.merge);
    };
    const m = w.merge.slice(0, 7);
    expect(await at(w.older)).toMatchObject({
      state: "pending",
      reason: `Argo CD is at ${w.older.slice(0, 7)}, before the merge ${m}`,
    });
    expect((await at(w.side)).state).toBe("pending");
    expect(await at(STRANGER)).toMatchObject({
      state: "pending",
      reason: `Argo CD is at abcdefa, which the repository does not know (not fetched?): not known to be at or after the merge ${m}`,
    });
    expect((await at(w.merge)).state).toBe("applied");
  });

  it("fails when the sync of the merge failed", async () => {
    const w = await world([]);
    const target: GitOpsTarget = { tool: "argocd", name: "todo-chatbot", namespace: "argocd" };
    w.sim.apply(
      argoApplication({ phase: "Failed", revision: w.merge, message: "one or more objects failed to apply" }),
    );
    expect(await w.sources.gitops.applied(target, w.merge)).toMatchObject({
      state: "failed",
      revision: w.merge,
      reason: `sync of ${w.merge.slice(0, 7)} failed: one or more objects failed to apply`,
    });
  });

  it("says which RBAC rule to add when the Application may not be read", async () => {
    const withoutGitOps: PolicyRule[] = KOPT_RBAC_RULES.filter((r) => !r.apiGroups.includes("argoproj.io"));
    const w = await world([], { rbac: withoutGitOps });
    const target: GitOpsTarget = { tool: "argocd", name: "todo-chatbot", namespace: "argocd" };
    const err = await w.sources.gitops.applied(target, w.merge).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).message).toContain(
      'get applications (API group "argoproj.io", namespace argocd)',
    );
    expect((err as KoptError).hint).toContain(
      '- apiGroups: ["argoproj.io"]\n  resources: ["applications"]\n  verbs: ["get"]',
    );
  });
});

describe("Flux, read from the cluster, placed with git", () => {
  const ready = { status: "True" as const, reason: "ReconciliationSucceeded" };

  it("applied when the Kustomization applied main@sha1:<merge> and the HelmRelease is Ready for its generation", async () => {
    const w = await world([fluxHelmRelease({ ready: { status: "True", reason: "UpgradeSucceeded" } })]);
    w.sim.apply(fluxKustomization({ applied: `main@sha1:${w.merge}`, ready }));
    expect(await w.sources.gitops.applied(FLUX, w.merge)).toMatchObject({
      state: "applied",
      revision: w.merge,
    });
  });

  it("pending when helm-controller has not reconciled the HelmRelease's new generation (status written through its subresource)", async () => {
    const w = await world([fluxHelmRelease({ ready: { status: "True", reason: "UpgradeSucceeded" } })]);
    w.sim.apply(fluxKustomization({ applied: `main@sha1:${w.later}`, ready }));
    // As helm-controller does: PUT .../helmreleases/todo-chatbot/status, here with an older observedGeneration.
    const api = w.conn.kc.makeApiClient(CustomObjectsApi);
    const stale = fluxHelmRelease({
      generation: 2,
      observedGeneration: 1,
      ready: { status: "True", reason: "UpgradeSucceeded" },
    });
    const current = (await api.getNamespacedCustomObject({
      group: "helm.toolkit.fluxcd.io",
      version: "v2",
      namespace: "todo",
      plural: "helmreleases",
      name: "todo-chatbot",
    })) as Obj;
    const args = {
      group: "helm.toolkit.fluxcd.io",
      version: "v2",
      namespace: "todo",
      plural: "helmreleases",
      name: "todo-chatbot",
    };
    await api.replaceNamespacedCustomObjectStatus({ ...args, body: { ...current, status: stale.status } });
    expect(await w.sources.gitops.applied(FLUX, w.merge)).toMatchObject({
      state: "pending",
      reason: "HelmRelease generation 2 not reconciled yet (observed 1)",
    });
    // The simulator holds status to the CRD's schema: a history entry without its required fields is refused.
    const now = (await api.getNamespacedCustomObject(args)) as Obj;
    const broken = { ...now, status: { ...(stale.status as Obj), history: [{ status: "deployed" }] } };
    await expect(api.replaceNamespacedCustomObjectStatus({ ...args, body: broken })).rejects.toThrow(/422/);
  });

  it("pending while the Kustomization is at the commit before the merge; missing objects are pending too", async () => {
    const w = await world([]);
    w.sim.apply(fluxKustomization({ applied: `main@sha1:${w.older}`, ready }));
    const only: GitOpsTarget = { tool: "flux", kustomization: { name: "apps", namespace: "flux-system" } };
    expect(await w.sources.gitops.applied(only, w.merge)).toMatchObject({
      state: "pending",
      reason: `Flux is at ${w.older.slice(0, 7)}, before the merge ${w.merge.slice(0, 7)}`,
    });
    expect(await w.sources.gitops.applied(FLUX, w.merge)).toMatchObject({ state: "pending" });
  });
});

describe("the workload's rollout, read from the cluster", () => {
  it("rolled out when the template and HPA hold the change, from the first new pod's start", async () => {
    const w = await world([]);
    const rollout = await w.sources.rollout.rollout(
      { namespace: "todo", kind: "Deployment", name: "backend" },
      [
        { file: "clusters/demo/values.yaml", path: "backend.resources.requests.cpu", from: "1", to: "500m" },
        { file: "clusters/demo/values.yaml", path: "backend.autoscaling.maxReplicas", from: 4, to: 6 },
      ],
    );
    expect(rollout).toEqual({
      state: "rolled-out",
      startedAt: "2026-12-01T12:01:30Z",
      reason: "2/2 pods updated",
    });
    const pods = w.sim.requests.find((r) => r.path === "/api/v1/namespaces/todo/pods");
    expect(pods?.query.labelSelector).toBe("app.kubernetes.io/name=backend");
  });

  it("mismatch when the running template holds another value; mismatch when the workload is gone", async () => {
    const w = await world([]);
    const ref = { namespace: "todo", kind: "Deployment" as const, name: "backend" };
    const change = {
      file: "clusters/demo/values.yaml",
      path: "backend.resources.requests.memory",
      to: "384Mi",
    };
    expect(await w.sources.rollout.rollout(ref, [change])).toMatchObject({
      state: "mismatch",
      reason: "container backend requests.memory is 512Mi, the change says 384Mi",
    });
    expect(await w.sources.rollout.rollout({ ...ref, name: "gone" }, [change])).toMatchObject({
      state: "mismatch",
      reason: "the workload is not in the cluster",
    });
  });
});

describe("the simulator serves the GitOps kinds as their CRDs define them", () => {
  it("Argo CD Applications without a status subresource (its controller writes status with the object), Flux's with one", async () => {
    const w = await world([]);
    const resources = async (groupVersion: string) =>
      (
        (await (await fetch(`${w.sim.url}/apis/${groupVersion}`)).json()) as { resources: { name: string }[] }
      ).resources
        .map((r) => r.name)
        .sort();
    expect(await resources("argoproj.io/v1alpha1")).toEqual(["applications"]);
    expect(await resources("kustomize.toolkit.fluxcd.io/v1")).toEqual([
      "kustomizations",
      "kustomizations/status",
    ]);
    expect(await resources("helm.toolkit.fluxcd.io/v2")).toEqual(["helmreleases", "helmreleases/status"]);
  });

  // Skipped only on a developer machine without kubectl; CI installs it (.ci/run) and runs this.
  it.skipIf(!hasKubectl() && process.env.CI !== "true")(
    "real kubectl lists them, by plural and by short name",
    async () => {
      const w = await world([
        argoApplication({ phase: "Succeeded", revision: "0123456789012345678901234567890123456789" }),
        fluxKustomization({
          applied: "main@sha1:0123456789012345678901234567890123456789",
          ready: { status: "True", reason: "ReconciliationSucceeded" },
        }),
      ]);
      const home = mkdtempSync(join(tmpdir(), "kopt-kubectl-home-"));
      cleanups.push(() => rmSync(home, { recursive: true, force: true }));
      // Asynchronously: the simulator answers from this process, so a blocking child would deadlock it.
      const kubectl = async (...args: string[]) =>
        (
          await promisify(execFile)(
            "kubectl",
            ["--kubeconfig", w.kubeconfig, "--cache-dir", join(home, "cache"), ...args],
            { env: { PATH: process.env.PATH ?? "/usr/bin", HOME: home }, encoding: "utf8", timeout: 20_000 },
          )
        ).stdout;
      const apps = JSON.parse(await kubectl("get", "applications.argoproj.io", "-n", "argocd", "-o", "json"));
      expect(apps.items.map((i: { status: { sync: { status: string } } }) => i.status.sync.status)).toEqual([
        "Synced",
      ]);
      expect(await kubectl("get", "ks", "-A", "-o", "name")).toBe(
        "kustomization.kustomize.toolkit.fluxcd.io/apps\n",
      );
    },
  );
});
