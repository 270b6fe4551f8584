// What the simulator knows besides git: users and teams, pull requests, issues, labels, comments, reviews,
// review-request events, commit statuses, branch protection and installation tokens. Plain data, so a test can inspect (and assert on) all of it.

export interface SimUser {
  login: string;
  id: number;
  type: "User" | "Bot";
  /** A commit email that maps to this user besides `<login>@users.noreply.github.com`. */
  email?: string;
  /** A repository admin: branch protection does not stop their merges unless it enforces admins. */
  admin: boolean;
}

export interface SimTeam {
  slug: string;
  name: string;
  id: number;
  members: string[];
}

export interface SimLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface SimPull {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  draft: boolean;
  /** Login of the author. */
  user: string;
  /** Branch names; `headSha` follows the branch while the pull request is open. */
  head: string;
  headSha: string;
  base: string;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  maintainerCanModify: boolean;
  merged: boolean;
  mergeCommitSha: string | null;
  mergedBy: string | null;
  mergedAt: string | null;
  closedAt: string | null;
  /** Login of whoever closed it unmerged (GET /issues/{n} says closed_by); a merge's is mergedBy. */
  closedBy?: string | null;
  /** The base commit it was merged onto: its files and commits are compared with this once merged. */
  baseShaAtMerge?: string;
  createdAt: string;
  updatedAt: string;
}

/** An issue (not a pull request: those are SimPull, in the same number sequence). */
export interface SimIssue {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: "completed" | "not_planned" | "duplicate" | "reopened" | null;
  /** Login of the author. */
  user: string;
  labels: string[];
  closedAt: string | null;
  /** Login of whoever closed it last. */
  closedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SimComment {
  id: number;
  issueNumber: number;
  user: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** A review request made or withdrawn, as GET /issues/{n}/events lists it (the only events simulated). */
export interface SimIssueEvent {
  id: number;
  issueNumber: number;
  event: "review_requested" | "review_request_removed";
  /** Who requested or removed it. */
  actor: string;
  /** The user asked (or no longer asked), or the team's slug. */
  reviewer: { user: string } | { team: string };
  createdAt: string;
}

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";

export interface SimReview {
  id: number;
  pullNumber: number;
  user: string;
  state: ReviewState;
  body: string;
  commitId: string;
  submittedAt: string;
}

export interface SimStatus {
  id: number;
  sha: string;
  state: "error" | "failure" | "pending" | "success";
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: string;
  createdAt: string;
  updatedAt: string;
}

/** What PUT /branches/{branch}/protection stored; null sections are off. */
export interface SimBranchProtection {
  requiredStatusChecks: {
    strict: boolean;
    /** The required contexts: what was sent as `contexts`, or the contexts of `checks`. */
    contexts: string[];
    checks: { context: string; appId: number | null }[];
  } | null;
  enforceAdmins: boolean;
  requiredPullRequestReviews: {
    dismissStaleReviews: boolean;
    requireCodeOwnerReviews: boolean;
    requiredApprovingReviewCount: number;
    requireLastPushApproval: boolean;
    dismissalRestrictions?: { users: string[]; teams: string[]; apps: string[] };
    bypassPullRequestAllowances?: { users: string[]; teams: string[]; apps: string[] };
  } | null;
  restrictions: { users: string[]; teams: string[]; apps: string[] } | null;
  requiredLinearHistory: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
  blockCreations: boolean;
  requiredConversationResolution: boolean;
  lockBranch: boolean;
  allowForkSyncing: boolean;
}

/** An installation access token handed out by POST /app/installations/{id}/access_tokens. */
export interface SimInstallationToken {
  token: string;
  /** The installation's Bot user the token authenticates. */
  login: string;
  expiresAt: string;
}

export interface SimState {
  owner: string;
  repo: string;
  repoId: number;
  defaultBranch: string;
  /** The user the token authenticates (the first of `users`). */
  viewer: string;
  users: SimUser[];
  teams: SimTeam[];
  labels: SimLabel[];
  pulls: SimPull[];
  issues: SimIssue[];
  comments: SimComment[];
  reviews: SimReview[];
  /** Issue events, oldest first. */
  events: SimIssueEvent[];
  statuses: SimStatus[];
  /** Branch name -> its protection, once PUT. */
  branchProtection: Record<string, SimBranchProtection>;
  installationTokens: SimInstallationToken[];
  /** The next issue/pull request number (they share one sequence, as on GitHub). */
  nextNumber: number;
  nextId: number;
}

export function newId(state: SimState): number {
  return state.nextId++;
}

export function findUser(state: SimState, login: string): SimUser | undefined {
  return state.users.find((u) => u.login.toLowerCase() === login.toLowerCase());
}

export function findLabel(state: SimState, name: string): SimLabel | undefined {
  return state.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
}

/** The user a commit email belongs to: `[<id>+]<login>@users.noreply.github.com` or a configured email. */
export function userByEmail(state: SimState, email: string): SimUser | undefined {
  const e = email.toLowerCase();
  const noreply = /^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$/.exec(e);
  if (noreply) return findUser(state, noreply[1] as string);
  return state.users.find((u) => u.email?.toLowerCase() === e);
}
