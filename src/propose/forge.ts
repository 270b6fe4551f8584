// Where proposals go. `local` writes branches and PR drafts into a git repository on disk;
// `github` opens real pull requests (src/propose/github/). The workflow never knows which.
import type { ChangedFile, ReviewInput } from "../decide/approval.ts";
import type { IncidentIssueDraft } from "../decide/incident-issue.ts";
import type { ProposalFingerprint } from "../decide/material-change.ts";
import type { ReportKind } from "../model/report.ts";

export type { ChangedFile, IncidentIssueDraft, ProposalFingerprint, ReviewInput };

export interface FileChange {
  /** Path relative to the repository root. */
  path: string;
  content: string;
}

export interface PullRequestDraft {
  title: string;
  body: string;
  labels: string[];
  tier: string;
}

export interface ChangeRequest {
  branch: string;
  commitMessage: string;
  files: FileChange[];
  pr: PullRequestDraft;
  fingerprint?: ProposalFingerprint;
  /** Author and committer date of kopt's commit (the observation time): the same input, the same commit. */
  date?: string;
}

/**
 * `repaired` (github): the proposal and its branch are as they were, but the pull request lacked what an
 * earlier run that failed half-way should have given it (labels, review requests, the approval status).
 */
export type UpsertStatus = "created" | "updated" | "unchanged" | "repaired" | "held";

export interface UpsertResult {
  status: UpsertStatus;
  branch: string;
  commit: string | null;
  /** Where the PR lives: a draft file for `local`, a URL for `github`. */
  location: string;
  /** The pull request's number (github). */
  pullNumber?: number;
  /** Why a proposal was held back (e.g. a human pushed to the branch), rebuilt, or what was repaired. */
  reason?: string;
  /** What went wrong without failing the proposal (e.g. a reviewer who could not be requested). */
  warnings?: string[];
  /** The pull request's head is new, moved, or has no approval status yet: the gate should judge it (github). */
  needsApprovalStatus?: boolean;
}

/** A pull request kopt closed because its recommendation disappeared. */
export interface ClosedProposal {
  branch: string;
  location: string;
  reason: string;
}

/** A pull request as the workflows read it, whichever forge holds it. */
export interface PullRequest {
  number: number;
  /** The head branch (`kopt/<cluster>/...` for kopt's own). */
  branch: string;
  headSha: string;
  title: string;
  /** Login of whoever opened it (kopt's own identity for kopt's pull requests). */
  author: string;
  labels: string[];
  state: "open" | "closed" | "merged";
  /** Its page (github) or draft file (local): what statuses and comments link to. */
  url: string;
  /** RFC 3339. */
  createdAt: string;
  /** Set when merged: RFC 3339, who merged, and the commit the merge made on the base branch. */
  merged?: { at: string; by: string | null; sha: string };
}

/** A pull request closed without merging, and when. */
export interface ClosedPullRequest extends PullRequest {
  state: "closed";
  /** RFC 3339. */
  closedAt: string;
}

/** Who closed a pull request: a login (null when the forge does not say), and whether it was kopt itself. */
export interface PullRequestCloser {
  by: string | null;
  /** kopt closed it (its recommendation disappeared: closeObsolete), not a person. */
  byKopt: boolean;
}

/** An issue kopt opened for an incident (its marker names the fingerprint and cluster), open or closed. */
export interface IncidentIssue {
  number: number;
  fingerprint: string;
  cluster: string;
  /** Unix seconds: when kopt last saw the failure, from the marker. */
  lastSeen: number;
  state: "open" | "closed";
  /** Login of whoever closed it, when closed (null when the forge does not say). */
  closedBy: string | null;
  /** Closed by kopt itself (the failure went away), not by a person. */
  closedByKopt: boolean;
  title: string;
  /** The body as stored, marker included. */
  body: string;
  labels: string[];
  /** Its page (github) or file (local). */
  url: string;
  /** RFC 3339: when it was opened (kopt detected the failure) and closed; absent where the forge did not say. */
  createdAt?: string;
  closedAt?: string | null;
}

