// The github forge: one branch and one pull request per proposal, maintained in place across runs.
// - finds the pull request by its head branch and updates it (title, body, labels) instead of opening
//   another; two runs at once make the same commit (fixed date) and GitHub refuses a second pull request
//   for one branch, so neither duplicates;
// - leaves a pull request alone when it has the kopt/hold label or a person pushed to its branch (and
//   says when it no longer merges into its base);
// - does not touch a pull request's branch for a change that is not material (no churn that re-requests
//   reviews), unless the branch conflicts with its base: then it is rebuilt on the base's head;
// - completes on every run what an earlier run left out: kopt's labels, the tier's review requests, the
//   body of the commit the branch holds (pull-state.ts), and says when the head lacks an approval status;
// - does not recreate a pull request a person closed unless the recommendation changed materially;
// - closes its pull requests whose recommendation disappeared, saying why;
// - opens nothing new while maxOpenPullRequests of its pull requests are open.
import { APPROVAL_CONTEXT } from "../../decide/approval.ts";
import { materialChange } from "../../decide/material-change.ts";
import { isProposalBranch } from "../../decide/proposals.ts";
import { KoptError } from "../../errors.ts";
import type { GitHubForgeConfig } from "../../formats/config.ts";
import type { Tier } from "../../formats/phr.ts";
import type { ApprovalPolicy } from "../../model/policy.ts";
import type { ReportKind } from "../../model/report.ts";
import type {
  BranchProtection,
  ChangedFile,
  ChangeRequest,
  ClosedProposal,
  ClosedPullRequest,
  CommitStatus,
  Forge,
  IncidentIssue,
  IncidentIssueDraft,
  PullRequest,
  PullRequestCloser,
  PullRequestDraft,
  ReportIssue,
  ReportIssueDraft,
  ReviewInput,
  UpsertResult,
} from "../forge.ts";
import { commitFiles, type GitRepo, KOPT_AUTHOR, listFiles, showFile } from "../git-repo.ts";
import { HOLD_LABEL } from "../labels.ts";
import { connectGitHub, type GitHubConnection, gitHubError, httpStatus } from "./client.ts";
import {
  authorsBetween,
  deleteBranch,
  fetchRemote,
  mergeConflicts,
  pushBranch,
  type RemoteBranches,
} from "./git-remote.ts";
import { closeIncidentIssue, listIncidentIssues, openIncidentIssue, updateIncidentIssue } from "./issues.ts";
import { LabelCache } from "./labels.ts";
import { CLOSED_MARKER, readMarker, withMarker } from "./marker.ts";
import {
  addLabels,
  changedFiles,
  closerOf,
  comment,
  getPullRequest,
  hasComment,
  latestStatus,
  listClosedPullRequests,
  listOpenPullRequests,
  mergedPullRequestOf,
  readFileAt,
  readReviews,
  setStatus,
  squashMerge,
} from "./pull-requests.ts";
import {
  askedBy,
  describeReviewers,
  labelDiff,
  noReviewers,
  notRequested,
  type Reviewers,
  type ReviewRequestEvent,
  stillToAsk,
} from "./pull-state.ts";
import { closeReportIssue, editReportIssue, listReportIssues, openReportIssue } from "./report-issues.ts";
import { TeamCache } from "./teams.ts";

export interface GitHubForgeOptions {
  env?: NodeJS.ProcessEnv;
  /** The repository root (relative key files). */
  root: string;
  approval: ApprovalPolicy;
  /** A relative change above this is material (policy.rightsize.minChange.percent / 100). */
  materialThreshold: number;
}

interface PullSummary {
  number: number;
  state: string;
  html_url: string;
  title: string;
  body: string | null;
  labels: string[];
  head: string;
  base: string;
  merged: boolean;
  closedAt: string | null;
  author: string;
  /** Who is asked for a review at the moment. */
  requested: Reviewers;
}

type Plan =
  | { action: "hold"; reason: string; pull?: PullSummary }
  | { action: "keep"; pull: PullSummary }
  /** `why`: a reason besides a material change (the branch conflicts, the body is stale). */
  | { action: "update"; pull: PullSummary; why?: string }
  | { action: "create" };

