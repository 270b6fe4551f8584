// Which GitOps object `kopt verify` asks: the one kopt.yaml names, else the one found among the manifests
// under clusters/<name>/ on the base branch (src/observe/gitops/target.ts); none is a config error here,
// since verify cannot tell an apply without it.
import { KoptError } from "../../errors.ts";
import type { ClusterConfig } from "../../formats/config.ts";
import type { GitOpsTarget } from "../../model/verify.ts";
import { resolveGitOpsTarget } from "../../observe/gitops/target.ts";
import type { Forge } from "../../propose/forge.ts";

export async function verifyTarget(
  forge: Pick<Forge, "listBase" | "readBase" | "baseBranch">,
  config: ClusterConfig,
): Promise<GitOpsTarget> {
  const files = { list: (dir: string) => forge.listBase(dir), read: (path: string) => forge.readBase(path) };
  const target = await resolveGitOpsTarget(files, config);
  if (target) return target;
  throw new KoptError(
    "config",
    `no Argo CD Application or Flux object found under clusters/${config.cluster}/ on ${forge.baseBranch}`,
    {
      hint: "name it in kopt.yaml: gitops: { argocd: { application: NAME, namespace: argocd } } or gitops: { flux: { kustomization: NAME } }",
    },
  );
}
