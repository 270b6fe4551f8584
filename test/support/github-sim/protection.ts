// Branch protection: PUT stores what was sent (tests read it from state.branchProtection), GET
// renders it as GitHub does, and pulls/merge refuses what GitHub would refuse on a protected base:
// too few approvals, a required status that is missing or failing, a head behind a strict base.
import { GitHubError, notFound, notMergeable } from "./errors.ts";
import { isAncestor, resolveCommit } from "./git.ts";
import { baseSha, type Handler, type HandlerContext, ok, repoUrl } from "./handler.ts";
import * as render from "./render.ts";
import { findUser, type SimBranchProtection, type SimPull } from "./state.ts";

type Obj = Record<string, unknown>;
type Lists = { users: string[]; teams: string[]; apps: string[] };

async function branchOr404(c: HandlerContext, branch: string): Promise<void> {
  if (!(await resolveCommit(c.dir, `refs/heads/${branch}`))) throw notFound("Branch not found");
}

function lists(x: { users?: string[]; teams?: string[]; apps?: string[] } | undefined): Lists | undefined {
  return x ? { users: x.users ?? [], teams: x.teams ?? [], apps: x.apps ?? [] } : undefined;
}

function checkLists(c: HandlerContext, l: Lists | undefined | null): void {
  if (!l) return;
  const missing = [
    ...l.users.filter((u) => !findUser(c.state, u)).map((u) => `Could not find user ${u}`),
    ...l.teams.filter((t) => !c.state.teams.some((x) => x.slug === t)).map((t) => `Could not find team ${t}`),
  ];
  if (missing.length > 0) {
    throw new GitHubError(422, {
      message: "Validation Failed",
      documentation_url: "https://docs.github.com/rest/branches/branch-protection",
      errors: missing,
    });
  }
}

function listJson(c: HandlerContext, l: Lists, url: string): Obj {
  return {
    url,
    users_url: `${url}/users`,
    teams_url: `${url}/teams`,
    apps_url: `${url}/apps`,
    users: l.users.map((u) => render.user(c, findUser(c.state, u)?.login ?? u)),
    teams: l.teams.flatMap((slug) => {
      const t = c.state.teams.find((x) => x.slug === slug);
      return t ? [render.team(c, t)] : [];
    }),
    apps: l.apps.map((slug) => ({ slug, name: slug })),
  };
}

function protectionJson(c: HandlerContext, branch: string, p: SimBranchProtection): Obj {
  const url = `${repoUrl(c)}/branches/${encodeURIComponent(branch)}/protection`;
  const rsc = p.requiredStatusChecks;
  const rpr = p.requiredPullRequestReviews;
  const enabled = (v: boolean) => ({ enabled: v });
  return {
    url,
    ...(rsc
      ? {
          required_status_checks: {
            url: `${url}/required_status_checks`,
            strict: rsc.strict,
            contexts: rsc.contexts,
            checks: rsc.checks.map((x) => ({ context: x.context, app_id: x.appId })),
            contexts_url: `${url}/required_status_checks/contexts`,
          },
        }
      : {}),
    ...(rpr
      ? {
          required_pull_request_reviews: {
            url: `${url}/required_pull_request_reviews`,
            dismiss_stale_reviews: rpr.dismissStaleReviews,
            require_code_owner_reviews: rpr.requireCodeOwnerReviews,
            required_approving_review_count: rpr.requiredApprovingReviewCount,
            require_last_push_approval: rpr.requireLastPushApproval,
            ...(rpr.dismissalRestrictions
              ? {
                  dismissal_restrictions: listJson(
                    c,
                    rpr.dismissalRestrictions,
                    `${url}/dismissal_restrictions`,
                  ),
                }
              : {}),
            ...(rpr.bypassPullRequestAllowances
              ? {
                  bypass_pull_request_allowances: (({ users, teams, apps }) => ({ users, teams, apps }))(
                    listJson(c, rpr.bypassPullRequestAllowances, url),
                  ),
                }
              : {}),
          },
        }
      : {}),
    required_signatures: { url: `${url}/required_signatures`, enabled: false },
    enforce_admins: { url: `${url}/enforce_admins`, enabled: p.enforceAdmins },
    required_linear_history: enabled(p.requiredLinearHistory),
    allow_force_pushes: enabled(p.allowForcePushes),
    allow_deletions: enabled(p.allowDeletions),
    block_creations: enabled(p.blockCreations),
    required_conversation_resolution: enabled(p.requiredConversationResolution),
    lock_branch: enabled(p.lockBranch),
    allow_fork_syncing: enabled(p.allowForkSyncing),
    ...(p.restrictions ? { restrictions: listJson(c, p.restrictions, `${url}/restrictions`) } : {}),
  };
}

export const getProtection: Handler = async (c, call) => {
  const branch = call.params.branch as string;
  await branchOr404(c, branch);
  const p = c.state.branchProtection[branch];
  if (!p) throw notFound("Branch not protected");
  return ok(protectionJson(c, branch, p));
};

