// The embedded forge: branches in a git repository on disk, pull requests as Markdown drafts under
// `.kopt/pull-requests/` with their numbers, reviews, comments, labels and commit statuses as files under
// `.kopt/` (src/propose/local/). Branches are built with git plumbing from the committed base branch, so the
// user's checkout, index and working tree are never touched, except that a merge moves a checked-out base
// branch's files along with it.
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { APPROVAL_CONTEXT } from "../decide/approval.ts";
import { KoptError } from "../errors.ts";
import { rfc3339 } from "../model/format.ts";
import type { ReportKind } from "../model/report.ts";
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
  ReviewSubmission,
  UpsertResult,
} from "./forge.ts";
import {
  commitFiles,
  type GitRepo,
  gitWriteError,
  KOPT_AUTHOR,
  listFiles,
  resolveRef,
  showFile,
} from "./git-repo.ts";
import { HOLD_LABEL } from "./labels.ts";
import { removeLeftovers } from "./leftovers.ts";
import { DRAFTS_DIR, draftPath, draftWriteError, parseDraft, renderDraft } from "./local/drafts.ts";
import { readIfExists, type Staged, stageFile, TEMP_FILE, writeWhole } from "./local/files.ts";
import { ISSUES_DIR, IssueStore } from "./local/issues.ts";
import { mergeCommit, mergeRefusal, mergerOf, type Person } from "./local/merges.ts";
import { diffFiles, pullView } from "./local/pull-view.ts";
import { FORGE_DIR, PULLS_DIR, type PullRecord, PullStore, STATUSES_DIR } from "./local/records.ts";
import { REPORT_ISSUES_DIR, ReportIssueStore } from "./local/report-issues.ts";
import { teamMembers } from "./local/teams.ts";
import { advanceBranch, checkNotCheckedOut, worktrees } from "./local/worktrees.ts";

export { KOPT_AUTHOR } from "./git-repo.ts";
export { DRAFTS_DIR, draftPath } from "./local/drafts.ts";

/** A draft's temporary file: `<draft>.<pid>-<random>-<host>.tmp` (see leftovers.ts). */
const DRAFT_TEMP = /^.+\.md\.(.+)\.tmp$/;

/** The label that keeps kopt from closing a pull request (the same as on GitHub). */

export interface LocalForgeOptions {
  /** The clock for when pull requests open, statuses are set and merges happen; default the system's. */
  now?: () => Date;
  /** Who merges; default git's user.name and user.email, else $USER. */
  user?: Person;
}

export class LocalForge implements Forge {
  readonly name = "local";
  private readonly pulls: PullStore;
  private readonly issues: IssueStore;
  private readonly reports: ReportIssueStore;

  private constructor(
    private readonly repo: GitRepo,
    readonly baseBranch: string,
    private readonly base: string,
    private readonly opts: LocalForgeOptions,
  ) {
    this.pulls = new PullStore(repo.root);
    this.issues = new IssueStore(repo.root, () => this.now());
    this.reports = new ReportIssueStore(repo.root, () => this.now());
  }

  static async open(repo: GitRepo, baseBranch: string, opts: LocalForgeOptions = {}): Promise<LocalForge> {
    // A CI checkout may have only the remote-tracking branch.
    const sha =
      (await resolveRef(repo.git, `refs/heads/${baseBranch}`)) ??
      (await resolveRef(repo.git, `refs/remotes/origin/${baseBranch}`));
    if (!sha) {
      throw new KoptError("forge", `base branch "${baseBranch}" does not exist in ${repo.root}`, {
        hint: "commit to that branch first, or set forge.baseBranch in kopt.yaml to the branch kopt should build on",
      });
    }
    // Temp files of killed runs (drafts and records are renamed or linked into place, so they are whole).
    await removeLeftovers(join(repo.root, DRAFTS_DIR), (entry) => DRAFT_TEMP.exec(entry)?.[1]);
    for (const dir of [FORGE_DIR, PULLS_DIR, STATUSES_DIR, ISSUES_DIR, REPORT_ISSUES_DIR]) {
      await removeLeftovers(join(repo.root, dir), (entry) => TEMP_FILE.exec(entry)?.[1]);
    }
    return new LocalForge(repo, baseBranch, sha, opts);
  }

  /** The base branch's head when the forge was opened. */
  get baseSha(): string {
    return this.base;
  }

  private now(): string {
    return rfc3339(this.opts.now?.() ?? new Date());
  }

