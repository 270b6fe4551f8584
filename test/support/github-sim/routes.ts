// What each simulated operation does, keyed by GitHub's operationId. Requests reach these only after
// they passed validation against GitHub's description; the behaviours mirror GitHub's (including its
// refusals: a duplicate pull request, a stale merge SHA, a reviewer who is not a collaborator).

import { createInstallationToken, getAuthenticatedApp } from "./app-auth.ts";
import { getContent } from "./content.ts";
import { conflict, notFound, notMergeable, unprocessable, validationFailed } from "./errors.ts";
import {
  commitsBetween,
  commitTree,
  deleteRef,
  type GitIdentity,
  git,
  listRefs,
  mergeTree,
  objectExists,
  resolveCommit,
  updateRef,
} from "./git.ts";
import {
  baseSha,
  created,
  ensureLabel,
  type Handler,
  type HandlerContext,
  issueOr404,
  labelNames,
  ok,
  pageOf,
  paginate,
  pullOr404,
  refresh,
  simplePull,
  timestamp,
} from "./handler.ts";
import { ISSUE_HANDLERS } from "./issues.ts";
import { checkMergeAllowed, getProtection, updateProtection } from "./protection.ts";
import { changeTotals, listCommits, listFiles, pullsForCommit } from "./pull-changes.ts";
import * as render from "./render.ts";
import {
  findLabel,
  findUser,
  newId,
  type SimComment,
  type SimIssueEvent,
  type SimLabel,
  type SimPull,
  type SimStatus,
} from "./state.ts";
import { getTeamMembership, listTeamMembers } from "./teams.ts";

// ---------------------------------------------------------------------------------------------------------
// pull requests

async function fullPull(c: HandlerContext, p: SimPull): Promise<unknown> {
  await refresh(c, p);
  const base = await baseSha(c, p);
  const open = p.state === "open";
  const mergeable = open && base ? (await mergeTree(c.dir, base, p.headSha)) !== undefined : null;
  const compared = p.baseShaAtMerge ?? base;
  const commits = compared ? (await commitsBetween(c.dir, compared, p.headSha)).length : 0;
  return render.pull(c, p, base, { mergeable, commits, ...(await changeTotals(c, p)) });
}

/** "owner:branch" or "branch" -> the branch, when the owner is this repository's. */
function headBranch(c: HandlerContext, head: string): string | undefined {
  const i = head.indexOf(":");
  if (i < 0) return head;
  return head.slice(0, i).toLowerCase() === c.state.owner.toLowerCase() ? head.slice(i + 1) : undefined;
}

const listPulls: Handler = async (c, call) => {
  const q = call.query;
  const state = q.state ?? "open";
  let pulls = c.state.pulls.filter((p) => state === "all" || p.state === state);
  // GitHub silently ignores a `head` without the "owner:" prefix (a classic way to find the wrong PR).
  if (q.head?.includes(":")) {
    const branch = headBranch(c, q.head);
    pulls = pulls.filter((p) => p.head === branch);
  }
  if (q.base) pulls = pulls.filter((p) => p.base === q.base);
  const sort = q.sort ?? "created";
  const direction = q.direction ?? (sort === "created" ? "desc" : "asc");
  const key = (p: SimPull) =>
    (sort === "updated" ? p.updatedAt : p.createdAt) + String(p.number).padStart(9, "0");
  pulls = [...pulls].sort((a, b) => key(a).localeCompare(key(b)));
  if (direction === "desc") pulls.reverse();
  const page = paginate(call, pulls);
  const items = [];
  for (const p of page.items) items.push(await simplePull(c, p));
  return ok(items, page.headers);
};

