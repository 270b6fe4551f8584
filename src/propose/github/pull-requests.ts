// The read and review side of a GitHub pull request as the workflows see it (forge.ts's PullRequest):
// finding one, its files, reviews, statuses and comments, and the writes the gate and after-merge make
// (a status, a comment, labels, a squash merge). GitHubForge delegates to these.

import { KoptError } from "../../errors.ts";
import type {
  ChangedFile,
  ClosedPullRequest,
  CommitStatus,
  PullRequest,
  PullRequestCloser,
  ReviewInput,
} from "../forge.ts";
import { type GitHubConnection, gitHubError, httpStatus } from "./client.ts";
import { CLOSED_MARKER } from "./marker.ts";

interface ApiPull {
  number: number;
  state: string;
  html_url: string;
  title: string;
  labels: ({ name?: string } | string)[];
  head: { ref: string; sha: string };
  user: { login: string } | null;
  created_at: string;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  merged_by?: { login: string } | null;
}

export function toPullRequest(p: ApiPull): PullRequest {
  const merged = p.merged_at
    ? { at: p.merged_at, by: p.merged_by?.login ?? null, sha: p.merge_commit_sha ?? "" }
    : undefined;
  return {
    number: p.number,
    branch: p.head.ref,
    headSha: p.head.sha,
    title: p.title,
    author: p.user?.login ?? "",
    labels: p.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))),
    state: merged ? "merged" : p.state === "open" ? "open" : "closed",
    url: p.html_url,
    createdAt: p.created_at,
    ...(merged ? { merged } : {}),
  };
}

export async function getPullRequest(
  conn: GitHubConnection,
  number: number,
  apiUrl: string,
): Promise<PullRequest> {
  const { octokit, owner, repo } = conn;
  try {
    return toPullRequest((await octokit.pulls.get({ owner, repo, pull_number: number })).data);
  } catch (e) {
    if (httpStatus(e) === 404) throw new KoptError("usage", `no pull request #${number} in ${owner}/${repo}`);
    throw gitHubError(e, `reading pull request #${number}`, apiUrl);
  }
}

export async function listOpenPullRequests(
  conn: GitHubConnection,
  branchPrefix: string,
  apiUrl: string,
): Promise<PullRequest[]> {
  const { octokit, owner, repo } = conn;
  try {
    const pulls = await octokit.paginate(octokit.pulls.list, { owner, repo, state: "open", per_page: 100 });
    return pulls
      .filter((p) => p.head.ref.startsWith(branchPrefix))
      .sort((a, b) => a.number - b.number)
      .map(toPullRequest);
  } catch (e) {
    throw gitHubError(e, "listing open pull requests", apiUrl);
  }
}

/** Pull requests under `branchPrefix` closed without merging, by number. */
export async function listClosedPullRequests(
  conn: GitHubConnection,
  branchPrefix: string,
  apiUrl: string,
): Promise<ClosedPullRequest[]> {
  const { octokit, owner, repo } = conn;
  try {
    const pulls = await octokit.paginate(octokit.pulls.list, { owner, repo, state: "closed", per_page: 100 });
    return pulls
      .filter((p) => p.head.ref.startsWith(branchPrefix) && !p.merged_at && p.closed_at)
      .sort((a, b) => a.number - b.number)
      .map((p) => ({ ...toPullRequest(p), state: "closed", closedAt: p.closed_at as string }));
  } catch (e) {
    throw gitHubError(e, "listing closed pull requests", apiUrl);
  }
}

/**
 * Who closed a pull request: GET /issues/{n}'s closed_by (a pull request is an issue), and whether kopt's
 * own closing comment (closeObsolete's marker, by kopt's login) is on it.
 */
export async function closerOf(conn: GitHubConnection, number: number): Promise<PullRequestCloser> {
  const { octokit, owner, repo } = conn;
  try {
    const { data } = await octokit.issues.get({ owner, repo, issue_number: number });
    const comments = await octokit.paginate(octokit.issues.listComments, {
      owner,
      repo,
      issue_number: number,
      per_page: 100,
    });
    const byKopt = comments.some(
      (c) => c.user?.login === conn.login && (c.body ?? "").includes(CLOSED_MARKER),
    );
    return { by: data.closed_by?.login ?? null, byKopt };
  } catch (e) {
    throw gitHubError(e, `reading who closed #${number}`);
  }
}

/** The merged pull request whose merge commit is `sha` (else any merged one containing it). */
export async function mergedPullRequestOf(
  conn: GitHubConnection,
  sha: string,
): Promise<PullRequest | undefined> {
  const { octokit, owner, repo } = conn;
  try {
    const { data } = await octokit.repos.listPullRequestsAssociatedWithCommit({
      owner,
      repo,
      commit_sha: sha,
    });
    const hit = data.find((p) => p.merge_commit_sha === sha && p.merged_at) ?? data.find((p) => p.merged_at);
    if (!hit) return undefined;
    return toPullRequest((await octokit.pulls.get({ owner, repo, pull_number: hit.number })).data);
  } catch (e) {
    if (httpStatus(e) === 422 || httpStatus(e) === 404) return undefined;
    throw gitHubError(e, `finding the pull request of commit ${sha.slice(0, 7)}`);
  }
}

