// The github forge: one branch and one pull request per proposal, maintained in place across runs.
// - finds the pull request by its head branch and updates it (title, body, labels) instead of opening
//   another; two runs at once make the same commit (fixed date) and GitHub refuses a second pull request
//   for one branch, so neither duplicates;
// - leaves a pull request alone when it has the kopt/hold label or a person pushed to its branch;
// - does not touch a pull request for a change that is not material (no churn that re-requests reviews),
//   and does not recreate one a person closed unless the recommendation changed materially;
// - closes its pull requests whose recommendation disappeared, saying why;
// - opens nothing new while maxOpenPullRequests of its pull requests are open.
import { materialChange } from "../../decide/material-change.ts";
import type { ApprovalPolicyConfig, GitHubForgeConfig } from "../../formats/config.ts";
import type { Tier } from "../../formats/phr.ts";
import type { ChangeRequest, ClosedProposal, Forge, PullRequestDraft, UpsertResult } from "../forge.ts";
import { commitFiles, type GitRepo, KOPT_AUTHOR, listFiles, showFile } from "../git-repo.ts";
import { connectGitHub, type GitHubConnection, gitHubError, httpStatus } from "./client.ts";
import { authorsBetween, deleteBranch, fetchRemote, pushBranch, type RemoteBranches } from "./git-remote.ts";
import { HOLD_LABEL, KIND_LABEL_PREFIX, LabelCache, TIER_LABEL_PREFIX, tierFromLabels } from "./labels.ts";
import { CLOSED_MARKER, readMarker, withMarker } from "./marker.ts";

export interface GitHubForgeOptions {
  env?: NodeJS.ProcessEnv;
  /** The repository root (relative key files). */
  root: string;
  approval: ApprovalPolicyConfig;
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
}

type Plan =
  | { action: "hold"; reason: string; pull?: PullSummary }
  | { action: "keep"; pull: PullSummary }
  | { action: "update"; pull: PullSummary; previousTier: Tier | undefined }
  | { action: "create" };

/** Who is asked to review a new pull request of a tier (config, else the approval groups). */
export function reviewersFor(
  tier: Tier,
  approval: ApprovalPolicyConfig,
): { users: string[]; teams: string[] } {
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
  };
}

export class GitHubForge implements Forge {
  readonly name = "github";
  private readonly labels: LabelCache;
  /** Open kopt pull requests by head branch; kept current as this run opens and closes them. */
  private readonly open: Map<string, PullSummary>;

  private constructor(
    private readonly repo: GitRepo,
    private readonly conn: GitHubConnection,
    private readonly cfg: GitHubForgeConfig,
    readonly baseBranch: string,
    private readonly remote: RemoteBranches,
    private readonly token: string,
    openPulls: PullSummary[],
    private readonly opts: GitHubForgeOptions,
  ) {
    this.labels = new LabelCache(conn);
    this.open = new Map(openPulls.map((p) => [p.head, p]));
  }

  /** Connects (checking the token and repository first), fetches the base and kopt's branches. */
  static async open(
    repo: GitRepo,
    cfg: GitHubForgeConfig,
    baseBranch: string,
    opts: GitHubForgeOptions,
  ): Promise<GitHubForge> {
    const conn = await connectGitHub(cfg, { env: opts.env, root: opts.root });
    const token = await conn.gitToken();
    const remote = await fetchRemote(repo, conn.gitUrl, token, baseBranch);
    const { octokit, owner, repo: name } = conn;
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
    return new GitHubForge(repo, conn, cfg, baseBranch, remote, token, pulls, opts);
  }

  /** forge.github as configured. */
  get settings(): GitHubForgeConfig {
    return this.cfg;
  }

  get connection(): GitHubConnection {
    return this.conn;
  }

  readBase(path: string): Promise<string | undefined> {
    return showFile(this.repo.git, this.remote.baseSha, path);
  }

  listBase(dir: string): Promise<string[]> {
    return listFiles(this.repo.git, this.remote.baseSha, dir);
  }

  /** Nothing local is written but private refs and objects: the checkout is never touched. */
  async checkWritable(): Promise<void> {}

  async preview(change: ChangeRequest): Promise<UpsertResult> {
    const plan = await this.plan(change);
    return this.result(change, plan, null);
  }

  async upsert(change: ChangeRequest): Promise<UpsertResult> {
    const plan = await this.plan(change);
    if (plan.action === "hold" || plan.action === "keep") return this.result(change, plan, null);
    const fp = change.fingerprint;
    const body = fp ? withMarker(change.pr.body, fp) : change.pr.body;
    const sha = await commitFiles(this.repo, this.remote.baseSha, change.files, change.commitMessage, {
      date: change.date,
    });
    return this.publish(change.branch, sha, { ...change.pr, body }, plan);
  }

  /**
   * Pushes a commit kopt built itself (a revert, a record update) to `branch` and opens or updates its pull
   * request. No hold, churn or limit rules: these are asked for by a person or follow a merge.
   */
  async proposeCommit(branch: string, sha: string, pr: PullRequestDraft): Promise<UpsertResult> {
    const open = this.open.get(branch) ?? (await this.findPull(branch, "open"));
    if (open && this.remote.heads.get(branch) === sha && open.title === pr.title) {
      return { status: "unchanged", branch, commit: sha, location: open.html_url, pullNumber: open.number };
    }
    return this.publish(
      branch,
      sha,
      pr,
      open
        ? { action: "update", pull: open, previousTier: tierFromLabels(open.labels) }
        : { action: "create" },
    );
  }

  /** The base branch's head as fetched at the start of the run. */
  get baseSha(): string {
    return this.remote.baseSha;
  }