  /** Points `branch` at a commit the caller built (a revert, a record) and writes its draft. */
  async proposeCommit(branch: string, sha: string, pr: PullRequestDraft): Promise<UpsertResult> {
    const existing = await resolveRef(this.repo.git, `refs/heads/${branch}`);
    const status = existing === undefined ? "created" : existing === sha ? "unchanged" : "updated";
    return this.publish(branch, sha, pr, { status, old: existing, kind: "commit" });
  }

  branchHead(branch: string): Promise<string | undefined> {
    return resolveRef(this.repo.git, `refs/heads/${branch}`);
  }

  readBase(path: string): Promise<string | undefined> {
    return showFile(this.repo.git, this.base, path);
  }

  listBase(dir: string): Promise<string[]> {
    return listFiles(this.repo.git, this.base, dir);
  }

  async checkWritable(paths: readonly string[], changes: readonly ChangeRequest[]): Promise<void> {
    const { git, root } = this.repo;
    if (paths.length > 0) {
      // Porcelain lines are "XY path"; X may be a space, so only the end is trimmed.
      const dirty = (await git.raw(["status", "--porcelain", "--", ...paths])).trimEnd();
      if (dirty) {
        const files = dirty.split("\n").map((l) => l.slice(3));
        throw new KoptError("forge", `uncommitted changes in ${files.join(", ")}`, {
          where: { file: join(root, files[0] ?? "") },
          hint: "commit or stash them first: kopt builds its branches from the committed base branch and would not see them",
        });
      }
    }
    // An unchanged or held branch is not moved: looking at it in a worktree is fine.
    await checkNotCheckedOut(this.repo.git, this.baseBranch, changes, async (change) =>
      ["created", "updated"].includes((await this.preview(change)).status),
    );
  }

  async preview(change: ChangeRequest): Promise<UpsertResult> {
    const { git } = this.repo;
    const location = draftPath(change.branch);
    const existing = await resolveRef(git, `refs/heads/${change.branch}`);
    const number = (await this.pulls.openFor(change.branch))?.number;
    const known = number === undefined ? {} : { pullNumber: number };
    const refused = number === undefined ? await this.closedByPerson(change) : undefined;
    if (refused)
      return { status: "held", branch: change.branch, commit: existing ?? null, location, reason: refused };
    if (!existing) return { status: "created", branch: change.branch, commit: null, location, ...known };
    const author = (await git.raw(["log", "-1", "--format=%ae", existing])).trim();
    if (author !== KOPT_AUTHOR.email) {
      return {
        status: "held",
        branch: change.branch,
        commit: existing,
        location,
        ...known,
        reason: `the branch has a commit by ${author}; kopt leaves branches people pushed to alone`,
      };
    }
    const status = (await this.sameContent(existing, change)) ? "unchanged" : "updated";
    return { status, branch: change.branch, commit: existing, location, ...known };
  }

  async upsert(change: ChangeRequest): Promise<UpsertResult> {
    const planned = await this.preview(change);
    if (planned.status === "held") return planned;
    const head = planned.status === "unchanged" ? (planned.commit as string) : await this.commit(change);
    const old = planned.commit ?? undefined;
    return this.publish(change.branch, head, change.pr, {
      status: planned.status,
      old,
      kind: "proposal",
      keepBody: planned.status === "unchanged",
    });
  }

  /**
   * Moves `branch` to `head` (unless unchanged) and writes its draft, numbered. The draft is staged before
   * the branch moves, so a failure of either leaves the proposal as it was; the number is taken once the
   * branch holds `head`, so a run that fails before leaves no number behind, and concurrent runs (which
   * build their proposals in the same order) number them as one run alone would.
   */
  private async publish(
    branch: string,
    head: string,
    pr: PullRequestDraft,
    how: {
      status: UpsertResult["status"];
      old: string | undefined;
      kind: PullRecord["kind"];
      /** Keep the draft's body when all else is the same: it describes the commit, which did not move. */
      keepBody?: boolean;
    },
  ): Promise<UpsertResult> {
    const location = draftPath(branch);
    const file = join(this.repo.root, location);
    const render = (number: number | undefined) =>
      renderDraft(pr, { branch, base: this.baseBranch, head }, { number });
    const current = await readIfExists(file).catch(() => undefined);
    const kept = (number: number | undefined) =>
      how.keepBody === true && current !== undefined && sameFront(current, file, render(number));
    const stage = async (number: number | undefined): Promise<Staged | undefined> =>
      current === render(number) || kept(number)
        ? undefined
        : stageFile(file, render(number), (err) => draftWriteError(file, err));
    let number = (await this.pulls.openFor(branch))?.number;
    let staged = await stage(number);
    let status = how.status;
    if (status !== "unchanged" && !(await this.moveBranch(branch, head, how.old, staged))) {
      status = "unchanged";
    }
    if (number === undefined) {
      await staged?.drop();
      number = (
        await this.pulls.claim(branch, { kind: how.kind, author: KOPT_AUTHOR.name, createdAt: this.now() })
      ).number;
      staged = await stage(number);
    }
    await staged?.place();
    return { status, branch, commit: head, location, pullNumber: number };
  }