/** Who is asked to review a new pull request of a tier (config, else the approval groups). */
export function reviewersFor(tier: Tier, approval: ApprovalPolicy): { users: string[]; teams: string[] } {
  const configured = approval.reviewers[tier];
  if (configured) return { users: configured.users, teams: configured.teams };
  const groups =
    tier === "medium"
      ? [approval.architects]
      : tier === "critical"
        ? [approval.architects, approval.security]
        : [];
  return {
    users: groups.flatMap((g) => ("users" in g ? g.users : [])),
    teams: groups.flatMap((g) => ("team" in g ? [g.team] : [])),
  };
}

function summarize(p: {
  number: number;
  state: string;
  html_url: string;
  title: string;
  body?: string | null;
  labels: ({ name?: string } | string)[];
  head: { ref: string };
  base: { ref: string };
  merged_at?: string | null;
  closed_at?: string | null;
  user: { login: string } | null;
  requested_reviewers?: { login: string }[] | null;
  requested_teams?: { slug: string }[] | null;
}): PullSummary {
  return {
    number: p.number,
    state: p.state,
    html_url: p.html_url,
    title: p.title,
    body: p.body ?? null,
    labels: p.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    head: p.head.ref,
    base: p.base.ref,
    merged: Boolean(p.merged_at),
    closedAt: p.closed_at ?? null,
    author: p.user?.login ?? "",
    requested: {
      users: (p.requested_reviewers ?? []).map((u) => u.login),
      teams: (p.requested_teams ?? []).map((t) => t.slug),
    },
  };
}

export class GitHubForge implements Forge {
  readonly name = "github";
  private readonly labels: LabelCache;
  private readonly teams: TeamCache;
  /** The remote branches and open kopt pull requests, once fetched (GitHubForge.connect defers it). */
  private synced: { remote: RemoteBranches; open: Map<string, PullSummary> } | undefined;

  private constructor(
    private readonly repo: GitRepo,
    private readonly conn: GitHubConnection,
    private readonly cfg: GitHubForgeConfig,
    readonly baseBranch: string,
    private readonly opts: GitHubForgeOptions,
  ) {
    this.labels = new LabelCache(conn);
    this.teams = new TeamCache(conn);
  }

  /** Connects (checking the token and repository first), fetches the base and kopt's branches. */
  static async open(
    repo: GitRepo,
    cfg: GitHubForgeConfig,
    baseBranch: string,
    opts: GitHubForgeOptions,
  ): Promise<GitHubForge> {
    const forge = await GitHubForge.connect(repo, cfg, baseBranch, opts);
    await forge.sync();
    return forge;
  }

  /**
   * Connects only: for a workflow that reads and reviews pull requests (gate, sla, setup), which needs no
   * branches. They are fetched on the first call that needs them; `baseSha` needs one first.
   */
  static async connect(
    repo: GitRepo,
    cfg: GitHubForgeConfig,
    baseBranch: string,
    opts: GitHubForgeOptions,
  ): Promise<GitHubForge> {
    const conn = await connectGitHub(cfg, { env: opts.env, root: opts.root });
    return new GitHubForge(repo, conn, cfg, baseBranch, opts);
  }

  /** Fetches the base and kopt's branches and lists kopt's open pull requests, once. */
  private async sync(): Promise<void> {
    if (this.synced) return;
    const token = await this.conn.gitToken();
    const remote = await fetchRemote(this.repo, this.conn.gitUrl, token, this.baseBranch);
    const { octokit, owner, repo: name } = this.conn;
    let pulls: PullSummary[];
    try {
      const all = await octokit.paginate(octokit.pulls.list, {
        owner,
        repo: name,
        state: "open",
        per_page: 100,
      });
      pulls = all.filter((p) => p.head.ref.startsWith("kopt/")).map(summarize);
    } catch (e) {
      throw gitHubError(e, "listing open pull requests");
    }
    this.synced = { remote, open: new Map(pulls.map((p) => [p.head, p])) };
  }

  private get remote(): RemoteBranches {
    if (!this.synced) throw new Error("GitHubForge: the branches were not fetched (use GitHubForge.open)");
    return this.synced.remote;
  }

  /** Open kopt pull requests by head branch; kept current as this run opens and closes them. */
  private get open(): Map<string, PullSummary> {
    if (!this.synced) throw new Error("GitHubForge: the branches were not fetched (use GitHubForge.open)");
    return this.synced.open;
  }

