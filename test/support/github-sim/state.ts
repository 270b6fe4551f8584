// What the simulator knows besides git: users and teams, pull requests, labels, comments, reviews and
// commit statuses. Plain data, so a test can inspect (and assert on) all of it.

export interface SimUser {
  login: string;
  id: number;
  type: "User" | "Bot";
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
  comments: SimComment[];
  reviews: SimReview[];
  statuses: SimStatus[];
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