  private async publish(
    branch: string,
    sha: string,
    pr: PullRequestDraft,
    plan: Extract<Plan, { action: "update" | "create" }>,
  ): Promise<UpsertResult> {
    await this.push(branch, sha);
    const warnings: string[] = [];
    const wanted = pr.labels;
    await this.labels.ensure(wanted);
    const { octokit, owner, repo } = this.conn;
    const tier = pr.tier as Tier;

    if (plan.action === "update") {
      const pull = plan.pull;
      // kopt's own tier and kind labels are replaced; anything a person added stays.
      const keep = pull.labels.filter(
        (l) => l !== "kopt" && !l.startsWith(TIER_LABEL_PREFIX) && !l.startsWith(KIND_LABEL_PREFIX),
      );
      const labels = [...keep, ...wanted];
      try {
        await octokit.pulls.update({ owner, repo, pull_number: pull.number, title: pr.title, body: pr.body });
        await octokit.issues.setLabels({ owner, repo, issue_number: pull.number, labels });
      } catch (e) {
        throw gitHubError(e, `updating pull request #${pull.number}`);
      }
      if (plan.previousTier !== tier) warnings.push(...(await this.requestReviewers(pull.number, tier)));
      this.open.set(branch, { ...pull, title: pr.title, body: pr.body, labels });
      return {
        status: "updated",
        branch,
        commit: sha,
        location: pull.html_url,
        pullNumber: pull.number,
        ...warn(warnings),
      };
    }

    let created: PullSummary;
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
      created = summarize(data);
    } catch (e) {
      // A concurrent run opened it a moment ago: GitHub allows one open pull request per branch.
      const existing = httpStatus(e) === 422 ? await this.findPull(branch, "open") : undefined;
      if (existing) {
        this.open.set(branch, existing);
        return {
          status: "unchanged",
          branch,
          commit: sha,
          location: existing.html_url,
          pullNumber: existing.number,
        };
      }
      throw gitHubError(e, `opening a pull request for ${branch}`);
    }
    try {
      await octokit.issues.addLabels({ owner, repo, issue_number: created.number, labels: wanted });
    } catch (e) {
      throw gitHubError(e, `labelling pull request #${created.number}`);
    }
    created.labels = [...wanted];
    this.open.set(branch, created);
    warnings.push(...(await this.requestReviewers(created.number, tier)));
    return {
      status: "created",
      branch,
      commit: sha,
      location: created.html_url,
      pullNumber: created.number,
      ...warn(warnings),
    };
  }

  async closeObsolete(
    branchPrefix: string,
    keep: ReadonlySet<string>,
    reasonFor: (branch: string) => string,
    dryRun: boolean,
  ): Promise<ClosedProposal[]> {
    const closed: ClosedProposal[] = [];
    const { octokit, owner, repo } = this.conn;
    for (const [branch, pull] of [...this.open]) {
      if (!branch.startsWith(branchPrefix) || keep.has(branch)) continue;
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
      await deleteBranch(this.repo, this.conn.gitUrl, this.token, branch);
      this.open.delete(branch);
    }
    return closed;
  }

  // -------------------------------------------------------------------------------------------------------

  private async plan(change: ChangeRequest): Promise<Plan> {
    const branch = change.branch;
    const open = this.open.get(branch);
    const fp = change.fingerprint;
    if (open) {
      if (open.labels.includes(HOLD_LABEL)) {
        return { action: "hold", reason: `#${open.number} has the ${HOLD_LABEL} label`, pull: open };
      }
      const human = await this.humanPushed(branch);
      if (human) {
        return {
          action: "hold",
          reason: `#${open.number}'s branch has a commit by ${human}; kopt leaves pull requests people pushed to alone`,
          pull: open,
        };
      }
      const previous = readMarker(open.body);
      const material =
        previous && fp ? materialChange(previous, fp, this.opts.materialThreshold) : "no fingerprint";
      if (!material && open.base === this.baseBranch) return { action: "keep", pull: open };
      return { action: "update", pull: open, previousTier: previous?.tier };
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
        };
      case "update":
        return {
          status: "updated",
          branch: change.branch,
          commit,
          location: plan.pull.html_url,
          pullNumber: plan.pull.number,
        };
      case "create":
        return { status: "created", branch: change.branch, commit, location: "" };
    }
  }

  /** Pushes with a lease on what this run fetched; a concurrent run that pushed the same commit is fine. */
  private async push(branch: string, sha: string): Promise<void> {
    const expected = this.remote.heads.get(branch);
    if (expected === sha) return;
    const pushed = await pushBranch(this.repo, this.conn.gitUrl, this.token, branch, sha, expected);
    if (!pushed) {
      const now = await fetchRemote(this.repo, this.conn.gitUrl, this.token, this.baseBranch);
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

  /** Requests the tier's reviewers; a reviewer GitHub refuses becomes a warning, not a failed run. */
  private async requestReviewers(number: number, tier: Tier): Promise<string[]> {
    const { users, teams } = reviewersFor(tier, this.opts.approval);
    const reviewers = users.filter((u) => u.toLowerCase() !== this.conn.login.toLowerCase());
    if (reviewers.length === 0 && teams.length === 0) return [];
    const { octokit, owner, repo } = this.conn;
    try {
      await octokit.pulls.requestReviewers({
        owner,
        repo,
        pull_number: number,
        reviewers,
        team_reviewers: teams,
      });
      return [];
    } catch (e) {
      return [
        `#${number}: could not request reviews from ${[...reviewers, ...teams.map((t) => `team ${t}`)].join(", ")}: ${gitHubError(e, "requesting reviewers").message}`,
      ];
    }
  }
}

function warn(warnings: string[]): { warnings?: string[] } {
  return warnings.length > 0 ? { warnings } : {};
}