const createPull: Handler = async (c, call) => {
  const b = call.body as { title?: string; head: string; base: string; body?: string; draft?: boolean };
  if (b.title === undefined)
    throw validationFailed({ resource: "PullRequest", field: "title", code: "missing_field" });
  const head = headBranch(c, b.head);
  const headSha = head && (await resolveCommit(c.dir, `refs/heads/${head}`));
  if (!head || !headSha) throw validationFailed({ resource: "PullRequest", field: "head", code: "invalid" });
  const baseCommit = await resolveCommit(c.dir, `refs/heads/${b.base}`);
  if (!baseCommit) throw validationFailed({ resource: "PullRequest", field: "base", code: "invalid" });
  if ((await commitsBetween(c.dir, baseCommit, headSha)).length === 0) {
    throw validationFailed({
      resource: "PullRequest",
      code: "custom",
      message: `No commits between ${b.base} and ${head}`,
    });
  }
  // Checked after the last await, so two concurrent creates cannot both pass (GitHub refuses the second).
  if (c.state.pulls.some((p) => p.state === "open" && p.head === head && p.base === b.base)) {
    throw validationFailed({
      resource: "PullRequest",
      code: "custom",
      message: `A pull request already exists for ${c.state.owner}:${head}.`,
    });
  }
  const now = timestamp(c);
  const p: SimPull = {
    number: c.state.nextNumber++,
    id: newId(c.state),
    title: b.title,
    body: b.body ?? null,
    state: "open",
    draft: b.draft ?? false,
    user: c.login,
    head,
    headSha,
    base: b.base,
    labels: [],
    requestedReviewers: [],
    requestedTeams: [],
    maintainerCanModify: false,
    merged: false,
    mergeCommitSha: null,
    mergedBy: null,
    mergedAt: null,
    closedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  c.state.pulls.push(p);
  return created(await fullPull(c, p), `${c.api}/repos/${c.state.owner}/${c.state.repo}/pulls/${p.number}`);
};

const updatePull: Handler = async (c, call) => {
  const p = await refresh(c, pullOr404(c, call.params.pull_number as string));
  const b = call.body as { title?: string; body?: string; state?: "open" | "closed"; base?: string };
  if (b.base !== undefined && !(await resolveCommit(c.dir, `refs/heads/${b.base}`))) {
    throw validationFailed({ resource: "PullRequest", field: "base", code: "invalid" });
  }
  if (b.state === "open" && p.state === "closed") {
    if (p.merged) throw unprocessable("Cannot reopen a merged pull request");
    if (
      c.state.pulls.some(
        (x) => x !== p && x.state === "open" && x.head === p.head && x.base === (b.base ?? p.base),
      )
    ) {
      throw validationFailed({
        resource: "PullRequest",
        code: "custom",
        message: `A pull request already exists for ${c.state.owner}:${p.head}.`,
      });
    }
  }
  const now = timestamp(c);
  if (b.title !== undefined) p.title = b.title;
  if (b.body !== undefined) p.body = b.body;
  if (b.base !== undefined) p.base = b.base;
  if (b.state !== undefined && b.state !== p.state) {
    p.state = b.state;
    p.closedAt = b.state === "closed" ? now : null;
    p.closedBy = b.state === "closed" ? c.login : null;
  }
  p.updatedAt = now;
  return ok(await fullPull(c, p));
};

function identity(c: HandlerContext, login: string): GitIdentity {
  const u = findUser(c.state, login);
  return { name: login, email: `${u?.id ?? 0}+${login}@users.noreply.github.com`, date: c.now() };
}

const mergePull: Handler = async (c, call) => {
  const p = await refresh(c, pullOr404(c, call.params.pull_number as string));
  const b = (call.body ?? {}) as {
    commit_title?: string;
    commit_message?: string;
    sha?: string;
    merge_method?: string;
  };
  if (p.state !== "open") throw notMergeable("Pull Request is not mergeable");
  if (b.sha !== undefined && b.sha !== p.headSha) {
    throw conflict("Head branch was modified. Review and try the merge again.");
  }
  const method = b.merge_method ?? "merge";
  if (method === "rebase") throw notMergeable("Rebase merges are not allowed on this repository.");
  await checkMergeAllowed(c, p);
  const base = await baseSha(c, p);
  const tree = await mergeTree(c.dir, base, p.headSha);
  if (!tree) throw notMergeable("Merge conflict");
  const title =
    b.commit_title ??
    (method === "squash"
      ? `${p.title} (#${p.number})`
      : `Merge pull request #${p.number} from ${c.state.owner}/${p.head}`);
  const message = b.commit_message ?? (method === "squash" ? "" : p.title);
  const committer = { name: "GitHub", email: "noreply@github.com", date: c.now() };
  const sha = await commitTree(
    c.dir,
    tree,
    method === "squash" ? [base] : [base, p.headSha],
    message ? `${title}\n\n${message}\n` : `${title}\n`,
    identity(c, c.login),
    committer,
  );
  await updateRef(c.dir, `refs/heads/${p.base}`, sha, base);
  const now = timestamp(c);
  Object.assign(p, {
    state: "closed",
    merged: true,
    mergeCommitSha: sha,
    baseShaAtMerge: base,
    mergedBy: c.login,
    mergedAt: now,
    closedAt: now,
    updatedAt: now,
  });
  return ok({ sha, merged: true, message: "Pull Request successfully merged" });
};

const requestReviewers: Handler = async (c, call) => {
  const p = await refresh(c, pullOr404(c, call.params.pull_number as string));
  const b = call.body as { reviewers?: string[]; team_reviewers?: string[] };
  const users = b.reviewers ?? [];
  const teams = b.team_reviewers ?? [];
  if (users.some((u) => u.toLowerCase() === p.user.toLowerCase())) {
    throw unprocessable("Review cannot be requested from pull request author.");
  }
  if (
    users.some((u) => !findUser(c.state, u)) ||
    teams.some((t) => !c.state.teams.some((x) => x.slug === t))
  ) {
    throw unprocessable(
      `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${c.state.owner}/${c.state.repo} repository.`,
    );
  }
  for (const u of users) {
    const login = findUser(c.state, u)?.login as string;
    if (p.requestedReviewers.includes(login)) continue;
    p.requestedReviewers.push(login);
    reviewEvent(c, p, "review_requested", { user: login });
  }
  for (const t of teams) {
    if (p.requestedTeams.includes(t)) continue;
    p.requestedTeams.push(t);
    reviewEvent(c, p, "review_requested", { team: t });
  }
  p.updatedAt = timestamp(c);
  return { status: 201, body: await simplePull(c, p) };
};

/** Records who asked (or stopped asking) whom for a review, as GitHub's issue events do. */
function reviewEvent(
  c: HandlerContext,
  p: SimPull,
  event: SimIssueEvent["event"],
  reviewer: SimIssueEvent["reviewer"],
): void {
  c.state.events.push({
    id: newId(c.state),
    issueNumber: p.number,
    event,
    actor: c.login,
    reviewer,
    createdAt: timestamp(c),
  });
}

const removeRequestedReviewers: Handler = async (c, call) => {
  const p = await refresh(c, pullOr404(c, call.params.pull_number as string));
  const b = call.body as { reviewers: string[]; team_reviewers?: string[] };
  for (const u of b.reviewers) {
    const login = p.requestedReviewers.find((x) => x.toLowerCase() === u.toLowerCase());
    if (!login) continue;
    p.requestedReviewers = p.requestedReviewers.filter((x) => x !== login);
    reviewEvent(c, p, "review_request_removed", { user: login });
  }
  for (const t of b.team_reviewers ?? []) {
    if (!p.requestedTeams.includes(t)) continue;
    p.requestedTeams = p.requestedTeams.filter((x) => x !== t);
    reviewEvent(c, p, "review_request_removed", { team: t });
  }
  p.updatedAt = timestamp(c);
  return ok(await simplePull(c, p));
};

const listIssueEvents: Handler = async (c, call) => {
  const p = issueOr404(c, call.params.issue_number as string);
  return pageOf(
    call,
    c.state.events.filter((e) => e.issueNumber === p.number),
    (e) => render.issueEvent(c, e),
  );
};

const listRequestedReviewers: Handler = async (c, call) => {
  const p = pullOr404(c, call.params.pull_number as string);
  return ok({
    users: p.requestedReviewers.map((u) => render.user(c, u)),
    teams: p.requestedTeams.flatMap((slug) => {
      const t = c.state.teams.find((x) => x.slug === slug);
      return t ? [render.team(c, t)] : [];
    }),
  });
};

const listReviews: Handler = async (c, call) => {
  const p = pullOr404(c, call.params.pull_number as string);
  return pageOf(
    call,
    c.state.reviews.filter((r) => r.pullNumber === p.number),
    (r) => render.review(c, r),
  );
};

// ---------------------------------------------------------------------------------------------------------
// labels and comments (pull requests are issues)

const labelJson = (c: HandlerContext) => (l: SimLabel) => render.label(c, l);

function issueLabels(c: HandlerContext, p: { labels: string[] }): unknown[] {
  return p.labels.flatMap((n) => {
    const l = findLabel(c.state, n);
    return l ? [render.label(c, l)] : [];
  });
}

const listLabels: Handler = async (c, call) => pageOf(call, c.state.labels, labelJson(c));

const getLabel: Handler = async (c, call) => {
  const l = findLabel(c.state, call.params.name as string);
  if (!l) throw notFound();
  return ok(render.label(c, l));
};

const HEX = /^[0-9a-fA-F]{6}$/;

const createLabel: Handler = async (c, call) => {
  const b = call.body as { name: string; color?: string; description?: string };
  if (findLabel(c.state, b.name))
    throw validationFailed({ resource: "Label", code: "already_exists", field: "name" });
  if (b.color !== undefined && !HEX.test(b.color))
    throw validationFailed({ resource: "Label", code: "invalid", field: "color" });
  if ((b.description ?? "").length > 100)
    throw validationFailed({ resource: "Label", code: "invalid", field: "description" });
  const l: SimLabel = {
    id: newId(c.state),
    name: b.name,
    color: (b.color ?? "ededed").toLowerCase(),
    description: b.description ?? null,
    default: false,
  };
  c.state.labels.push(l);
  return created(
    render.label(c, l),
    `${c.api}/repos/${c.state.owner}/${c.state.repo}/labels/${encodeURIComponent(l.name)}`,
  );
};

const updateLabel: Handler = async (c, call) => {
  const l = findLabel(c.state, call.params.name as string);
  if (!l) throw notFound();
  const b = call.body as { new_name?: string; color?: string; description?: string };
  if (b.color !== undefined && !HEX.test(b.color))
    throw validationFailed({ resource: "Label", code: "invalid", field: "color" });
  if (b.new_name !== undefined) l.name = b.new_name;
  if (b.color !== undefined) l.color = b.color.toLowerCase();
  if (b.description !== undefined) l.description = b.description;
  return ok(render.label(c, l));
};

const listIssueLabels: Handler = async (c, call) => {
  const p = issueOr404(c, call.params.issue_number as string);
  return ok(issueLabels(c, p));
};

const addIssueLabels: Handler = async (c, call) => {
  const p = issueOr404(c, call.params.issue_number as string);
  for (const name of labelNames(call.body)) {
    const l = ensureLabel(c, name);
    if (!p.labels.some((x) => x.toLowerCase() === l.name.toLowerCase())) p.labels.push(l.name);
  }
  p.updatedAt = timestamp(c);
  return ok(issueLabels(c, p));
};

const setIssueLabels: Handler = async (c, call) => {
  const p = issueOr404(c, call.params.issue_number as string);
  p.labels = [...new Set(labelNames(call.body).map((n) => ensureLabel(c, n).name))];
  p.updatedAt = timestamp(c);
  return ok(issueLabels(c, p));
};

const removeIssueLabel: Handler = async (c, call) => {
  const p = issueOr404(c, call.params.issue_number as string);
  const name = (call.params.name as string).toLowerCase();
  if (!p.labels.some((l) => l.toLowerCase() === name)) throw notFound("Label does not exist");
  p.labels = p.labels.filter((l) => l.toLowerCase() !== name);
  p.updatedAt = timestamp(c);
  return ok(issueLabels(c, p));
};

const createComment: Handler = async (c, call) => {
  const p = issueOr404(c, call.params.issue_number as string);
  const now = timestamp(c);
  const x: SimComment = {
    id: newId(c.state),
    issueNumber: p.number,
    user: c.login,
    body: call.body.body,
    createdAt: now,
    updatedAt: now,
  };
  c.state.comments.push(x);
  p.updatedAt = now;
  return created(
    render.comment(c, x),
    `${c.api}/repos/${c.state.owner}/${c.state.repo}/issues/comments/${x.id}`,
  );
};

const listComments: Handler = async (c, call) => {
  const p = issueOr404(c, call.params.issue_number as string);
  const since = call.query.since;
  const comments = c.state.comments.filter(
    (x) => x.issueNumber === p.number && (!since || x.updatedAt >= since),
  );
  return pageOf(call, comments, (x) => render.comment(c, x));
};

// ---------------------------------------------------------------------------------------------------------
// commit statuses

const createStatus: Handler = async (c, call) => {
  const sha = call.params.sha as string;
  const commit = /^[0-9a-f]{40}$/.test(sha) ? await resolveCommit(c.dir, sha) : undefined;
  if (!commit) throw unprocessable(`No commit found for SHA: ${sha}`);
  const b = call.body as {
    state: SimStatus["state"];
    target_url?: string | null;
    description?: string | null;
    context?: string;
  };
  if ((b.description ?? "").length > 140) {
    throw validationFailed({
      resource: "Status",
      code: "custom",
      field: "description",
      message: "description is too long (maximum is 140 characters)",
    });
  }
  const now = timestamp(c);
  const s: SimStatus = {
    id: newId(c.state),
    sha: commit,
    state: b.state,
    context: b.context ?? "default",
    description: b.description ?? null,
    targetUrl: b.target_url ?? null,
    creator: c.login,
    createdAt: now,
    updatedAt: now,
  };
  c.state.statuses.push(s);
  return created(render.status(c, s), `${c.api}/repos/${c.state.owner}/${c.state.repo}/statuses/${commit}`);
};

async function statusesFor(c: HandlerContext, ref: string): Promise<{ sha: string; statuses: SimStatus[] }> {
  const sha = (await resolveCommit(c.dir, ref)) ?? (await resolveCommit(c.dir, `refs/heads/${ref}`));
  if (!sha) throw unprocessable(`No commit found for SHA: ${ref}`);
  // Newest first, as GitHub lists them.
  return { sha, statuses: c.state.statuses.filter((s) => s.sha === sha).reverse() };
}

const listStatuses: Handler = async (c, call) => {
  const { statuses } = await statusesFor(c, call.params.ref as string);
  return pageOf(call, statuses, (s) => render.status(c, s));
};

const combinedStatus: Handler = async (c, call) => {
  const { sha, statuses } = await statusesFor(c, call.params.ref as string);
  const latest = statuses.filter((s, i) => statuses.findIndex((x) => x.context === s.context) === i);
  const state = latest.some((s) => s.state === "error" || s.state === "failure")
    ? "failure"
    : latest.length === 0 || latest.some((s) => s.state === "pending")
      ? "pending"
      : "success";
  const repoUrl = `${c.api}/repos/${c.state.owner}/${c.state.repo}`;
  const page = paginate(call, latest);
  return ok(
    {
      state,
      sha,
      total_count: latest.length,
      statuses: page.items.map((s) => {
        const { creator: _creator, ...simple } = render.status(c, s);
        return simple;
      }),
      repository: render.repository(c),
      commit_url: `${repoUrl}/commits/${sha}`,
      url: `${repoUrl}/commits/${sha}/status`,
    },
    page.headers,
  );
};

// ---------------------------------------------------------------------------------------------------------
// git refs

const matchingRefs: Handler = async (c, call) => {
  const prefix = `refs/${call.params.ref as string}`;
  const refs = (await listRefs(c.dir)).filter((r) => r.ref.startsWith(prefix));
  return ok(refs.map((r) => render.gitRef(c, r.ref, r.sha, r.type)));
};

const getRef: Handler = async (c, call) => {
  const name = `refs/${call.params.ref as string}`;
  const r = (await listRefs(c.dir, name)).find((x) => x.ref === name);
  if (!r) throw notFound();
  return ok(render.gitRef(c, r.ref, r.sha, r.type));
};

async function validRefName(c: HandlerContext, ref: string): Promise<boolean> {
  if (!ref.startsWith("refs/") || ref.split("/").length < 3) return false;
  try {
    await git(c.dir, ["check-ref-format", ref]);
    return true;
  } catch {
    return false;
  }
}

const createRef: Handler = async (c, call) => {
  const { ref, sha } = call.body as { ref: string; sha: string };
  if (!(await validRefName(c, ref))) throw unprocessable(`${ref} is not a valid ref name.`);
  if (!/^[0-9a-f]{40}$/.test(sha) || !(await objectExists(c.dir, sha)))
    throw unprocessable("Object does not exist");
  if ((await listRefs(c.dir, ref)).some((r) => r.ref === ref))
    throw unprocessable("Reference already exists");
  await updateRef(c.dir, ref, sha, "");
  const [r] = await listRefs(c.dir, ref);
  return created(
    render.gitRef(c, ref, sha, r?.type ?? "commit"),
    `${c.api}/repos/${c.state.owner}/${c.state.repo}/git/${ref}`,
  );
};

const updateGitRef: Handler = async (c, call) => {
  const ref = `refs/${call.params.ref as string}`;
  const { sha, force } = call.body as { sha: string; force?: boolean };
  const current = (await listRefs(c.dir, ref)).find((r) => r.ref === ref);
  if (!current) throw unprocessable("Reference does not exist");
  if (!/^[0-9a-f]{40}$/.test(sha) || !(await objectExists(c.dir, sha)))
    throw unprocessable("Object does not exist");
  if (!force) {
    try {
      await git(c.dir, ["merge-base", "--is-ancestor", current.sha, sha]);
    } catch {
      throw unprocessable("Update is not a fast forward");
    }
  }
  await updateRef(c.dir, ref, sha, current.sha);
  return ok(render.gitRef(c, ref, sha, current.type));
};

const deleteGitRef: Handler = async (c, call) => {
  const ref = `refs/${call.params.ref as string}`;
  if (!(await listRefs(c.dir, ref)).some((r) => r.ref === ref))
    throw unprocessable("Reference does not exist");
  await deleteRef(c.dir, ref);
  return { status: 204 };
};

// ---------------------------------------------------------------------------------------------------------

export const HANDLERS: Record<string, Handler> = {
  "users/get-authenticated": async (c) => ok(render.privateUser(c, c.login)),
  "repos/get": async (c) => ok(render.fullRepository(c)),
  "git/list-matching-refs": matchingRefs,
  "git/get-ref": getRef,
  "git/create-ref": createRef,
  "git/update-ref": updateGitRef,
  "git/delete-ref": deleteGitRef,
  "pulls/list": listPulls,
  "pulls/create": createPull,
  "pulls/get": async (c, call) => ok(await fullPull(c, pullOr404(c, call.params.pull_number as string))),
  "pulls/update": updatePull,
  "pulls/merge": mergePull,
  "pulls/list-files": listFiles,
  "pulls/list-commits": listCommits,
  "repos/list-pull-requests-associated-with-commit": pullsForCommit,
  "repos/get-content": getContent,
  "repos/get-branch-protection": getProtection,
  "repos/update-branch-protection": updateProtection,
  "teams/list-members-in-org": listTeamMembers,
  "teams/get-membership-for-user-in-org": getTeamMembership,
  "apps/create-installation-access-token": createInstallationToken,
  "apps/get-authenticated": getAuthenticatedApp,
  "pulls/request-reviewers": requestReviewers,
  "pulls/list-requested-reviewers": listRequestedReviewers,
  "pulls/remove-requested-reviewers": removeRequestedReviewers,
  "issues/list-events": listIssueEvents,
  "pulls/list-reviews": listReviews,
  "issues/list-labels-for-repo": listLabels,
  "issues/get-label": getLabel,
  "issues/create-label": createLabel,
  "issues/update-label": updateLabel,
  "issues/list-labels-on-issue": listIssueLabels,
  "issues/add-labels": addIssueLabels,
  "issues/set-labels": setIssueLabels,
  "issues/remove-label": removeIssueLabel,
  "issues/create-comment": createComment,
  "issues/list-comments": listComments,
  "repos/create-commit-status": createStatus,
  "repos/list-commit-statuses-for-ref": listStatuses,
  "repos/get-combined-status-for-ref": combinedStatus,
  ...ISSUE_HANDLERS,
};