  /** A token for git, fetched per use: an App's installation token is refreshed as needed. */
  private token(): Promise<string> {
    return this.conn.gitToken();
  }

  async readBase(path: string): Promise<string | undefined> {
    await this.sync();
    return showFile(this.repo.git, this.remote.baseSha, path);
  }

  async listBase(dir: string): Promise<string[]> {
    await this.sync();
    return listFiles(this.repo.git, this.remote.baseSha, dir);
  }

  /** Nothing local is written but private refs and objects: the checkout is never touched. */
  async checkWritable(): Promise<void> {}

  async preview(change: ChangeRequest): Promise<UpsertResult> {
    await this.sync();
    const plan = await this.plan(change);
    if (plan.action === "keep") return this.repair(change.branch, change.pr, plan.pull, { dryRun: true });
    return this.result(change, plan, null);
  }

  async upsert(change: ChangeRequest): Promise<UpsertResult> {
    await this.sync();
    const plan = await this.plan(change);
    if (plan.action === "hold") return this.result(change, plan, null);
    if (plan.action === "keep") return this.repair(change.branch, change.pr, plan.pull, { dryRun: false });
    const sha = await commitFiles(this.repo, this.remote.baseSha, change.files, change.commitMessage, {
      date: change.date,
    });
    // The body names the commit it describes, so a later run can tell when a push outran it.
    const fp = change.fingerprint;
    const body = fp ? withMarker(change.pr.body, fp, sha) : change.pr.body;
    return this.publish(change.branch, sha, { ...change.pr, body }, plan);
  }

  /**
   * Pushes a commit kopt built itself (a revert, a record update) to `branch` and opens or updates its pull
   * request. No hold, churn or limit rules: these are asked for by a person or follow a merge.
   */
  async proposeCommit(branch: string, sha: string, pr: PullRequestDraft): Promise<UpsertResult> {
    await this.sync();
    const open = this.open.get(branch) ?? (await this.findPull(branch, "open"));
    if (open && this.remote.heads.get(branch) === sha && open.title === pr.title) {
      // The workflow that asked for it judges its approval itself.
      return this.repair(branch, pr, open, { dryRun: false, judged: true });
    }
    return this.publish(branch, sha, pr, open ? { action: "update", pull: open } : { action: "create" });
  }

  /** The base branch's head as fetched at the start of the run. */
  get baseSha(): string {
    return this.remote.baseSha;
  }

  /**
   * Pushes `sha` and opens or updates the pull request, then gives it kopt's labels and the tier's review
   * requests. Once the pull request exists, a failure of any later step is a warning: the next run
   * completes it (repair), so one bad answer from GitHub does not stop the other proposals.
   */
  private async publish(
    branch: string,
    sha: string,
    pr: PullRequestDraft,
    plan: Extract<Plan, { action: "update" | "create" }>,
  ): Promise<UpsertResult> {
    await this.push(branch, sha);
    const warnings: string[] = [];
    let pull: PullSummary;
    if (plan.action === "update") {
      pull = plan.pull;
      await this.updateTitleAndBody(pull, pr, warnings);
    } else {
      const opened = await this.openPull(branch, pr);
      if (opened.existing) {
        // A concurrent run opened it a moment ago: that run labels it and asks its reviewers.
        return {
          status: "unchanged",
          branch,
          commit: sha,
          location: opened.pull.html_url,
          pullNumber: opened.pull.number,
        };
      }
      pull = opened.pull;
    }
    this.open.set(branch, pull);
    await this.convergeLabels(pull, pr.labels, false, warnings);
    await this.convergeReviewers(
      pull,
      pr.tier as Tier,
      { dryRun: false, fresh: plan.action === "create" },
      warnings,
    );
    return {
      status: plan.action === "create" ? "created" : "updated",
      branch,
      commit: sha,
      location: pull.html_url,
      pullNumber: pull.number,
      ...(plan.action === "update" && plan.why ? { reason: plan.why } : {}),
      needsApprovalStatus: true,
      ...warn(warnings),
    };
  }

