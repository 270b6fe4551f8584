// The simulator's state rendered as GitHub's JSON objects. Every response is checked against GitHub's
// schemas before it is sent, so these builders cannot quietly drift from what GitHub returns.
import type {
  SimComment,
  SimIssue,
  SimIssueEvent,
  SimLabel,
  SimPull,
  SimReview,
  SimState,
  SimStatus,
  SimTeam,
} from "./state.ts";
import { findLabel, findUser } from "./state.ts";

type Obj = Record<string, unknown>;

export interface RenderContext {
  state: SimState;
  /** The simulator's base URL: API URLs are `${api}/repos/...`, web URLs `${api}/owner/repo/...`. */
  api: string;
}

const EPOCH = "2024-01-01T00:00:00Z";

function nodeId(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString("base64").replace(/=+$/, "");
}

export function user(c: RenderContext, login: string): Obj {
  const u = findUser(c.state, login);
  const isOwnerOrg = !u && login === c.state.owner;
  const id = u?.id ?? (isOwnerOrg ? 1 : 0);
  // A Bot's login ends in "[bot]": GitHub percent-encodes it in URLs (users/kopt%5Bbot%5D).
  const path = encodeURIComponent(login);
  const url = `${c.api}/users/${path}`;
  return {
    login,
    id,
    node_id: nodeId("User", id),
    avatar_url: `${c.api}/avatars/${path}`,
    gravatar_id: "",
    url,
    html_url: `${c.api}/${path}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: u?.type ?? (isOwnerOrg ? "Organization" : "User"),
    user_view_type: "public",
    site_admin: false,
  };
}

/** GET /user: the authenticated user, with the private fields. */
export function privateUser(c: RenderContext, login: string): Obj {
  return {
    ...user(c, login),
    user_view_type: "private",
    name: login,
    company: null,
    blog: "",
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 1,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: EPOCH,
    updated_at: EPOCH,
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
  };
}

export function repository(c: RenderContext): Obj {
  const { owner, repo, repoId, defaultBranch } = c.state;
  const url = `${c.api}/repos/${owner}/${repo}`;
  const openIssues = [...c.state.pulls, ...c.state.issues].filter((p) => p.state === "open").length;
  return {
    id: repoId,
    node_id: nodeId("Repository", repoId),
    name: repo,
    full_name: `${owner}/${repo}`,
    owner: user(c, owner),
    private: true,
    html_url: `${c.api}/${owner}/${repo}`,
    description: null,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://127.0.0.1/${owner}/${repo}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@127.0.0.1:${owner}/${repo}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${c.api}/${owner}/${repo}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: `${c.api}/${owner}/${repo}`,
    homepage: null,
    language: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 1,
    default_branch: defaultBranch,
    open_issues: openIssues,
    open_issues_count: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: "private",
    pushed_at: EPOCH,
    created_at: EPOCH,
    updated_at: EPOCH,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: false,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    license: null,
  };
}

/** GET /repos/{owner}/{repo}: the repository with the fields only the single-repository view has. */
export function fullRepository(c: RenderContext): Obj {
  return { ...repository(c), network_count: 0, subscribers_count: 0, organization: user(c, c.state.owner) };
}

export function label(c: RenderContext, l: SimLabel): Obj {
  return {
    id: l.id,
    node_id: nodeId("Label", l.id),
    url: `${c.api}/repos/${c.state.owner}/${c.state.repo}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    description: l.description,
    color: l.color,
    default: l.default,
  };
}

export function team(c: RenderContext, t: SimTeam): Obj {
  const url = `${c.api}/organizations/${c.state.owner}/team/${t.id}`;
  return {
    id: t.id,
    node_id: nodeId("Team", t.id),
    url,
    html_url: `${c.api}/orgs/${c.state.owner}/teams/${t.slug}`,
    name: t.name,
    slug: t.slug,
    description: null,
    privacy: "closed",
    notification_setting: "notifications_enabled",
    permission: "pull",
    members_url: `${url}/members{/member}`,
    repositories_url: `${url}/repos`,
    type: "organization",
    parent: null,
  };
}

