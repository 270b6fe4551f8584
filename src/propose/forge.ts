// Where proposals go. `local` writes branches and PR drafts into a git repository on disk;
// `github` (a later issue) opens real pull requests. The workflow never knows which.

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
}

export type UpsertStatus = "created" | "updated" | "unchanged" | "held";

export interface UpsertResult {
  status: UpsertStatus;
  branch: string;
  commit: string | null;
  /** Where the PR lives: a draft file for `local`, a URL for `github`. */
  location: string;
  /** Why a proposal was held back (e.g. a human pushed to the branch). */
  reason?: string;
}

export interface Forge {
  readonly name: string;
  readonly baseBranch: string;
  /** Content of a file on the base branch, or undefined when it does not exist there. */
  readBase(path: string): Promise<string | undefined>;
  /** Refuses (with a KoptError) when local state would make writing unsafe. */
  checkWritable(paths: readonly string[], branches: readonly string[]): Promise<void>;
  /** What upsert would do, without writing anything. */
  preview(change: ChangeRequest): Promise<UpsertResult>;
  /** Creates or updates the branch and its pull request; idempotent on unchanged input. */
  upsert(change: ChangeRequest): Promise<UpsertResult>;
}