  /**
   * An open pull request whose branch stays as it is: adds what an earlier run left out (labels, review
   * requests) and, unless `judged` (someone else sets its approval status), says whether its head lacks
   * an approval status. Writes nothing when nothing is missing; with `dryRun`, only says what it would do.
   */
  private async repair(
    branch: string,
    pr: PullRequestDraft,
    pull: PullSummary,
    opts: { dryRun: boolean; judged?: boolean },
  ): Promise<UpsertResult> {
    const { dryRun } = opts;
    const warnings: string[] = [];
    const head = this.remote.heads.get(branch) ?? null;
    const done = [
      await this.convergeLabels(pull, pr.labels, dryRun, warnings),
      await this.convergeReviewers(pull, pr.tier as Tier, { dryRun, fresh: false }, warnings),
    ].filter((x): x is string => x !== undefined);
    const unjudged =
      !opts.judged && head !== null && !(await this.hasApprovalStatus(pull.number, head, warnings));
    if (unjudged) done.push(`its head had no ${APPROVAL_CONTEXT} status`);
    const common = {
      branch,
      commit: head,
      location: pull.html_url,
      pullNumber: pull.number,
      ...warn(warnings),
    };
    if (done.length === 0) return { status: "unchanged", ...common };
    return {
      status: "repaired",
      ...common,
      reason: done.join("; "),
      ...(unjudged ? { needsApprovalStatus: true } : {}),
    };
  }

  private async updateTitleAndBody(
    pull: PullSummary,
    pr: PullRequestDraft,
    warnings: string[],
  ): Promise<void> {
    const { octokit, owner, repo } = this.conn;
    try {
      await octokit.pulls.update({ owner, repo, pull_number: pull.number, title: pr.title, body: pr.body });
      pull.title = pr.title;
      pull.body = pr.body;
    } catch (e) {
      warnings.push(
        `#${pull.number}: its title and body still describe the previous commit: ${gitHubError(e, `updating pull request #${pull.number}`).message}; the next run updates them`,
      );
    }
  }

  /** Opens the pull request; `existing` when a concurrent run opened it first. */
  private async openPull(
    branch: string,
    pr: PullRequestDraft,
  ): Promise<{ pull: PullSummary; existing: boolean }> {
    const { octokit, owner, repo } = this.conn;
    try {
      const { data } = await octokit.pulls.create({
        owner,
        repo,
        head: branch,
        base: this.baseBranch,
        title: pr.title,
        body: pr.body,
        maintainer_can_modify: false,
      });
      return { pull: summarize(data), existing: false };
    } catch (e) {
      // GitHub allows one open pull request per branch.
      const existing = httpStatus(e) === 422 ? await this.findPull(branch, "open") : undefined;
      if (existing) {
        this.open.set(branch, existing);
        return { pull: existing, existing: true };
      }
      throw gitHubError(e, `opening a pull request for ${branch}`);
    }
  }

  /**
   * Adds kopt's labels the pull request lacks and removes its own that no longer apply (a stale tier or
   * kind); other labels stay. Returns what it changed, in words, or undefined when nothing.
   */
  private async convergeLabels(
    pull: PullSummary,
    wanted: readonly string[],
    dryRun: boolean,
    warnings: string[],
  ): Promise<string | undefined> {
    const { add, remove } = labelDiff(pull.labels, wanted);
    if (add.length === 0 && remove.length === 0) return undefined;
    const what = [
      ...(add.length > 0 ? [`labels ${add.join(", ")} added`] : []),
      ...(remove.length > 0 ? [`${remove.join(", ")} removed`] : []),
    ].join(", ");
    if (dryRun) return what;
    const { octokit, owner, repo } = this.conn;
    try {
      if (add.length > 0) {
        await this.labels.ensure(add);
        await octokit.issues.addLabels({ owner, repo, issue_number: pull.number, labels: add });
        pull.labels = [...pull.labels, ...add];
      }
      for (const name of remove) {
        await this.removeLabel(pull.number, name);
        pull.labels = pull.labels.filter((l) => l !== name);
      }
    } catch (e) {
      warnings.push(
        `#${pull.number}: its labels are incomplete (${what} not done): ${gitHubError(e, `labelling pull request #${pull.number}`).message}; the next run tries again`,
      );
      return undefined;
    }
    return what;
  }

  private async removeLabel(number: number, name: string): Promise<void> {
    const { octokit, owner, repo } = this.conn;
    try {
      await octokit.issues.removeLabel({ owner, repo, issue_number: number, name });
    } catch (e) {
      // Someone removed it a moment ago.
      if (httpStatus(e) !== 404) throw e;
    }
  }