/** What a weekly report's issue is (issue 17): one per cluster, kind and period, named in its hidden marker. */
export interface ReportIssueKey {
  cluster: string;
  kind: ReportKind;
  /** "2026-W49". */
  period: string;
}

/** A report issue to open: its exact title is how kopt finds it again. */
export interface ReportIssueDraft extends ReportIssueKey {
  title: string;
  /** The body as it will be stored, marker included (src/propose/report/issue-marker.ts). */
  body: string;
  labels: string[];
}

/** A report issue kopt opened, open or closed. */
export interface ReportIssue extends ReportIssueKey {
  number: number;
  title: string;
  /** The body as stored, marker included. */
  body: string;
  state: "open" | "closed";
  labels: string[];
  /** Its page (github) or file (local). */
  url: string;
}

/** The latest commit status of one context (e.g. kopt/approval) on a commit. */
export interface CommitStatus {
  state: "success" | "pending" | "failure" | "error";
  description: string | null;
}

/** A review a person submits on a pull request (the local forge records it under `.kopt/`). */
export interface ReviewSubmission {
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";
  body?: string;
  /** RFC 3339; the time of the review. */
  at: string;
}

/**
 * Everything a workflow needs of the place pull requests live. `local`: branches in the repository on disk
 * and pull requests, reviews, statuses, comments and labels as files under `.kopt/`; `github`: the GitHub
 * REST API (src/propose/github/). Workflows call only this: no forge-name checks, no Octokit outside
 * src/propose/github/.
 */
export interface Forge {
  readonly name: string;
  readonly baseBranch: string;
  /** The base branch's head when the forge was opened. */
  readonly baseSha: string;
  /** Content of a file on the base branch, or undefined when it does not exist there. */
  readBase(path: string): Promise<string | undefined>;
  /** Paths of the files under a directory on the base branch, recursively. */
  listBase(dir: string): Promise<string[]>;
  /** Refuses (with a KoptError) when local state would make writing these files and changes unsafe. */
  checkWritable(paths: readonly string[], changes: readonly ChangeRequest[]): Promise<void>;
  /** What upsert would do, without writing anything. */
  preview(change: ChangeRequest): Promise<UpsertResult>;
  /** Creates or updates the branch and its pull request; idempotent on unchanged input. */
  upsert(change: ChangeRequest): Promise<UpsertResult>;
  /**
   * Points `branch` at a commit the caller built (a revert, a PHR record) and opens or updates its pull
   * request; idempotent when the branch already holds `sha`.
   */
  proposeCommit(branch: string, sha: string, pr: PullRequestDraft): Promise<UpsertResult>;
  /**
   * The commit `branch` holds on the forge (the remote branch for github), or undefined: lets a rerun keep
   * what an earlier run proposed.
   */
  branchHead(branch: string): Promise<string | undefined>;
  /**
   * Closes kopt's open pull requests under `branchPrefix` whose branch is not in `keep`, each with a comment
   * saying why (`reasonFor`); leaves alone those on hold or pushed to by a person. `dryRun`: only report.
   */
  closeObsolete(
    branchPrefix: string,
    keep: ReadonlySet<string>,
    reasonFor: (branch: string) => string,
    dryRun: boolean,
  ): Promise<ClosedProposal[]>;