function branchEnd(c: RenderContext, branch: string, sha: string): Obj {
  return {
    label: `${c.state.owner}:${branch}`,
    ref: branch,
    sha,
    user: user(c, c.state.owner),
    repo: repository(c),
  };
}

/** A pull request as lists show it (pull-request-simple); `full` adds what GET /pulls/{n} returns. */
export function pull(
  c: RenderContext,
  p: SimPull,
  baseSha: string,
  full?: {
    mergeable: boolean | null;
    commits: number;
    additions: number;
    deletions: number;
    changedFiles: number;
  },
): Obj {
  const repoUrl = `${c.api}/repos/${c.state.owner}/${c.state.repo}`;
  const url = `${repoUrl}/pulls/${p.number}`;
  const html = `${c.api}/${c.state.owner}/${c.state.repo}/pull/${p.number}`;
  const issueUrl = `${repoUrl}/issues/${p.number}`;
  const statusesUrl = `${repoUrl}/statuses/${p.headSha}`;
  const simple: Obj = {
    url,
    id: p.id,
    node_id: nodeId("PullRequest", p.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repoUrl}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: statusesUrl,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: user(c, p.user),
    body: p.body,
    labels: p.labels.flatMap((name) => {
      const l = findLabel(c.state, name);
      // GitHub's schema for a pull request's labels has a non-nullable description.
      return l ? [{ ...label(c, l), description: l.description ?? "" }] : [];
    }),
    milestone: null,
    active_lock_reason: null,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    closed_at: p.closedAt,
    merged_at: p.mergedAt,
    merge_commit_sha: p.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: p.requestedReviewers.map((login) => user(c, login)),
    requested_teams: p.requestedTeams.flatMap((slug) => {
      const t = c.state.teams.find((x) => x.slug === slug);
      return t ? [team(c, t)] : [];
    }),
    head: branchEnd(c, p.head, p.headSha),
    base: branchEnd(c, p.base, baseSha),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${repoUrl}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: statusesUrl },
    },
    author_association: p.user === c.state.owner ? "OWNER" : "MEMBER",
    auto_merge: null,
    draft: p.draft,
  };
  if (!full) return simple;
  return {
    ...simple,
    merged: p.merged,
    mergeable: p.state === "open" ? full.mergeable : null,
    rebaseable: null,
    mergeable_state: p.state !== "open" ? "unknown" : full.mergeable ? "clean" : "dirty",
    merged_by: p.mergedBy ? user(c, p.mergedBy) : null,
    comments: c.state.comments.filter((x) => x.issueNumber === p.number).length,
    review_comments: 0,
    maintainer_can_modify: p.maintainerCanModify,
    commits: full.commits,
    additions: full.additions,
    deletions: full.deletions,
    changed_files: full.changedFiles,
  };
}

/**
 * An issue as GET /issues/{n} and the issue lists show it. A pull request is an issue too: lists include it,
 * with `pull_request` set. `withClosedBy`: GET /issues/{n} says who closed it; the list leaves it out.
 */