  /**
   * Asks the tier's reviewers kopt has not asked on this pull request yet (pull-state.ts); `fresh`: a pull
   * request this run opened, which has no history to read. Returns what it did, in words.
   */
  private async convergeReviewers(
    pull: PullSummary,
    tier: Tier,
    opts: { dryRun: boolean; fresh: boolean },
    warnings: string[],
  ): Promise<string | undefined> {
    let ask = notRequested(this.wantedReviewers(tier), pull.requested);
    if (noReviewers(ask)) return undefined;
    if (!opts.fresh) {
      try {
        const history = await this.reviewHistory(pull.number);
        ask = stillToAsk(ask, history.asked, history.reviewed);
      } catch (e) {
        warnings.push(
          `#${pull.number}: could not tell whom kopt asked for a review: ${gitHubError(e, "reading its events").message}`,
        );
        return undefined;
      }
      if (noReviewers(ask)) return undefined;
    }
    const what = `review requested from ${describeReviewers(ask)}`;
    if (opts.dryRun) return what;
    const { octokit, owner, repo } = this.conn;
    try {
      await octokit.pulls.requestReviewers({
        owner,
        repo,
        pull_number: pull.number,
        reviewers: ask.users,
        team_reviewers: ask.teams,
      });
    } catch (e) {
      // A reviewer GitHub refuses (not a collaborator) is a warning, not a failed run.
      warnings.push(
        `#${pull.number}: could not request reviews from ${describeReviewers(ask)}: ${gitHubError(e, "requesting reviewers").message}`,
      );
      return undefined;
    }
    pull.requested = {
      users: [...pull.requested.users, ...ask.users],
      teams: [...pull.requested.teams, ...ask.teams],
    };
    return what;
  }

  /** The tier's reviewers, without kopt itself (GitHub refuses a review request to the author). */
  private wantedReviewers(tier: Tier): Reviewers {
    const { users, teams } = reviewersFor(tier, this.opts.approval);
    return { users: users.filter((u) => u.toLowerCase() !== this.conn.login.toLowerCase()), teams };
  }

  /** Whom kopt asked for a review on this pull request (its issue events), and who reviewed it. */
  private async reviewHistory(number: number): Promise<{ asked: Reviewers; reviewed: string[] }> {
    const { octokit, owner, repo } = this.conn;
    const events = await octokit.paginate(octokit.issues.listEvents, {
      owner,
      repo,
      issue_number: number,
      per_page: 100,
    });
    const reviews = await octokit.paginate(octokit.pulls.listReviews, {
      owner,
      repo,
      pull_number: number,
      per_page: 100,
    });
    return {
      asked: askedBy(this.conn.login, events as ReviewRequestEvent[]),
      reviewed: reviews.flatMap((r) => (r.user ? [r.user.login] : [])),
    };
  }

  /** Whether the commit has a kopt/approval status (any state); a failed read is a warning, taken as yes. */
  private async hasApprovalStatus(number: number, sha: string, warnings: string[]): Promise<boolean> {
    const { octokit, owner, repo } = this.conn;
    try {
      const { data } = await octokit.repos.getCombinedStatusForRef({ owner, repo, ref: sha, per_page: 100 });
      return data.statuses.some((x) => x.context === APPROVAL_CONTEXT);
    } catch (e) {
      warnings.push(`#${number}: ${gitHubError(e, `reading the statuses of ${sha.slice(0, 7)}`).message}`);
      return true;
    }
  }

  async closeObsolete(
    branchPrefix: string,
    keep: ReadonlySet<string>,
    reasonFor: (branch: string) => string,
    dryRun: boolean,
  ): Promise<ClosedProposal[]> {
    await this.sync();
    const closed: ClosedProposal[] = [];
    const { octokit, owner, repo } = this.conn;
    for (const [branch, pull] of [...this.open]) {
      if (!branch.startsWith(branchPrefix) || !isProposalBranch(branch) || keep.has(branch)) continue;
      if (pull.labels.includes(HOLD_LABEL)) continue;
      if (await this.humanPushed(branch)) continue;
      const reason = reasonFor(branch);
      closed.push({ branch, location: pull.html_url, reason });
      if (dryRun) continue;
      try {
        await octokit.issues.createComment({
          owner,
          repo,
          issue_number: pull.number,
          body: `kopt closed this pull request: ${reason}\n\nIf the recommendation comes back, kopt opens a new one.\n\n${CLOSED_MARKER}`,
        });
        await octokit.pulls.update({ owner, repo, pull_number: pull.number, state: "closed" });
      } catch (e) {
        throw gitHubError(e, `closing pull request #${pull.number}`);
      }
      await deleteBranch(this.repo, this.conn.gitUrl, await this.token(), branch);
      this.open.delete(branch);
    }
    return closed;
  }