  /**
   * Points `branch` at `sha` if it is still at `old` (undefined: must not exist): a compare-and-swap, so a
   * concurrent run is never clobbered. False when another run already pointed it at `sha` (the same input
   * makes the same commit, so it did this run's work); a KoptError when it points anywhere else, or git cannot
   * write. On an error the staged draft is dropped.
   */
  private async moveBranch(
    branch: string,
    sha: string,
    old: string | undefined,
    staged: { drop(): Promise<void> } | undefined,
  ): Promise<boolean> {
    const ref = `refs/heads/${branch}`;
    const args = ["update-ref", ref, sha, old ?? "0".repeat(40)];
    try {
      // Wait up to 2 s for a concurrent run's lock on the ref (git's default is 0.1 s).
      await this.repo.git.raw(["-c", "core.filesRefLockTimeout=2000", ...args]);
      return true;
    } catch (err) {
      const now = await resolveRef(this.repo.git, ref);
      if (now === sha) return false;
      await staged?.drop();
      if (now === old) throw gitWriteError(this.repo.root, args, err);
      throw movedMeanwhile(branch, now);
    }
  }

  /**
   * Why the change is not proposed again: its branch's last pull request was closed by a person and this
   * change edits the values files as that one did (as GitHub's adapter, kopt does not reopen what a person
   * closed unless the recommendation changed).
   */
  private async closedByPerson(change: ChangeRequest): Promise<string | undefined> {
    const last = (await this.pulls.all()).filter((r) => r.branch === change.branch).at(-1);
    const by = last?.closed?.by;
    if (last?.state !== "closed" || !by || by === KOPT_AUTHOR.name || !last.final) return undefined;
    for (const f of change.files) {
      if (f.path.startsWith("phr/")) continue;
      if ((await showFile(this.repo.git, last.final.headSha, f.path)) !== f.content) return undefined;
    }
    return `#${last.number} was closed without merging by ${by} on ${(last.closed?.at ?? "").slice(0, 10)}; kopt does not reopen it unless the recommendation changes`;
  }

  /**
   * True when the branch is one commit on the current base with these files: the values files as they are,
   * and as many PHRs. A PHR differs in every run on a live cluster (its time, its evidence), so comparing it
   * would move the branch each run while the change stays the same; GitHub's adapter keeps such a pull
   * request by its fingerprint, and this one keeps the branch, with the PHR that describes it.
   */
  private async sameContent(existing: string, change: ChangeRequest): Promise<boolean> {
    const { git } = this.repo;
    const parent = await resolveRef(git, `${existing}^`);
    if (parent !== this.base) return false;
    const isPhr = (path: string) => path.startsWith("phr/");
    const changed = (await git.raw(["diff", "--name-only", this.base, existing])).trim().split("\n");
    const wanted = change.files.map((f) => f.path);
    const values = (paths: string[]) =>
      paths
        .filter((p) => !isPhr(p))
        .sort()
        .join("\n");
    if (values(changed) !== values(wanted)) return false;
    if (changed.filter(isPhr).length !== wanted.filter(isPhr).length) return false;
    for (const f of change.files) {
      if (!isPhr(f.path) && (await showFile(git, existing, f.path)) !== f.content) return false;
    }
    return true;
  }

  /** Dated at the observation time, not the clock: the same input makes the same commit, in any run. */
  private commit(change: ChangeRequest): Promise<string> {
    return commitFiles(this.repo, this.base, change.files, change.commitMessage, { date: change.date });
  }