export async function changedFiles(conn: GitHubConnection, number: number): Promise<ChangedFile[]> {
  const { octokit, owner, repo } = conn;
  try {
    const files = await octokit.paginate(octokit.pulls.listFiles, {
      owner,
      repo,
      pull_number: number,
      per_page: 100,
    });
    return files.flatMap((f) => [
      { path: f.filename, status: f.status },
      // A rename takes the old name away.
      ...(f.previous_filename ? [{ path: f.previous_filename, status: "removed" }] : []),
    ]);
  } catch (e) {
    throw gitHubError(e, `listing the files of pull request #${number}`);
  }
}

/** A file's content at `ref`; undefined when it is not there, or is not a file. */
export async function readFileAt(
  conn: GitHubConnection,
  path: string,
  ref: string,
): Promise<string | undefined> {
  const { octokit, owner, repo } = conn;
  try {
    const { data } = await octokit.repos.getContent({ owner, repo, path, ref });
    if (Array.isArray(data) || data.type !== "file") return undefined;
    return Buffer.from(
      data.content ?? "",
      (data.encoding as BufferEncoding | undefined) ?? "base64",
    ).toString("utf8");
  } catch (e) {
    if (httpStatus(e) === 404) return undefined;
    throw gitHubError(e, `reading ${path} at ${ref.slice(0, 7)}`);
  }
}

/** Every review of a pull request (all pages), as the rule reads them. */
export async function readReviews(conn: GitHubConnection, number: number): Promise<ReviewInput[]> {
  const { octokit, owner, repo } = conn;
  try {
    const reviews = await octokit.paginate(octokit.pulls.listReviews, {
      owner,
      repo,
      pull_number: number,
      per_page: 100,
    });
    return reviews.flatMap((r) =>
      r.user
        ? [
            {
              user: r.user.login,
              userType: r.user.type === "Bot" ? ("Bot" as const) : ("User" as const),
              state: r.state as ReviewInput["state"],
              commitId: r.commit_id ?? null,
              submittedAt: r.submitted_at ?? null,
            },
          ]
        : [],
    );
  } catch (e) {
    throw gitHubError(e, `reading the reviews of pull request #${number}`);
  }
}

/** The latest status of a context on a commit (GitHub lists them newest first). */
export async function latestStatus(
  conn: GitHubConnection,
  sha: string,
  context: string,
): Promise<CommitStatus | undefined> {
  const { octokit, owner, repo } = conn;
  try {
    const { data } = await octokit.repos.listCommitStatusesForRef({ owner, repo, ref: sha, per_page: 100 });
    const s = data.find((x) => x.context === context);
    return s ? { state: s.state as CommitStatus["state"], description: s.description ?? null } : undefined;
  } catch (e) {
    throw gitHubError(e, `reading the statuses of ${sha.slice(0, 7)}`);
  }
}

export async function setStatus(
  conn: GitHubConnection,
  sha: string,
  context: string,
  status: { state: CommitStatus["state"]; description: string; targetUrl: string },
): Promise<void> {
  const { octokit, owner, repo } = conn;
  try {
    await octokit.repos.createCommitStatus({
      owner,
      repo,
      sha,
      state: status.state,
      context,
      description: status.description,
      target_url: status.targetUrl,
    });
  } catch (e) {
    throw gitHubError(e, `setting the ${context} status on ${sha.slice(0, 7)}`);
  }
}

/** Whether a comment contains `marker` (written by `login` when given). */
export async function hasComment(
  conn: GitHubConnection,
  number: number,
  marker: string,
  login: string | undefined,
): Promise<boolean> {
  const { octokit, owner, repo } = conn;
  try {
    const comments = await octokit.paginate(octokit.issues.listComments, {
      owner,
      repo,
      issue_number: number,
      per_page: 100,
    });
    return comments.some(
      (c) => (login === undefined || c.user?.login === login) && (c.body ?? "").includes(marker),
    );
  } catch (e) {
    throw gitHubError(e, `reading the comments of #${number}`);
  }
}

export async function comment(conn: GitHubConnection, number: number, body: string): Promise<void> {
  const { octokit, owner, repo } = conn;
  try {
    await octokit.issues.createComment({ owner, repo, issue_number: number, body });
  } catch (e) {
    throw gitHubError(e, `commenting on #${number}`);
  }
}

export async function addLabels(
  conn: GitHubConnection,
  number: number,
  labels: readonly string[],
): Promise<void> {
  const { octokit, owner, repo } = conn;
  try {
    await octokit.issues.addLabels({ owner, repo, issue_number: number, labels: [...labels] });
  } catch (e) {
    throw gitHubError(e, `labelling #${number} ${labels.join(", ")}`);
  }
}

/** Squash-merges at head `sha`; GitHub refuses when protection, the status or the head say no. */
export async function squashMerge(conn: GitHubConnection, number: number, sha: string): Promise<PullRequest> {
  const { octokit, owner, repo } = conn;
  try {
    await octokit.pulls.merge({ owner, repo, pull_number: number, sha, merge_method: "squash" });
    return toPullRequest((await octokit.pulls.get({ owner, repo, pull_number: number })).data);
  } catch (e) {
    throw gitHubError(e, "merging");
  }
}
