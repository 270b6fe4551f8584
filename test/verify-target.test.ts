// Which GitOps object `kopt verify` asks: the one kopt.yaml names, else the one manifest under
// clusters/<name>/ that is an Argo CD Application or Flux objects; several or none is a config error.
import { describe, expect, it } from "vitest";
import { ClusterConfigSchema } from "../src/formats/config.ts";
import type { Forge } from "../src/propose/forge.ts";
import { resolveGitOpsTarget } from "../src/workflows/verify/target.ts";

/** The two reads target resolution makes, over files in memory. */
function filesForge(files: Record<string, string>): Forge {
  return {
    listBase: async (dir: string) => Object.keys(files).filter((f) => f.startsWith(dir)),
    readBase: async (path: string) => files[path],
  } as unknown as Forge;
}

const gitops = (raw: unknown) => ClusterConfigSchema.shape.gitops.parse(raw);

const ARGO =
  "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n  namespace: argo\n";
const KUST =
  "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n";
const HR =
  "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: todo\n  namespace: todo\n";

describe("resolveGitOpsTarget", () => {
  it("takes kopt.yaml's gitops first", async () => {
    const forge = filesForge({ "clusters/c/app.yaml": ARGO });
    expect(await resolveGitOpsTarget(forge, "c", gitops({ argocd: { application: "todo" } }))).toEqual({
      tool: "argocd",
      name: "todo",
      namespace: "argocd",
    });
    const flux = gitops({
      flux: { kustomization: "apps", helmRelease: "todo", helmReleaseNamespace: "todo" },
    });
    expect(await resolveGitOpsTarget(forge, "c", flux)).toEqual({
      tool: "flux",
      kustomization: { name: "apps", namespace: "flux-system" },
      helmRelease: { name: "todo", namespace: "todo" },
    });
  });

  it("finds an Argo CD Application, or Flux objects, among the cluster's manifests", async () => {
    const argo = filesForge({ "clusters/c/values.yaml": "a: 1\n", "clusters/c/app.yaml": ARGO });
    expect(await resolveGitOpsTarget(argo, "c", undefined)).toEqual({
      tool: "argocd",
      name: "shop",
      namespace: "argo",
    });
    const flux = filesForge({ "clusters/c/flux.yaml": `${KUST}---\n${HR}`, "clusters/d/app.yaml": ARGO });
    expect(await resolveGitOpsTarget(flux, "c", undefined)).toEqual({
      tool: "flux",
      kustomization: { name: "apps", namespace: "flux-system" },
      helmRelease: { name: "todo", namespace: "todo" },
    });
  });

  it("refuses none, or several, naming the kopt.yaml setting that settles it", async () => {
    await expect(resolveGitOpsTarget(filesForge({}), "c", undefined)).rejects.toThrow(
      /no Argo CD Application or Flux object found under clusters\/c\//,
    );
    const two = filesForge({ "clusters/c/a.yaml": ARGO, "clusters/c/b.yaml": ARGO.replace("shop", "web") });
    await expect(resolveGitOpsTarget(two, "c", undefined)).rejects.toMatchObject({
      message: expect.stringContaining("several GitOps objects"),
      hint: expect.stringContaining("gitops: { argocd:"),
    });
  });
});