interface ProtectionBody {
  required_status_checks: {
    strict: boolean;
    contexts: string[];
    checks?: { context: string; app_id?: number }[];
  } | null;
  enforce_admins: boolean | null;
  required_pull_request_reviews: {
    dismissal_restrictions?: { users?: string[]; teams?: string[]; apps?: string[] };
    dismiss_stale_reviews?: boolean;
    require_code_owner_reviews?: boolean;
    required_approving_review_count?: number;
    require_last_push_approval?: boolean;
    bypass_pull_request_allowances?: { users?: string[]; teams?: string[]; apps?: string[] };
  } | null;
  restrictions: { users: string[]; teams: string[]; apps?: string[] } | null;
  required_linear_history?: boolean;
  allow_force_pushes?: boolean | null;
  allow_deletions?: boolean;
  block_creations?: boolean;
  required_conversation_resolution?: boolean;
  lock_branch?: boolean;
  allow_fork_syncing?: boolean;
}

export const updateProtection: Handler = async (c, call) => {
  const branch = call.params.branch as string;
  await branchOr404(c, branch);
  const b = call.body as ProtectionBody;
  const rsc = b.required_status_checks;
  const rpr = b.required_pull_request_reviews;
  const count = rpr?.required_approving_review_count ?? 1;
  if (count < 0 || count > 6) {
    throw new GitHubError(422, {
      message: "Invalid request.\n\nrequired_approving_review_count must be between 0 and 6.",
      documentation_url: "https://docs.github.com/rest/branches/branch-protection",
    });
  }
  const restrictions = lists(b.restrictions ?? undefined) ?? null;
  const dismissal = lists(rpr?.dismissal_restrictions);
  const bypass = lists(rpr?.bypass_pull_request_allowances);
  for (const l of [restrictions, dismissal, bypass]) checkLists(c, l);
  // `checks` supersedes the deprecated `contexts`; either way both are reported, as GitHub does.
  const checks = rsc?.checks
    ? rsc.checks.map((x) => ({ context: x.context, appId: x.app_id ?? null }))
    : (rsc?.contexts ?? []).map((context) => ({ context, appId: null }));
  const p: SimBranchProtection = {
    requiredStatusChecks: rsc ? { strict: rsc.strict, contexts: checks.map((x) => x.context), checks } : null,
    enforceAdmins: b.enforce_admins ?? false,
    requiredPullRequestReviews: rpr
      ? {
          dismissStaleReviews: rpr.dismiss_stale_reviews ?? false,
          requireCodeOwnerReviews: rpr.require_code_owner_reviews ?? false,
          requiredApprovingReviewCount: count,
          requireLastPushApproval: rpr.require_last_push_approval ?? false,
          ...(dismissal ? { dismissalRestrictions: dismissal } : {}),
          ...(bypass ? { bypassPullRequestAllowances: bypass } : {}),
        }
      : null,
    restrictions,
    requiredLinearHistory: b.required_linear_history ?? false,
    allowForcePushes: b.allow_force_pushes ?? false,
    allowDeletions: b.allow_deletions ?? false,
    blockCreations: b.block_creations ?? false,
    requiredConversationResolution: b.required_conversation_resolution ?? false,
    lockBranch: b.lock_branch ?? false,
    allowForkSyncing: b.allow_fork_syncing ?? false,
  };
  c.state.branchProtection[branch] = p;
  return ok(protectionJson(c, branch, p));
};

/** Throws GitHub's 405 when the base branch's protection does not allow merging `p` as `c.login`. */
export async function checkMergeAllowed(c: HandlerContext, p: SimPull): Promise<void> {
  const prot = c.state.branchProtection[p.base];
  if (!prot) return;
  // Admins bypass protection unless it is enforced for them too.
  if (findUser(c.state, c.login)?.admin && !prot.enforceAdmins) return;
  const rpr = prot.requiredPullRequestReviews;
  if (rpr && rpr.requiredApprovingReviewCount > 0) {
    // Each reviewer's latest approving or blocking review counts; stale ones not when they are dismissed.
    const latest = new Map<string, string>();
    for (const r of c.state.reviews) {
      if (r.pullNumber !== p.number || r.state === "COMMENTED") continue;
      if (rpr.dismissStaleReviews && r.commitId !== p.headSha) continue;
      latest.set(r.user.toLowerCase(), r.state);
    }
    const approvals = [...latest.values()].filter((s) => s === "APPROVED").length;
    const n = rpr.requiredApprovingReviewCount;
    if (approvals < n) {
      throw notMergeable(
        `At least ${n} approving review${n === 1 ? " is" : "s are"} required by reviewers with write access.`,
      );
    }
  }
  const rsc = prot.requiredStatusChecks;
  if (!rsc) return;
  const unmet = rsc.contexts.flatMap((context) => {
    const s = c.state.statuses.filter((x) => x.sha === p.headSha && x.context === context).at(-1);
    return s?.state === "success"
      ? []
      : [{ context, failing: s?.state === "failure" || s?.state === "error" }];
  });
  const [first] = unmet;
  if (first && unmet.length === 1) {
    throw notMergeable(
      `Required status check "${first.context}" is ${first.failing ? "failing" : "expected"}.`,
    );
  }
  if (first) {
    throw notMergeable(`${unmet.length} of ${rsc.contexts.length} required status checks are expected.`);
  }
  if (rsc.strict && !(await isAncestor(c.dir, await baseSha(c, p), p.headSha))) {
    throw notMergeable("Head branch is not up to date with the base branch");
  }
}
