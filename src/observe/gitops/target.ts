// Which GitOps object deploys a cluster's values files: kopt.yaml's `gitops` section when it names one, else
// the Argo CD Application or Flux objects declared under clusters/<name>/ (an Application or HelmRelease that
// hands Helm a mapped values file; the Kustomization whose path holds that HelmRelease, or the cluster dir).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { KoptError } from "../../errors.ts";
import type { ClusterConfig } from "../../formats/config.ts";
import type { GitOpsTarget } from "../../model/verify.ts";
import { type GitOpsManifest, gitOpsManifestsIn } from "../../propose/gitops-apps.ts";

/** Argo CD's own namespace, where Applications live unless apps-in-any-namespace is on. */
const ARGOCD_NAMESPACE = "argocd";
const FLUX_NAMESPACE = "flux-system";

/** The target kopt.yaml's `gitops` section names; undefined without one. */
export function configuredTarget(config: ClusterConfig): GitOpsTarget | undefined {
  const g = config.gitops;
  if (g?.argocd) return { tool: "argocd", name: g.argocd.application, namespace: g.argocd.namespace };
  if (!g?.flux) return undefined;
  const f = g.flux;
  return {
    tool: "flux",
    ...(f.kustomization ? { kustomization: { name: f.kustomization, namespace: f.namespace } } : {}),
    ...(f.helmRelease
      ? { helmRelease: { name: f.helmRelease, namespace: f.helmReleaseNamespace ?? f.namespace } }
      : {}),
  };
}

/** Where the manifests are read: the base branch (verify reads it through the forge) or a directory on disk. */
export interface ManifestFiles {
  /** Paths (relative to the repository root) of the files under `dir`, recursively. */
  list(dir: string): Promise<string[]>;
  read(path: string): Promise<string | undefined>;
}

/** The files of a repository's working tree. */
export function filesOnDisk(root: string): ManifestFiles {
  const list = async (dir: string): Promise<string[]> => {
    const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
    const out: string[] = [];
    for (const e of entries) {
      const rel = `${dir.replace(/\/$/, "")}/${e.name}`;
      if (e.isDirectory()) out.push(...(await list(rel)));
      else out.push(rel);
    }
    return out;
  };
  return { list, read: (path) => readFile(join(root, path), "utf8").catch(() => undefined) };
}

/** Objects that hand Helm a mapped values file; all of that kind when none names one. */
function deploying(all: readonly GitOpsManifest[], mapped: ReadonlySet<string>): GitOpsManifest[] {
  const hit = all.filter((m) => m.valuesFiles.some((f) => mapped.has(f)));
  return hit.length > 0 ? hit : [...all];
}

function ambiguous(config: ClusterConfig, what: string, found: readonly GitOpsManifest[]): KoptError {
  const list = found.map((m) => `${m.kind} ${m.namespace ?? "(no namespace)"}/${m.name} (${m.file})`);
  return new KoptError(
    "config",
    `clusters/${config.cluster}/ declares more than one ${what}: ${list.join(", ")}; kopt cannot tell which applies the values`,
    {
      hint: `name it in clusters/${config.cluster}/kopt.yaml, e.g. gitops: { argocd: { application: NAME, namespace: argocd } } or gitops: { flux: { kustomization: NAME, helmRelease: NAME, namespace: flux-system } }`,
    },
  );
}

/** The Kustomization whose spec.path holds `file` most closely (or the cluster's directory). */
function kustomizationFor(
  config: ClusterConfig,
  kustomizations: readonly GitOpsManifest[],
  file: string,
): GitOpsManifest | undefined {
  const holds = kustomizations.filter(
    (k) => k.path === "" || file === k.path || file.startsWith(`${k.path}/`),
  );
  const depth = (k: GitOpsManifest) => (k.path === "" ? 0 : (k.path ?? "").split("/").length);
  const deepest = Math.max(...holds.map(depth));
  const best = holds.filter((k) => depth(k) === deepest);
  if (best.length > 1) throw ambiguous(config, "Flux Kustomization", best);
  return best[0];
}

/** The GitOps object for the cluster: configured, else found under clusters/<name>/; undefined: none. */
export async function resolveGitOpsTarget(
  files: ManifestFiles,
  config: ClusterConfig,
): Promise<GitOpsTarget | undefined> {
  const configured = configuredTarget(config);
  if (configured) return configured;
  const dir = `clusters/${config.cluster}`;
  const manifests: GitOpsManifest[] = [];
  const yaml = (await files.list(`${dir}/`)).filter((f) => /\.ya?ml$/.test(f) && !f.endsWith("/kopt.yaml"));
  for (const file of yaml.sort()) {
    const text = await files.read(file);
    if (text !== undefined) manifests.push(...gitOpsManifestsIn(file, text));
  }
  const mapped = new Set(config.workloads.map((w) => w.valuesFile));
  const of = (kind: GitOpsManifest["kind"]) => manifests.filter((m) => m.kind === kind);
  const apps = deploying(of("Application"), mapped);
  const releases = deploying(of("HelmRelease"), mapped);
  const kustomizations = of("Kustomization");
  if (apps.length > 0 && (releases.length > 0 || kustomizations.length > 0))
    throw ambiguous(config, "GitOps tool's object", [...apps, ...releases, ...kustomizations]);
  if (apps.length > 1) throw ambiguous(config, "Argo CD Application", apps);
  const app = apps[0];
  if (app) return { tool: "argocd", name: app.name, namespace: app.namespace ?? ARGOCD_NAMESPACE };
  if (releases.length > 1) throw ambiguous(config, "Flux HelmRelease", releases);
  const release = releases[0];
  const ks = kustomizationFor(config, kustomizations, release?.file ?? `${dir}/`);
  if (!release && !ks) return undefined;
  return {
    tool: "flux",
    ...(ks ? { kustomization: { name: ks.name, namespace: ks.namespace ?? FLUX_NAMESPACE } } : {}),
    // A HelmRelease without a namespace lands in its Kustomization's target namespace, unknown here.
    ...(release
      ? { helmRelease: { name: release.name, namespace: release.namespace ?? FLUX_NAMESPACE } }
      : {}),
  };
}
