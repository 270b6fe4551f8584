// The revert of a regressed change: `kopt rollback` with a regression title, lead and label, built on the
// base that already holds the `regressed` PHR. revert-and-merge also passes the gate and merges it when the
// original's tier allows (not critical). Reruns find rollback's branch and converge on one pull request.
import type { LoadedConfig } from "../../config/load.ts";
import type { PhrFrontMatter } from "../../formats/phr.ts";
import type { VerifyPolicy } from "../../model/verify.ts";
import type { Forge } from "../../propose/forge.ts";
import { REGRESSION_LABEL } from "../../propose/labels.ts";
import { APPROVAL_CONTEXT } from "../gate.ts";
import { ROLLBACK_MARKER, rollback, rollbackIdOf } from "../rollback.ts";
import { type OutcomeView, regressionLead, regressionTitle } from "./report.ts";

export { REGRESSION_LABEL };

/** The branch rollback opens for a PHR: recorded in the PHR before the revert exists. */
export const REVERT_BRANCH = (front: PhrFrontMatter) => `kopt/${front.cluster}/rollback/${front.id}`;

/** The revert of a critical change under revert-and-merge: kopt opens it, a person merges it. */
const WAITS_FOR_A_PERSON =
  "> [!IMPORTANT]\n> kopt does not merge this revert itself: `verify.onRegression` is `revert-and-merge`, but the change's tier is critical. Merge it once you have reviewed it.\n\n";

export interface RevertResult {
  branch: string;
  pullRequest?: number;
  status: string;
  location: string;
  merged: boolean;
}

export interface RevertContext {
  repoDir: string;
  cluster: string;
  forgeType?: "local" | "github";
  env?: NodeJS.ProcessEnv;
  now: Date;
  policy: VerifyPolicy;
  /** verify's config: the agent's repository directory has no checkout to read kopt.yaml from. */
  loaded?: LoadedConfig;
  warnings: string[];
  /** Opens the forge again after the revert exists (revert-and-merge). */
  forge: () => Promise<Forge>;
}

/** Opens (or finds) the revert of the regressed change whose PHR (`path` on the base) `view` describes. */
export async function openRevert(ctx: RevertContext, path: string, view: OutcomeView): Promise<RevertResult> {
  const { front } = view;
  // Said in the revert's body too: the agent's verify logs no warnings, and the person must know to merge it.
  const waitsForPerson = ctx.policy.onRegression === "revert-and-merge" && front.tier === "critical";
  const rb = await rollback({
    repoDir: ctx.repoDir,
    // The path, not the id: every change of the workload and kind has the id.
    target: path,
    cluster: ctx.cluster,
    ...(ctx.forgeType ? { forge: ctx.forgeType } : {}),
    ...(ctx.env ? { env: ctx.env } : {}),
    now: ctx.now,
    ...(ctx.loaded ? { loaded: ctx.loaded } : {}),
    regression: {
      title: regressionTitle(front.merge?.pullRequest, view.reasons),
      lead: `${waitsForPerson ? WAITS_FOR_A_PERSON : ""}${regressionLead(view)}`,
      labels: [REGRESSION_LABEL],
    },
  });
  ctx.warnings.push(...rb.warnings);
  const result: RevertResult = {
    branch: rb.rollback.branch,
    ...(rb.rollback.pullNumber ? { pullRequest: rb.rollback.pullNumber } : {}),
    status: rb.rollback.status,
    location: rb.rollback.location,
    merged: false,
  };
  if (ctx.policy.onRegression !== "revert-and-merge") return result;
  if (waitsForPerson) {
    ctx.warnings.push(
      `${front.id}: verify.onRegression is revert-and-merge, but the change's tier is critical: the revert waits for a person`,
    );
    return result;
  }
  return { ...result, merged: await mergeRevert(ctx, result, rb.rollback.commit) };
}

/**
 * Whether a person closed the revert without merging it: rollback commented on the original pull request
 * (so the revert's pull request existed) and none is open on its branch now. kopt then leaves it closed.
 */
export async function revertClosed(forge: Forge, front: PhrFrontMatter): Promise<boolean> {
  const pull = front.merge?.pullRequest;
  if (pull === undefined) return false;
  if (!(await forge.hasComment(pull, ROLLBACK_MARKER(rollbackIdOf(front.id)), true))) return false;
  const branch = REVERT_BRANCH(front);
  return !(await forge.openPullRequests(branch)).some((p) => p.branch === branch);
}

/** As landRecord merges its record: the approval status set by kopt, then the merge; a refusal is a warning. */
async function mergeRevert(ctx: RevertContext, r: RevertResult, sha: string | null): Promise<boolean> {
  if (r.pullRequest === undefined || !sha) return false;
  const forge = await ctx.forge();
  try {
    await forge.setStatus(sha, APPROVAL_CONTEXT, {
      state: "success",
      description: "regression revert: merged by kopt verify (verify.onRegression: revert-and-merge)",
      targetUrl: r.location,
    });
    await forge.merge(r.pullRequest, sha);
    return true;
  } catch (e) {
    ctx.warnings.push(
      `the revert pull request #${r.pullRequest} is open: kopt could not merge it (${(e as Error).message}); merge it by hand`,
    );
    return false;
  }
}
