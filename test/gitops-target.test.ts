// Which GitOps object `kopt verify` reads (src/observe/gitops/target.ts): kopt.yaml's gitops section, else the
// Argo CD Application or Flux objects declared under clusters/<name>/, and an error that asks to name it when
// the manifests leave a choice.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { KoptError } from "../src/errors.ts";
import { parseClusterConfig } from "../src/formats/config.ts";
import { filesOnDisk, resolveGitOpsTarget } from "../src/observe/gitops/target.ts";
import { cleanups } from "./support/cleanups.ts";

const CONFIG = `apiVersion: kopt.dev/v1alpha1
kind: ClusterConfig
cluster: prod
source:
  snapshot: clusters/prod/snapshot.json.gz
workloads:
  - workload: shop/api
    valuesFile: clusters/prod/values.yaml
    prefix: api
`;

function repo(files: Record<string, string>, extraConfig = "") {
  const dir = mkdtempSync(join(tmpdir(), "kopt-gitops-target-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const text = CONFIG + extraConfig;
  for (const [path, content] of Object.entries({ "clusters/prod/kopt.yaml": text, ...files })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return { dir, config: parseClusterConfig(text, "clusters/prod/kopt.yaml") };
}

const application = (name: string, valueFile: string, namespace?: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ""}spec:
  project: default
  source:
    repoURL: https://github.com/example/shop.git
    path: charts/shop
    helm:
      valueFiles: [${valueFile}]
  destination: { server: https://kubernetes.default.svc, namespace: shop }
`;

const kustomization = (name: string, path: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  path: ${path}
  prune: true
  sourceRef: { kind: GitRepository, name: flux-system }
`;

const helmRelease = (name: string, valuesFile: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
  namespace: shop
spec:
  interval: 5m
  chart:
    spec:
      chart: ./charts/shop
      sourceRef: { kind: GitRepository, name: flux-system, namespace: flux-system }
      valuesFiles: [./charts/shop/values.yaml, ${valuesFile}]
`;

describe("resolveGitOpsTarget", () => {
  it("takes kopt.yaml's gitops section when it names the object", async () => {
    const argo = repo({}, "gitops:\n  argocd:\n    application: shop\n");
    expect(await resolveGitOpsTarget(filesOnDisk(argo.dir), argo.config)).toEqual({
      tool: "argocd",
      name: "shop",
      namespace: "argocd",
    });
    const flux = repo(
      {},
      "gitops:\n  flux:\n    kustomization: apps\n    helmRelease: api\n    helmReleaseNamespace: shop\n",
    );
    expect(await resolveGitOpsTarget(filesOnDisk(flux.dir), flux.config)).toEqual({
      tool: "flux",
      kustomization: { name: "apps", namespace: "flux-system" },
      helmRelease: { name: "api", namespace: "shop" },
    });
  });

  it("finds the Argo CD Application whose values files include a mapped one (argocd namespace by default)", async () => {
    const r = repo({
      "clusters/prod/apps.yaml": `${application("shop", "../../clusters/prod/values.yaml")}---\n${application("docs", "../../clusters/prod/docs.yaml", "apps")}`,
    });
    expect(await resolveGitOpsTarget(filesOnDisk(r.dir), r.config)).toEqual({
      tool: "argocd",
      name: "shop",
      namespace: "argocd",
    });
  });

  it("finds Flux's HelmRelease and the Kustomization whose path holds it most closely", async () => {
    const r = repo({
      "clusters/prod/flux-system/gotk-sync.yaml": kustomization("flux-system", "./clusters/prod"),
      "clusters/prod/apps.yaml": kustomization("apps", "./clusters/prod/apps"),
      "clusters/prod/apps/api.yaml": helmRelease("api", "./clusters/prod/values.yaml"),
    });
    expect(await resolveGitOpsTarget(filesOnDisk(r.dir), r.config)).toEqual({
      tool: "flux",
      kustomization: { name: "apps", namespace: "flux-system" },
      helmRelease: { name: "api", namespace: "shop" },
    });
  });

  it("asks to name it in kopt.yaml when two Applications deploy the values", async () => {
    const r = repo({
      "clusters/prod/a.yaml": application("shop", "../../clusters/prod/values.yaml"),
      "clusters/prod/b.yaml": application("shop-canary", "../../clusters/prod/values.yaml"),
    });
    const err = await resolveGitOpsTarget(filesOnDisk(r.dir), r.config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KoptError);
    expect((err as KoptError).message).toBe(
      "clusters/prod/ declares more than one Argo CD Application: Application (no namespace)/shop (clusters/prod/a.yaml), Application (no namespace)/shop-canary (clusters/prod/b.yaml); kopt cannot tell which applies the values",
    );
    expect((err as KoptError).hint).toMatch(/^name it in clusters\/prod\/kopt.yaml, e.g. gitops:/);
  });

  it("asks to name it when both Argo CD and Flux objects are declared; undefined when neither is", async () => {
    const both = repo({
      "clusters/prod/app.yaml": application("shop", "../../clusters/prod/values.yaml"),
      "clusters/prod/ks.yaml": kustomization("apps", "./clusters/prod"),
    });
    await expect(resolveGitOpsTarget(filesOnDisk(both.dir), both.config)).rejects.toThrow(
      /more than one GitOps tool's object/,
    );
    const none = repo({ "clusters/prod/values.yaml": "api:\n  replicaCount: 2\n" });
    expect(await resolveGitOpsTarget(filesOnDisk(none.dir), none.config)).toBeUndefined();
  });
});