  /**
   * Closes kopt's open proposals (pull requests kopt plan opened) under `branchPrefix` that are not in
   * `keep`: a comment saying why, the draft marked closed, and the branch deleted (it holds only kopt's
   * commit). Those on hold, pushed to by a person, or checked out are left alone; reverts and records too.
   */
  async closeObsolete(
    branchPrefix: string,
    keep: ReadonlySet<string>,
    reasonFor: (branch: string) => string,
    dryRun: boolean,
  ): Promise<ClosedProposal[]> {
    const closed: ClosedProposal[] = [];
    const checkedOut = new Set((await worktrees(this.repo.git)).map((w) => w.branch));
    for (const record of await this.pulls.all()) {
      const { branch } = record;
      if (record.kind !== "proposal" || !branch.startsWith(branchPrefix) || keep.has(branch)) continue;
      const pr = record.state === "open" ? await this.view(record) : undefined;
      if (pr?.state !== "open" || pr.labels.includes(HOLD_LABEL) || checkedOut.has(branch)) continue;
      const author = (await this.repo.git.raw(["log", "-1", "--format=%ae", pr.headSha])).trim();
      if (author !== KOPT_AUTHOR.email) continue;
      const reason = reasonFor(branch);
      closed.push({ branch, location: pr.url, reason });
      if (dryRun) continue;
      await this.comment(
        pr.number,
        `kopt closed this pull request: ${reason}\n\nIf the recommendation comes back, kopt opens a new one.`,
      );
      const closedAt = this.now();
      await this.finish(
        pr,
        { state: "closed", closed: { at: closedAt, reason, by: KOPT_AUTHOR.name } },
        reason,
      );
      const args = ["update-ref", "-d", `refs/heads/${branch}`, pr.headSha];
      await this.repo.git.raw(args).catch((err) => {
        throw gitWriteError(this.repo.root, args, err);
      });
    }
    return closed;
  }

  /** Records that a pull request closed or merged, and marks its draft so. */
  private async finish(
    pr: PullRequest,
    change: Pick<PullRecord, "state" | "closed" | "merged">,
    reason?: string,
  ): Promise<void> {
    const final = { title: pr.title, headSha: pr.headSha, labels: pr.labels };
    await this.pulls.update(pr.number, (r) => ({ ...r, ...change, final }));
    const file = join(this.repo.root, draftPath(pr.branch));
    const text = await readIfExists(file);
    if (text === undefined) return;
    const { front, body } = parseDraft(text, file);
    if (front.number !== pr.number) return; // the draft is another pull request's by now
    const pullDraft = { title: front.title, body, labels: front.labels, tier: front.tier };
    const where = { branch: front.branch, base: front.base, head: front.head };
    const state = change.state === "open" ? undefined : change.state;
    await writeWhole(file, renderDraft(pullDraft, where, { number: pr.number, state, reason }), (err) =>
      draftWriteError(file, err),
    );
  }

  // Reading pull requests ----------------------------------------------------------------------------------

  async pullRequest(number: number): Promise<PullRequest> {
    const record = await this.pulls.get(number);
    if (!record) {
      throw new KoptError("usage", `no pull request #${number} in ${this.repo.root}`, {
        hint: `the local forge keeps its pull requests in ${join(this.repo.root, PULLS_DIR)}/<number>.yaml; kopt plan opens them`,
      });
    }
    return this.view(record);
  }

  private async view(r: PullRecord): Promise<PullRequest> {
    return pullView(this.repo, r, await this.baseHead());
  }

  /** The base branch's head now (a merge moves it while the forge is open). */
  private async baseHead(): Promise<string> {
    return (await resolveRef(this.repo.git, `refs/heads/${this.baseBranch}`)) ?? this.base;
  }

  async openPullRequests(branchPrefix: string): Promise<PullRequest[]> {
    const out: PullRequest[] = [];
    for (const r of await this.pulls.all()) {
      if (r.state !== "open" || !r.branch.startsWith(branchPrefix)) continue;
      const pr = await this.view(r);
      if (pr.state === "open") out.push(pr);
    }
    return out;
  }

  async closedPullRequests(branchPrefix: string): Promise<ClosedPullRequest[]> {
    const out: ClosedPullRequest[] = [];
    for (const r of await this.pulls.all()) {
      if (r.state !== "closed" || !r.closed || !r.branch.startsWith(branchPrefix)) continue;
      const pr = await this.view(r);
      out.push({ ...pr, state: "closed", closedAt: r.closed.at });
    }
    return out;
  }