export function issue(c: RenderContext, i: SimIssue | SimPull, withClosedBy: boolean): Obj {
  const repoUrl = `${c.api}/repos/${c.state.owner}/${c.state.repo}`;
  const url = `${repoUrl}/issues/${i.number}`;
  const isPull = "head" in i;
  const html = `${c.api}/${c.state.owner}/${c.state.repo}/${isPull ? "pull" : "issues"}/${i.number}`;
  const closedBy = isPull ? (i.merged ? i.mergedBy : (i.closedBy ?? null)) : i.closedBy;
  return {
    id: i.id,
    node_id: nodeId(isPull ? "PullRequest" : "Issue", i.id),
    url,
    repository_url: repoUrl,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    number: i.number,
    state: i.state,
    state_reason: isPull ? null : i.stateReason,
    title: i.title,
    body: i.body,
    user: user(c, i.user),
    labels: i.labels.flatMap((name) => {
      const l = findLabel(c.state, name);
      return l ? [label(c, l)] : [];
    }),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: c.state.comments.filter((x) => x.issueNumber === i.number).length,
    ...(isPull
      ? {
          pull_request: {
            url: `${repoUrl}/pulls/${i.number}`,
            html_url: html,
            diff_url: `${html}.diff`,
            patch_url: `${html}.patch`,
            merged_at: i.mergedAt,
          },
        }
      : {}),
    closed_at: i.closedAt,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    ...(withClosedBy ? { closed_by: closedBy && i.state === "closed" ? user(c, closedBy) : null } : {}),
    author_association: i.user === c.state.owner ? "OWNER" : "MEMBER",
  };
}

export function comment(c: RenderContext, x: SimComment): Obj {
  const repoUrl = `${c.api}/repos/${c.state.owner}/${c.state.repo}`;
  return {
    id: x.id,
    node_id: nodeId("IssueComment", x.id),
    url: `${repoUrl}/issues/comments/${x.id}`,
    html_url: `${c.api}/${c.state.owner}/${c.state.repo}/${c.state.pulls.some((p) => p.number === x.issueNumber) ? "pull" : "issues"}/${x.issueNumber}#issuecomment-${x.id}`,
    issue_url: `${repoUrl}/issues/${x.issueNumber}`,
    body: x.body,
    user: user(c, x.user),
    created_at: x.createdAt,
    updated_at: x.updatedAt,
    author_association: "MEMBER",
  };
}

export function review(c: RenderContext, r: SimReview): Obj {
  const pullUrl = `${c.api}/repos/${c.state.owner}/${c.state.repo}/pulls/${r.pullNumber}`;
  const html = `${c.api}/${c.state.owner}/${c.state.repo}/pull/${r.pullNumber}#pullrequestreview-${r.id}`;
  return {
    id: r.id,
    node_id: nodeId("PullRequestReview", r.id),
    user: user(c, r.user),
    body: r.body,
    state: r.state,
    html_url: html,
    pull_request_url: pullUrl,
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: r.submittedAt,
    commit_id: r.commitId,
    author_association: "MEMBER",
  };
}

/** A review_requested or review_request_removed issue event. */
export function issueEvent(c: RenderContext, e: SimIssueEvent): Obj {
  const t = "team" in e.reviewer ? e.reviewer.team : undefined;
  const teamObj = t === undefined ? undefined : c.state.teams.find((x) => x.slug === t);
  return {
    id: e.id,
    node_id: nodeId("ReviewRequestedEvent", e.id),
    url: `${c.api}/repos/${c.state.owner}/${c.state.repo}/issues/events/${e.id}`,
    actor: user(c, e.actor),
    event: e.event,
    commit_id: null,
    commit_url: null,
    created_at: e.createdAt,
    performed_via_github_app: null,
    review_requester: user(c, e.actor),
    ...("user" in e.reviewer ? { requested_reviewer: user(c, e.reviewer.user) } : {}),
    ...(teamObj ? { requested_team: team(c, teamObj) } : {}),
  };
}

export function status(c: RenderContext, s: SimStatus): Obj {
  const creator = user(c, s.creator);
  return {
    url: `${c.api}/repos/${c.state.owner}/${c.state.repo}/statuses/${s.sha}`,
    avatar_url: creator.avatar_url,
    id: s.id,
    node_id: nodeId("StatusContext", s.id),
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    creator,
  };
}

export function gitRef(c: RenderContext, ref: string, sha: string, type: string): Obj {
  const repoUrl = `${c.api}/repos/${c.state.owner}/${c.state.repo}`;
  return {
    ref,
    node_id: nodeId("Ref", ref.length),
    url: `${repoUrl}/git/${ref}`,
    object: { type, sha, url: `${repoUrl}/git/${type}s/${sha}` },
  };
}
