// Which GitOps object applies a cluster's values files: named in kopt.yaml (`gitops`), or found among the
// manifests under clusters/<name>/ on the base branch (an Argo CD Application, a Flux Kustomization or
// HelmRelease), as the demo's argocd-application.yaml.
import { parseAllDocuments } from "yaml";
import { KoptError } from "../../errors.ts";
import type { GitOpsConfig } from "../../formats/config.ts";
import type { GitOpsTarget } from "../../model/verify.ts";
import type { Forge } from "../../propose/forge.ts";

export function targetFromConfig(g: GitOpsConfig): GitOpsTarget | undefined {
  if (g.argocd) return { tool: "argocd", name: g.argocd.application, namespace: g.argocd.namespace };
  if (!g.flux) return undefined;
  const f = g.flux;
  return {
    tool: "flux",
    ...(f.kustomization ? { kustomization: { name: f.kustomization, namespace: f.namespace } } : {}),
    ...(f.helmRelease
      ? { helmRelease: { name: f.helmRelease, namespace: f.helmReleaseNamespace ?? f.namespace } }
      : {}),
  };
}

interface Manifest {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}

/** The target kopt.yaml names, else the one manifest under clusters/<cluster>/ that is a GitOps object. */
export async function resolveGitOpsTarget(
  forge: Forge,
  cluster: string,
  gitops: GitOpsConfig | undefined,
): Promise<GitOpsTarget> {
  const named = gitops ? targetFromConfig(gitops) : undefined;
  if (named) return named;
  const found: GitOpsTarget[] = [];
  for (const path of await forge.listBase(`clusters/${cluster}/`)) {
    if (!/\.ya?ml$/.test(path)) continue;
    const text = (await forge.readBase(path)) ?? "";
    for (const doc of parseAllDocuments(text)) {
      const t = targetOf(doc.toJS() as Manifest | null);
      if (t) found.push(t);
    }
  }
  const flux = found.filter((t) => t.tool === "flux");
  const argo = found.filter((t) => t.tool === "argocd");
  if (argo.length === 1 && flux.length === 0) return argo[0] as GitOpsTarget;
  if (argo.length === 0 && flux.length > 0 && flux.length <= 2) return mergeFlux(flux);
  throw new KoptError(
    "config",
    found.length === 0
      ? `no Argo CD Application or Flux object found under clusters/${cluster}/`
      : `several GitOps objects under clusters/${cluster}/: kopt cannot tell which applies the values`,
    {
      hint: "name it in kopt.yaml: gitops: { argocd: { application: NAME, namespace: argocd } } or gitops: { flux: { kustomization: NAME } }",
    },
  );
}

function targetOf(m: Manifest | null): GitOpsTarget | undefined {
  if (!m || typeof m !== "object" || typeof m.apiVersion !== "string") return undefined;
  const name = m.metadata?.name;
  if (typeof name !== "string") return undefined;
  const ns = typeof m.metadata?.namespace === "string" ? m.metadata.namespace : undefined;
  if (m.apiVersion.startsWith("argoproj.io/") && m.kind === "Application") {
    return { tool: "argocd", name, namespace: ns ?? "argocd" };
  }
  if (m.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/") && m.kind === "Kustomization") {
    return { tool: "flux", kustomization: { name, namespace: ns ?? "flux-system" } };
  }
  if (m.apiVersion.startsWith("helm.toolkit.fluxcd.io/") && m.kind === "HelmRelease") {
    return { tool: "flux", helmRelease: { name, namespace: ns ?? "flux-system" } };
  }
  return undefined;
}

/** One Kustomization and/or one HelmRelease; two of a kind is ambiguous. */
function mergeFlux(flux: GitOpsTarget[]): GitOpsTarget {
  const out: Extract<GitOpsTarget, { tool: "flux" }> = { tool: "flux" };
  for (const t of flux) {
    if (t.tool !== "flux") continue;
    if ((t.kustomization && out.kustomization) || (t.helmRelease && out.helmRelease)) {
      throw new KoptError(
        "config",
        "several Flux objects of one kind: kopt cannot tell which applies the values",
        {
          hint: "name them in kopt.yaml: gitops: { flux: { kustomization: NAME, helmRelease: NAME } }",
        },
      );
    }
    Object.assign(out, t);
  }
  return out;
}