  async closerOf(number: number): Promise<PullRequestCloser> {
    await this.pullRequest(number);
    const record = (await this.pulls.get(number)) as PullRecord;
    // Records from before people could close one were closed by kopt.
    const by = record.closed ? (record.closed.by ?? KOPT_AUTHOR.name) : null;
    return { by, byKopt: by === KOPT_AUTHOR.name };
  }

  /**
   * A person closes an open pull request without merging it (the forge's close button): its branch stays,
   * as on GitHub, and `kopt plan` does not propose the same change on it again.
   */
  async close(number: number, by: string, comment?: string): Promise<PullRequest> {
    const pr = await this.pullRequest(number);
    if (pr.state !== "open") {
      throw new KoptError("usage", `pull request #${number} is ${pr.state}; only an open one can be closed`);
    }
    const at = this.now();
    if (comment) {
      await this.pulls.update(number, (r) => ({
        ...r,
        comments: [...r.comments, { user: by, body: comment, at }],
      }));
    }
    const reason = `closed by ${by}`;
    await this.finish(pr, { state: "closed", closed: { at, reason, by } }, reason);
    return { ...pr, state: "closed" };
  }

  async mergedPullRequestOf(commitSha: string): Promise<PullRequest | undefined> {
    const records = await this.pulls.all();
    const recorded = records.find((r) => r.merged?.sha === commitSha);
    if (recorded) return this.view(recorded);
    for (const r of records.filter((x) => x.state === "open")) {
      const pr = await this.view(r);
      if (pr.merged?.sha === commitSha) return pr;
    }
    return undefined;
  }

  async changedFiles(number: number): Promise<ChangedFile[]> {
    const pr = await this.pullRequest(number);
    const { git } = this.repo;
    const onto = pr.merged && pr.merged.sha !== pr.headSha ? `${pr.merged.sha}^1` : await this.baseHead();
    const from = (await git.raw(["merge-base", onto, pr.headSha])).trim();
    return diffFiles(git, from, pr.headSha);
  }

  readFileAt(path: string, ref: string): Promise<string | undefined> {
    return showFile(this.repo.git, ref, path);
  }

  // Reviews, statuses, comments, labels -------------------------------------------------------------------

  async reviews(number: number): Promise<ReviewInput[]> {
    await this.pullRequest(number);
    const record = (await this.pulls.get(number)) as PullRecord;
    return record.reviews.map((r) => ({
      user: r.user,
      userType: "User",
      state: r.state,
      commitId: r.commitId,
      submittedAt: r.submittedAt,
    }));
  }

  async submitReview(number: number, review: ReviewSubmission): Promise<void> {
    const pr = await this.pullRequest(number);
    if (pr.state !== "open") {
      throw new KoptError("usage", `pull request #${number} is ${pr.state}: only open ones can be reviewed`);
    }
    if (review.state !== "COMMENTED" && review.user.toLowerCase() === pr.author.toLowerCase()) {
      throw new KoptError("usage", `${review.user} opened #${number} and cannot review it`, {
        hint: "as on GitHub, the author neither approves nor requests changes: review as another person (--as <login>)",
      });
    }
    const stored = {
      user: review.user,
      state: review.state,
      ...(review.body ? { body: review.body } : {}),
      commitId: pr.headSha,
      submittedAt: review.at,
    };
    await this.pulls.update(number, (r) => ({ ...r, reviews: [...r.reviews, stored] }));
  }

  teamMembers(slug: string, where: { file: string; field: string }): Promise<string[]> {
    return teamMembers(this.repo.root, slug, where);
  }

  /** No organization here: a team is its key in .kopt/teams.yaml. */
  teamName(slug: string): string {
    return `team ${slug}`;
  }

  async latestStatus(sha: string, context: string): Promise<CommitStatus | undefined> {
    const latest = (await this.pulls.statuses(sha)).filter((s) => s.context === context).at(-1);
    return latest ? { state: latest.state, description: latest.description } : undefined;
  }

  async setStatus(
    sha: string,
    context: string,
    status: { state: CommitStatus["state"]; description: string; targetUrl: string },
  ): Promise<void> {
    await this.pulls.addStatus(sha, { context, ...status, at: this.now() });
  }

  async hasComment(number: number, marker: string, byMe = false): Promise<boolean> {
    await this.pullRequest(number);
    const record = (await this.pulls.get(number)) as PullRecord;
    return record.comments.some((c) => c.body.includes(marker) && (!byMe || c.user === KOPT_AUTHOR.name));
  }