  /** The commit `branch` holds on GitHub (as fetched, or as this run pushed it). */
  async branchHead(branch: string): Promise<string | undefined> {
    await this.sync();
    return this.remote.heads.get(branch);
  }

  // The pull requests' read and review side (pull-requests.ts) -------------------------------------------

  pullRequest(number: number): Promise<PullRequest> {
    return getPullRequest(this.conn, number, this.cfg.apiUrl);
  }

  openPullRequests(branchPrefix: string): Promise<PullRequest[]> {
    return listOpenPullRequests(this.conn, branchPrefix, this.cfg.apiUrl);
  }

  closedPullRequests(branchPrefix: string): Promise<ClosedPullRequest[]> {
    return listClosedPullRequests(this.conn, branchPrefix, this.cfg.apiUrl);
  }

  closerOf(number: number): Promise<PullRequestCloser> {
    return closerOf(this.conn, number);
  }

  mergedPullRequestOf(commitSha: string): Promise<PullRequest | undefined> {
    return mergedPullRequestOf(this.conn, commitSha);
  }

  changedFiles(number: number): Promise<ChangedFile[]> {
    return changedFiles(this.conn, number);
  }

  readFileAt(path: string, ref: string): Promise<string | undefined> {
    return readFileAt(this.conn, path, ref);
  }

  reviews(number: number): Promise<ReviewInput[]> {
    return readReviews(this.conn, number);
  }

  /** People review on GitHub itself: kopt only counts the reviews. */
  async submitReview(number: number): Promise<void> {
    const pull = await this.pullRequest(number);
    throw new KoptError("usage", `review pull request #${number} on GitHub: ${pull.url}`, {
      hint: "kopt records reviews only with the local forge; on GitHub, approve or request changes on the pull request's page",
    });
  }

  /** Read once per team for the life of this forge. */
  teamMembers(slug: string, where: { file: string; field: string }): Promise<string[]> {
    return this.teams.members(slug, where);
  }

  teamName(slug: string): string {
    return `@${this.conn.owner}/${slug}`;
  }

  latestStatus(sha: string, context: string): Promise<CommitStatus | undefined> {
    return latestStatus(this.conn, sha, context);
  }

  setStatus(
    sha: string,
    context: string,
    status: { state: CommitStatus["state"]; description: string; targetUrl: string },
  ): Promise<void> {
    return setStatus(this.conn, sha, context, status);
  }

  hasComment(number: number, marker: string, byMe = false): Promise<boolean> {
    return hasComment(this.conn, number, marker, byMe ? this.conn.login : undefined);
  }

  comment(number: number, body: string): Promise<void> {
    return comment(this.conn, number, body);
  }

  async addLabels(number: number, labels: readonly string[]): Promise<void> {
    await this.labels.ensure(labels);
    await addLabels(this.conn, number, labels);
  }

  merge(number: number, sha: string): Promise<PullRequest> {
    return squashMerge(this.conn, number, sha);
  }

  /** Pushes `sha` to the base branch with a lease on `expected`. */
  async pushBase(sha: string, expected: string): Promise<boolean> {
    await this.sync();
    const token = await this.token();
    const pushed = await pushBranch(this.repo, this.conn.gitUrl, token, this.baseBranch, sha, expected);
    return pushed;
  }

  async prepare(labels: readonly string[], protection: BranchProtection): Promise<void> {
    await this.labels.ensure(labels);
    const { octokit, owner, repo } = this.conn;
    try {
      await octokit.repos.updateBranchProtection({ owner, repo, branch: this.baseBranch, ...protection });
    } catch (e) {
      throw gitHubError(
        e,
        `protecting branch ${this.baseBranch} (the token needs repository Administration: write)`,
      );
    }
  }

  // Incident issues (issues.ts) ---------------------------------------------------------------------------