  /** One pull request; a KoptError (usage) naming the repository when there is no such number. */
  pullRequest(number: number): Promise<PullRequest>;
  /** Open pull requests whose head branch starts with `branchPrefix`, by number. */
  openPullRequests(branchPrefix: string): Promise<PullRequest[]>;
  /**
   * Pull requests whose head branch starts with `branchPrefix` that were closed without merging, by number
   * (kopt's proposals, reverts and records alike: the caller tells them apart).
   */
  closedPullRequests(branchPrefix: string): Promise<ClosedPullRequest[]>;
  /** Who closed a closed pull request (GitHub needs a request or two per pull request for it). */
  closerOf(number: number): Promise<PullRequestCloser>;
  /** The merged pull request whose merge made `commitSha` on the base branch, if any. */
  mergedPullRequestOf(commitSha: string): Promise<PullRequest | undefined>;
  /** The files a pull request changes (a rename also lists the old path as removed). */
  changedFiles(number: number): Promise<ChangedFile[]>;
  /** A file's content at a commit, or undefined when it does not exist there. */
  readFileAt(path: string, ref: string): Promise<string | undefined>;
  /** Every review of a pull request, oldest first, as the approval rule reads them. */
  reviews(number: number): Promise<ReviewInput[]>;
  /** Records a person's review (local); github refuses with a hint to review on the pull request's page. */
  submitReview(number: number, review: ReviewSubmission): Promise<void>;
  /** Logins of a team's members; `where` names the config field for the error when it cannot be read. */
  teamMembers(slug: string, where: { file: string; field: string }): Promise<string[]>;
  /** How a team is named in status descriptions and mentions (`@<org>/<slug>` on github). */
  teamName(slug: string): string;
  /** The latest status of `context` on a commit. */
  latestStatus(sha: string, context: string): Promise<CommitStatus | undefined>;
  setStatus(
    sha: string,
    context: string,
    status: { state: CommitStatus["state"]; description: string; targetUrl: string },
  ): Promise<void>;
  /** Whether a comment on the pull request contains `marker` (by kopt's own identity when `byMe`). */
  hasComment(number: number, marker: string, byMe?: boolean): Promise<boolean>;
  comment(number: number, body: string): Promise<void>;
  /** Adds labels (creating them on the forge first when missing). */
  addLabels(number: number, labels: readonly string[]): Promise<void>;
  /**
   * Merges an open pull request at head `sha` (squash on github; a merge commit locally). A refusal (branch
   * protection, the kopt/approval status not success, the head moved) is a KoptError saying why.
   */
  merge(number: number, sha: string): Promise<PullRequest>;
  /**
   * Moves the base branch from `expected` to `sha` (after-merge's `record: commit`); false when the base
   * moved meanwhile.
   */
  pushBase(sha: string, expected: string): Promise<boolean>;
  /**
   * Prepares the repository for kopt: creates `labels` and protects the base branch as `protection` says.
   * The local forge has neither: it refuses with a KoptError saying so.
   */
  prepare(labels: readonly string[], protection: BranchProtection): Promise<void>;

  /**
   * kopt's incident issues of `cluster` (open and closed), by number; pull requests and others' issues excluded.
   * With `fingerprints`, who closed a closed issue is read only for those (GitHub needs a request per issue for
   * it): for the others `closedBy` is null and `closedByKopt` false.
   */
  incidentIssues(cluster: string, fingerprints?: ReadonlySet<string>): Promise<IncidentIssue[]>;
  openIncidentIssue(draft: IncidentIssueDraft): Promise<IncidentIssue>;
  /** Replaces title, body and labels; `reopen` also reopens an issue kopt had closed. */
  updateIncidentIssue(
    number: number,
    draft: IncidentIssueDraft,
    opts?: { reopen?: boolean },
  ): Promise<IncidentIssue>;
  /** Comments `comment` on the issue and closes it as kopt. */
  closeIncidentIssue(number: number, comment: string): Promise<IncidentIssue>;

  /**
   * kopt's report issues of `cluster` and `kind` (open and closed), by number: issues kopt itself opened with
   * the kopt/report label and its marker; pull requests and others' issues excluded.
   */
  reportIssues(cluster: string, kind: ReportKind): Promise<ReportIssue[]>;
  openReportIssue(draft: ReportIssueDraft): Promise<ReportIssue>;
  /** Replaces the body (the title and labels stay). */
  editReportIssue(number: number, body: string): Promise<ReportIssue>;
  /** Comments `comment` on the issue and closes it as kopt. */
  closeReportIssue(number: number, comment: string): Promise<ReportIssue>;
}

/** What `kopt setup` asks of the base branch: GitHub's PUT /branches/{branch}/protection body. */
export interface BranchProtection {
  required_status_checks: { strict: boolean; contexts: string[] };
  enforce_admins: boolean;
  required_pull_request_reviews: {
    dismiss_stale_reviews: boolean;
    require_code_owner_reviews: boolean;
    required_approving_review_count: number;
  };
  restrictions: null;
}