  async comment(number: number, body: string): Promise<void> {
    await this.pullRequest(number);
    const at = this.now();
    await this.pulls.update(number, (r) => ({
      ...r,
      comments: [...r.comments, { user: KOPT_AUTHOR.name, body, at }],
    }));
  }

  async addLabels(number: number, labels: readonly string[]): Promise<void> {
    await this.pullRequest(number);
    await this.pulls.update(number, (r) => ({ ...r, labels: [...new Set([...r.labels, ...labels])] }));
  }

  // Merging -------------------------------------------------------------------------------------------------

  /**
   * A merge commit of the pull request's head on the base branch, as a forge's merge button with branch
   * protection requiring kopt/approval: refused unless the pull request is open, its head is `sha` and the
   * latest kopt/approval status on it is success.
   */
  async merge(number: number, sha: string): Promise<PullRequest> {
    const pr = await this.pullRequest(number);
    const refusal = mergeRefusal(pr, sha, await this.latestStatus(sha, APPROVAL_CONTEXT));
    if (refusal) throw refusal;
    const baseHead = await resolveRef(this.repo.git, `refs/heads/${this.baseBranch}`);
    if (!baseHead) {
      throw new KoptError("forge", `there is no local branch ${this.baseBranch} to merge into`, {
        hint: `create it from the remote one: git branch ${this.baseBranch} origin/${this.baseBranch}`,
      });
    }
    const by = this.opts.user ?? (await mergerOf(this.repo));
    const at = this.now();
    const message = `Merge pull request #${number} from ${pr.branch}`;
    const merge = await mergeCommit(this.repo, baseHead, sha, message, by, at);
    if (!(await advanceBranch(this.repo, this.baseBranch, merge, baseHead))) {
      throw new KoptError("forge", `${this.baseBranch} moved while #${number} was being merged`, {
        hint: `run kopt merge --pr ${number} again`,
      });
    }
    const merged = { at, by: by.name, sha: merge };
    await this.finish(pr, { state: "merged", merged });
    return { ...pr, state: "merged", merged };
  }

  pushBase(sha: string, expected: string): Promise<boolean> {
    return advanceBranch(this.repo, this.baseBranch, sha, expected);
  }

  async prepare(_labels: readonly string[], _protection: BranchProtection): Promise<void> {
    throw new KoptError(
      "usage",
      "the local forge has no labels or branch protection to set up; kopt setup prepares a GitHub repository (forge.type: github)",
    );
  }

  /** Incident issues are files under .kopt/issues/ (local/issues.ts). */
  incidentIssues(cluster: string): Promise<IncidentIssue[]> {
    return this.issues.list(cluster);
  }

  openIncidentIssue(draft: IncidentIssueDraft): Promise<IncidentIssue> {
    return this.issues.open(draft);
  }

  updateIncidentIssue(
    number: number,
    draft: IncidentIssueDraft,
    opts: { reopen?: boolean } = {},
  ): Promise<IncidentIssue> {
    return this.issues.update(number, draft, opts.reopen ?? false);
  }

  closeIncidentIssue(number: number, comment: string): Promise<IncidentIssue> {
    return this.issues.close(number, comment);
  }

  /** Report issues are files under .kopt/issues/reports/ (local/report-issues.ts). */
  reportIssues(cluster: string, kind: ReportKind): Promise<ReportIssue[]> {
    return this.reports.list(cluster, kind);
  }

  openReportIssue(draft: ReportIssueDraft): Promise<ReportIssue> {
    return this.reports.open(draft);
  }

  editReportIssue(number: number, body: string): Promise<ReportIssue> {
    return this.reports.edit(number, body);
  }

  closeReportIssue(number: number, comment: string): Promise<ReportIssue> {
    return this.reports.close(number, comment);
  }
}

/** Another process moved (or deleted) `branch` between this run's look at it and its update. */
function movedMeanwhile(branch: string, now: string | undefined): KoptError {
  const what = now === undefined ? "deleted" : `moved to ${now.slice(0, 12)}`;
  return new KoptError(
    "forge",
    `the branch ${branch} was ${what} by another kopt run (or a git command) while this run was writing it`,
    {
      hint: "rerun kopt once the other run is done: it builds on what that run left, and a run on the same input changes nothing",
    },
  );
}

/** Whether two drafts agree in everything but their bodies; false when `current` is not a draft kopt reads. */
function sameFront(current: string, file: string, wanted: string): boolean {
  try {
    return isDeepStrictEqual(parseDraft(current, file).front, parseDraft(wanted, file).front);
  } catch {
    return false;
  }
}