  incidentIssues(cluster: string, fingerprints?: ReadonlySet<string>): Promise<IncidentIssue[]> {
    return listIncidentIssues(this.conn, cluster, fingerprints);
  }

  openIncidentIssue(draft: IncidentIssueDraft): Promise<IncidentIssue> {
    return openIncidentIssue(this.conn, this.labels, draft);
  }

  updateIncidentIssue(
    number: number,
    draft: IncidentIssueDraft,
    opts: { reopen?: boolean } = {},
  ): Promise<IncidentIssue> {
    return updateIncidentIssue(this.conn, this.labels, number, draft, opts.reopen ?? false);
  }

  closeIncidentIssue(number: number, comment: string): Promise<IncidentIssue> {
    return closeIncidentIssue(this.conn, number, comment);
  }

  // Report issues (report-issues.ts) ----------------------------------------------------------------------

  reportIssues(cluster: string, kind: ReportKind): Promise<ReportIssue[]> {
    return listReportIssues(this.conn, cluster, kind);
  }

  openReportIssue(draft: ReportIssueDraft): Promise<ReportIssue> {
    return openReportIssue(this.conn, this.labels, draft);
  }

  editReportIssue(number: number, body: string): Promise<ReportIssue> {
    return editReportIssue(this.conn, number, body);
  }

  closeReportIssue(number: number, comment: string): Promise<ReportIssue> {
    return closeReportIssue(this.conn, number, comment);
  }

  // -------------------------------------------------------------------------------------------------------

  private async plan(change: ChangeRequest): Promise<Plan> {
    const branch = change.branch;
    const open = this.open.get(branch);
    const fp = change.fingerprint;
    if (open) {
      if (open.labels.includes(HOLD_LABEL)) {
        return {
          action: "hold",
          reason: `#${open.number} has the ${HOLD_LABEL} label${await this.conflictNote(branch, `kopt rebuilds it once the label is removed`)}`,
          pull: open,
        };
      }
      const human = await this.humanPushed(branch);
      if (human) {
        return {
          action: "hold",
          reason: `#${open.number}'s branch has a commit by ${human}; kopt leaves pull requests people pushed to alone${await this.conflictNote(branch, "resolve it on the branch")}`,
          pull: open,
        };
      }
      const previous = readMarker(open.body);
      const material =
        previous && fp ? materialChange(previous, fp, this.opts.materialThreshold) : "no fingerprint";
      if (material || open.base !== this.baseBranch) return { action: "update", pull: open };
      const why = await this.rebuildReason(branch, previous?.head);
      return why ? { action: "update", pull: open, why } : { action: "keep", pull: open };
    }
    const human = await this.humanPushed(branch);
    if (human) {
      return {
        action: "hold",
        reason: `branch ${branch} has a commit by ${human} and no open pull request; kopt does not overwrite it`,
      };
    }
    const last = await this.findPull(branch, "closed");
    if (last && !last.merged && (await this.closedByPerson(last))) {
      const previous = readMarker(last.body);
      const material = previous && fp ? materialChange(previous, fp, this.opts.materialThreshold) : undefined;
      if (!material) {
        return {
          action: "hold",
          reason: `#${last.number} was closed without merging on ${(last.closedAt ?? "").slice(0, 10)}; kopt does not reopen it unless the recommendation changes materially`,
          pull: last,
        };
      }
    }
    const limit = this.cfg.maxOpenPullRequests;
    if (this.open.size >= limit) {
      return {
        action: "hold",
        reason: `${this.open.size} kopt pull requests are open (forge.github.maxOpenPullRequests: ${limit}); merge or close some first`,
      };
    }
    return { action: "create" };
  }

  private result(change: ChangeRequest, plan: Plan, commit: string | null): UpsertResult {
    const remoteHead = this.remote.heads.get(change.branch) ?? null;
    switch (plan.action) {
      case "hold":
        return {
          status: "held",
          branch: change.branch,
          commit: remoteHead,
          location: plan.pull?.html_url ?? "",
          ...(plan.pull ? { pullNumber: plan.pull.number } : {}),
          reason: plan.reason,
        };
      case "keep":
        return {
          status: "unchanged",
          branch: change.branch,
          commit: remoteHead,
          location: plan.pull.html_url,
          pullNumber: plan.pull.number,
        };
      case "update":
        return {
          status: "updated",
          branch: change.branch,
          commit,
          location: plan.pull.html_url,
          pullNumber: plan.pull.number,
          ...(plan.why ? { reason: plan.why } : {}),
        };
      case "create":
        return { status: "created", branch: change.branch, commit, location: "" };
    }
  }

