// Which GitOps object `kopt verify` asks: the one kopt.yaml names, else the one manifest under
// clusters/<name>/ that is an Argo CD Application or Flux objects; several or none is a config error.
import { describe, expect, it } from "vitest";
import { ClusterConfigSchema } from "../src/formats/config.ts";
import type { Forge } from "../src/propose/forge.ts";
import { verifyTarget } from "../src/workflows/verify/target.ts";

/** The reads target resolution makes of the base branch, over files in memory. */
function filesForge(files: Record<string, string>): Pick<Forge, "listBase" | "readBase" | "baseBranch"> {
  return {
    baseBranch: "main",
    listBase: async (dir: string) => Object.keys(files).filter((f) => f.startsWith(dir)),
    readBase: async (path: string) => files[path],
  };
}

const config = (gitops?: unknown) =>
  ClusterConfigSchema.parse({
    apiVersion: "kopt.dev/v1alpha1",
    kind: "ClusterConfig",
    cluster: "c",
    source: { snapshot: "s.json" },
    ...(gitops ? { gitops } : {}),
  });

const ARGO =
  "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n  namespace: argo\n";
const KUST =
  "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n";
const HR =
  "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: todo\n  namespace: todo\n";

describe("verifyTarget", () => {
  it("takes kopt.yaml's gitops first", async () => {
    const forge = filesForge({ "clusters/c/app.yaml": ARGO });
    expect(await verifyTarget(forge, config({ argocd: { application: "todo" } }))).toEqual({
      tool: "argocd",
      name: "todo",
      namespace: "argocd",
    });
    const flux = {
      flux: { kustomization: "apps", helmRelease: "todo", helmReleaseNamespace: "todo" },
    };
    expect(await verifyTarget(forge, config(flux))).toEqual({
      tool: "flux",
      kustomization: { name: "apps", namespace: "flux-system" },
      helmRelease: { name: "todo", namespace: "todo" },
    });
  });

  it("finds an Argo CD Application, or Flux objects, among the cluster's manifests", async () => {
    const argo = filesForge({ "clusters/c/values.yaml": "a: 1\n", "clusters/c/app.yaml": ARGO });
    expect(await verifyTarget(argo, config())).toEqual({
      tool: "argocd",
      name: "shop",
      namespace: "argo",
    });
    const flux = filesForge({ "clusters/c/flux.yaml": `${KUST}---\n${HR}`, "clusters/d/app.yaml": ARGO });
    expect(await verifyTarget(flux, config())).toEqual({
      tool: "flux",
      kustomization: { name: "apps", namespace: "flux-system" },
      helmRelease: { name: "todo", namespace: "todo" },
    });
  });

  it("refuses none, or several, naming the kopt.yaml setting that settles it", async () => {
    await expect(verifyTarget(filesForge({}), config())).rejects.toThrow(
      /no Argo CD Application or Flux object found under clusters\/c\/ on main/,
    );
    const two = filesForge({ "clusters/c/a.yaml": ARGO, "clusters/c/b.yaml": ARGO.replace("shop", "web") });
    await expect(verifyTarget(two, config())).rejects.toMatchObject({
      message: expect.stringContaining("more than one Argo CD Application"),
      hint: expect.stringContaining("gitops: { argocd:"),
    });
  });
});
