// Where proposals go. `local` writes branches and PR drafts into a git repository on disk;
// `github` opens real pull requests (src/propose/github/). The workflow never knows which.
import type { ProposalFingerprint } from "../decide/material-change.ts";

export type { ProposalFingerprint };

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

export interface Forge {
  readonly name: string;
  readonly baseBranch: string;
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
   * Closes kopt's open pull requests under `branchPrefix` whose branch is not in `keep`, each with a comment
   * saying why (`reasonFor`); leaves alone those on hold or pushed to by a person. `dryRun`: only report.
   */
  closeObsolete?(
    branchPrefix: string,
    keep: ReadonlySet<string>,
    reasonFor: (branch: string) => string,
    dryRun: boolean,
  ): Promise<ClosedProposal[]>;
}