  /** Pushes with a lease on what this run fetched; a concurrent run that pushed the same commit is fine. */
  private async push(branch: string, sha: string): Promise<void> {
    const expected = this.remote.heads.get(branch);
    if (expected === sha) return;
    const token = await this.token();
    const pushed = await pushBranch(this.repo, this.conn.gitUrl, token, branch, sha, expected);
    if (!pushed) {
      const now = await fetchRemote(this.repo, this.conn.gitUrl, token, this.baseBranch);
      if (now.heads.get(branch) !== sha) {
        throw gitHubError(
          new Error(
            `branch ${branch} moved on GitHub while kopt was working on it (another run, or a person)`,
          ),
          `pushing ${branch}`,
        );
      }
    }
    this.remote.heads.set(branch, sha);
  }

  /** The files in which the branch's head conflicts with the base's head (empty: it merges cleanly). */
  private async conflicts(branch: string): Promise<string[]> {
    const head = this.remote.heads.get(branch);
    return head ? mergeConflicts(this.repo, this.remote.baseSha, head) : [];
  }

  /**
   * Why kopt's branch must be rebuilt although the recommendation did not change materially, or undefined:
   * it no longer merges into the base (a person changed the lines it edits), or its body was written for
   * another commit than the head (a run pushed, then failed before updating the body). A base that moved
   * elsewhere, in the same values file included, is not a reason: rebuilding dismisses approvals.
   */
  private async rebuildReason(branch: string, bodyHead: string | undefined): Promise<string | undefined> {
    const files = await this.conflicts(branch);
    const base = this.baseBranch;
    if (files.length > 0) {
      return `it conflicted with ${base} in ${files.join(", ")}: rebuilt on ${base} at ${this.remote.baseSha.slice(0, 7)}`;
    }
    const head = this.remote.heads.get(branch);
    if (bodyHead && head && bodyHead !== head) {
      return `its body described commit ${bodyHead.slice(0, 7)}, not the branch's head ${head.slice(0, 7)}`;
    }
    return undefined;
  }

  /** For a pull request kopt leaves alone: that it no longer merges into the base, if so, and what to do. */
  private async conflictNote(branch: string, fix: string): Promise<string> {
    const files = await this.conflicts(branch);
    if (files.length === 0) return "";
    return `; it conflicts with ${this.baseBranch} in ${files.join(", ")}: ${fix}`;
  }

  /** The email of a commit on the branch (not on the base) that kopt did not make, if any. */
  private async humanPushed(branch: string): Promise<string | undefined> {
    const head = this.remote.heads.get(branch);
    if (!head) return undefined;
    const emails = await authorsBetween(this.repo, this.remote.baseSha, head);
    return emails.find((e) => e !== KOPT_AUTHOR.email);
  }

  private async findPull(branch: string, state: "open" | "closed"): Promise<PullSummary | undefined> {
    const { octokit, owner, repo } = this.conn;
    try {
      const { data } = await octokit.pulls.list({
        owner,
        repo,
        state,
        head: `${owner}:${branch}`,
        sort: "updated",
        direction: "desc",
        per_page: 10,
      });
      const p = data.find((x) => x.head.ref === branch);
      return p ? summarize(p) : undefined;
    } catch (e) {
      throw gitHubError(e, `looking up the pull request of ${branch}`);
    }
  }

  /** True unless kopt's own closing comment is on it. */
  private async closedByPerson(pull: PullSummary): Promise<boolean> {
    const { octokit, owner, repo } = this.conn;
    try {
      const comments = await octokit.paginate(octokit.issues.listComments, {
        owner,
        repo,
        issue_number: pull.number,
        per_page: 100,
      });
      return !comments.some(
        (c) => c.user?.login === this.conn.login && (c.body ?? "").includes(CLOSED_MARKER),
      );
    } catch (e) {
      throw gitHubError(e, `reading the comments of #${pull.number}`);
    }
  }
}

function warn(warnings: string[]): { warnings?: string[] } {
  return warnings.length > 0 ? { warnings } : {};
}
