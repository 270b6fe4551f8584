// `kopt merge --pr N`: merges a pull request at its current head, as the forge's merge button would. The
// forge refuses unless the required kopt/approval status on that head is success (branch protection on
// GitHub; the local forge checks the same). After it: `kopt after-merge` records the approvals in the PHR.
import type { PullRequest } from "../propose/forge.ts";
import { type ForgeTarget, openClusterForge } from "./review.ts";

export interface MergeOptions extends ForgeTarget {
  pr: number;
}

export interface MergeOutcome {
  pr: number;
  branch: string;
  baseBranch: string;
  headSha: string;
  merged: NonNullable<PullRequest["merged"]>;
}

export async function merge(opts: MergeOptions): Promise<MergeOutcome> {
  const forge = await openClusterForge(opts);
  const pr = await forge.pullRequest(opts.pr);
  const done = await forge.merge(pr.number, pr.headSha);
  const merged = done.merged ?? { at: "", by: null, sha: "" };
  return { pr: pr.number, branch: pr.branch, baseBranch: forge.baseBranch, headSha: pr.headSha, merged };
}
