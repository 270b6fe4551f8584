// `kopt gate --pr N`: the approval gate. Reads a pull request (labels, changed files, the PHRs among them at
// its head, reviews) and the approver teams, decides its tier and whether its reviews meet the tier's rule
// (src/decide/approval.ts), and sets the commit status `kopt/approval` on its head. Branch protection
// requires that status; review is the approval gate, kopt only counts.
//
// Run it on every pull_request and pull_request_review event. The policy comes from the kopt.yaml in
// repoDir: check out the base branch there, so a pull request cannot loosen the rule it is judged by
// (changing kopt.yaml is critical anyway).

import { type LoadedConfig, listClusters, loadClusterConfig, resolveClusterName } from "../config/load.ts";
import {
  APPROVAL_CONTEXT,
  type ApprovalEvaluation,
  type ApproverGroupInput,
  type ChangedFile,
  capDescription,
  evaluateApproval,
  gateTier,
  isPhrPath,
  type ReviewInput,
  STATUS_DESCRIPTION_MAX,
} from "../decide/approval.ts";
import { KoptError } from "../errors.ts";
import type { ApprovalPolicyConfig, ApproverGroup, GitHubForgeConfig } from "../formats/config.ts";
import type { Tier } from "../formats/phr.ts";
import { readPhrFront } from "../formats/phr.ts";
import {
  connectGitHub,
  type GitHubConnection,
  gitHubError,
  httpStatus,
  resolveGitHubConfig,
} from "../propose/github/client.ts";
import { lintPhrText, type PhrFault } from "./phr-lint.ts";

export { APPROVAL_CONTEXT };

export interface GateOptions {
  /** The GitOps repository: clusters/<name>/kopt.yaml is read from here. */
  repoDir: string;
  pr: number;
  /** Used when neither the head branch nor a PHR of the pull request names the cluster. */
  cluster?: string;
  env: NodeJS.ProcessEnv;
  /** Unused by the rule (GitHub timestamps everything); accepted for symmetry with the other workflows. */
  now?: Date;
}

export type GateState = "success" | "pending" | "failure";

export interface GateOutcome {
  pr: number;
  headSha: string;
  /** The cluster whose policy judged the pull request. */
  cluster: string;
  /** null: the pull request changes nothing kopt governs (the status is success). */
  tier: Tier | null;
  /** Where the tier came from. */
  tierReasons: string[];
  state: GateState;
  /** The status description (at most 140 characters). */
  description: string;
  /** false when the latest kopt/approval status on the head already said the same (nothing was posted). */
  changed: boolean;
  /** The pull request's page: the status links there. */
  targetUrl: string;
  /** The rule's verdict in detail; undefined when no rule applied (no tier, or an invalid PHR). */
  approval?: ApprovalEvaluation;
  /** Faults of the PHRs in the pull request; any fault fails the gate. */
  invalidPhrs: PhrFault[];
}

// ---------------------------------------------------------------------------------------------------------
// Shared with sla.ts: finding the cluster, connecting, approver groups and reviews.

/**
 * The config to connect with before the pull request names its cluster: the named cluster's, the only
 * one's, or (several clusters, none named) the first one's — they share one repository.
 */
export async function bootstrapConfig(root: string, cluster: string | undefined): Promise<LoadedConfig> {
  if (cluster) return loadClusterConfig(root, cluster);
  const all = await listClusters(root);
  if (all.length > 1) return loadClusterConfig(root, all[0] as string);
  return loadClusterConfig(root, await resolveClusterName(root, undefined));
}

export interface Session {
  loaded: LoadedConfig;
  github: GitHubForgeConfig;
  conn: GitHubConnection;
}

export async function connectFor(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  root: string,
): Promise<Session> {
  const github = resolveGitHubConfig(loaded.config.forge.github, env, loaded.file);
  const conn = await connectGitHub(github, { env, root });
  return { loaded, github, conn };
}

/** The same session with another cluster's policy; reconnects only when it points at another repository. */
export async function switchCluster(
  s: Session,
  cluster: string,
  env: NodeJS.ProcessEnv,
  root: string,
): Promise<Session> {
  if (cluster === s.loaded.config.cluster) return s;
  const loaded = await loadClusterConfig(root, cluster);
  const github = resolveGitHubConfig(loaded.config.forge.github, env, loaded.file);
  const same =
    github.owner.toLowerCase() === s.github.owner.toLowerCase() &&
    github.repo.toLowerCase() === s.github.repo.toLowerCase() &&
    github.apiUrl.replace(/\/$/, "") === s.github.apiUrl.replace(/\/$/, "");
  return same ? { ...s, loaded } : connectFor(loaded, env, root);
}

/** `kopt/<cluster>/...` -> cluster. */
export function clusterOfBranch(branch: string): string | undefined {
  return /^kopt\/([a-z0-9-]+)\//.exec(branch)?.[1];
}

/** How a group is named in descriptions and comments: @owner/slug, or the role and the people. */
export function groupName(owner: string, g: ApproverGroup, role: "architects" | "security"): string {
  return "team" in g ? `@${owner}/${g.team}` : `${role} (${g.users.join(", ")})`;
}

/** Who an escalation mentions: @owner/slug, or @a @b. */
export function groupMention(owner: string, g: ApproverGroup): string {
  return "team" in g ? `@${owner}/${g.team}` : g.users.map((u) => `@${u}`).join(" ");
}

const TEAM_HINT =
  "the token needs the organization permission Members: read to read team members. GitHub Actions' GITHUB_TOKEN cannot read teams: use a GitHub App installation token (forge.github.auth.app, with Members: read), or name the people in kopt.yaml: policy.approval.architects / security: { users: [<login>, ...] }";

/** Reads team members (once per team per TeamCache). */
export class TeamCache {
  private readonly teams = new Map<string, Promise<string[]>>();
  constructor(private readonly conn: GitHubConnection) {}

  members(slug: string, field: string, file: string): Promise<string[]> {
    let p = this.teams.get(slug);
    if (!p) {
      p = this.read(slug, field, file);
      this.teams.set(slug, p);
    }
    return p;
  }

  private async read(slug: string, field: string, file: string): Promise<string[]> {
    const { octokit, owner } = this.conn;
    try {
      const members = await octokit.paginate(octokit.teams.listMembersInOrg, {
        org: owner,
        team_slug: slug,
        per_page: 100,
      });
      return members.map((m) => m.login);
    } catch (e) {
      const status = httpStatus(e);
      const rateLimited =
        (e as { response?: { headers?: Record<string, string> } }).response?.headers?.[
          "x-ratelimit-remaining"
        ] === "0";
      if ((status === 403 && !rateLimited) || status === 404) {
        throw new KoptError(
          "forge",
          `cannot read the members of team @${owner}/${slug} (HTTP ${status}${status === 404 ? ": no such team, or the token cannot see it" : ""})`,
          { where: { file, field }, hint: TEAM_HINT },
        );
      }
      throw gitHubError(e, `reading the members of team @${owner}/${slug}`);
    }
  }
}

/** The architects and security groups of a policy, with their members. */
export async function approverGroups(
  teams: TeamCache,
  owner: string,
  policy: ApprovalPolicyConfig,
  file: string,
): Promise<{ architects: ApproverGroupInput; security: ApproverGroupInput }> {
  const read = async (role: "architects" | "security"): Promise<ApproverGroupInput> => {
    const g = policy[role];
    const members = "team" in g ? await teams.members(g.team, `policy.approval.${role}`, file) : [...g.users];
    return { name: groupName(owner, g, role), members };
  };
  return { architects: await read("architects"), security: await read("security") };
}

/** Medium and critical need the groups; trivial and low never look at them (no Members permission needed). */
export function needsGroups(tier: Tier): boolean {
  return tier === "medium" || tier === "critical";
}

export const NO_GROUPS = {
  architects: { name: "architects", members: [] },
  security: { name: "security", members: [] },
} satisfies { architects: ApproverGroupInput; security: ApproverGroupInput };

/** Every review of a pull request (all pages), as the rule reads them. */
export async function readReviews(conn: GitHubConnection, pr: number): Promise<ReviewInput[]> {
  const { octokit, owner, repo } = conn;
  try {
    const reviews = await octokit.paginate(octokit.pulls.listReviews, {
      owner,
      repo,
      pull_number: pr,
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
    throw gitHubError(e, `reading the reviews of pull request #${pr}`);
  }
}

// ---------------------------------------------------------------------------------------------------------

interface PhrRead {
  file: string;
  tier?: Tier;
  cluster?: string;
  faults: PhrFault[];
}

async function readPhr(conn: GitHubConnection, path: string, ref: string): Promise<PhrRead> {
  const { octokit, owner, repo } = conn;
  let text: string;
  try {
    const { data } = await octokit.repos.getContent({ owner, repo, path, ref });
    if (Array.isArray(data) || data.type !== "file") {
      return { file: path, faults: [{ file: path, message: "not a file" }] };
    }
    text = Buffer.from(
      data.content ?? "",
      (data.encoding as BufferEncoding | undefined) ?? "base64",
    ).toString("utf8");
  } catch (e) {
    throw gitHubError(e, `reading ${path} at ${ref.slice(0, 7)}`);
  }
  const faults = lintPhrText(text, path);
  if (faults.length > 0) return { file: path, faults };
  const front = readPhrFront(text, path);
  return { file: path, tier: front.tier, cluster: front.cluster, faults: [] };
}

async function changedFiles(conn: GitHubConnection, pr: number): Promise<ChangedFile[]> {
  const { octokit, owner, repo } = conn;
  try {
    const files = await octokit.paginate(octokit.pulls.listFiles, {
      owner,
      repo,
      pull_number: pr,
      per_page: 100,
    });
    return files.flatMap((f) => [
      { path: f.filename, status: f.status },
      // A rename takes the old name away.
      ...(f.previous_filename ? [{ path: f.previous_filename, status: "removed" }] : []),
    ]);
  } catch (e) {
    throw gitHubError(e, `listing the files of pull request #${pr}`);
  }
}

/** The latest status of a context on a commit (GitHub lists them newest first). */
export async function latestStatus(
  conn: GitHubConnection,
  sha: string,
  context: string,
): Promise<{ state: string; description: string | null } | undefined> {
  const { octokit, owner, repo } = conn;
  try {
    const { data } = await octokit.repos.listCommitStatusesForRef({ owner, repo, ref: sha, per_page: 100 });
    const s = data.find((x) => x.context === context);
    return s ? { state: s.state, description: s.description ?? null } : undefined;
  } catch (e) {
    throw gitHubError(e, `reading the statuses of ${sha.slice(0, 7)}`);
  }
}

export async function gate(opts: GateOptions): Promise<GateOutcome> {
  const { repoDir, pr, env } = opts;
  if (!Number.isInteger(pr) || pr < 1) {
    throw new KoptError("usage", `not a pull request number: ${pr}`, { hint: "pass --pr N, e.g. --pr 12" });
  }
  let session = await connectFor(await bootstrapConfig(repoDir, opts.cluster), env, repoDir);
  const { octokit, owner, repo } = session.conn;

  let pull: Awaited<ReturnType<typeof octokit.pulls.get>>["data"];
  try {
    pull = (await octokit.pulls.get({ owner, repo, pull_number: pr })).data;
  } catch (e) {
    throw gitHubError(e, `reading pull request #${pr}`, session.github.apiUrl);
  }
  const headSha = pull.head.sha;
  const files = await changedFiles(session.conn, pr);
  const phrs: PhrRead[] = [];
  for (const f of files) {
    if (isPhrPath(f.path) && f.status !== "removed") phrs.push(await readPhr(session.conn, f.path, headSha));
  }

  const cluster =
    clusterOfBranch(pull.head.ref) ??
    phrs.find((p) => p.cluster)?.cluster ??
    opts.cluster ??
    (await resolveClusterName(repoDir, undefined));
  session = await switchCluster(session, cluster, env, repoDir);
  const { loaded, conn } = session;

  const labels = pull.labels.map((l) => (typeof l === "string" ? l : (l.name ?? "")));
  const tier = gateTier({
    labels,
    phrTiers: phrs.flatMap((p) => (p.tier ? [{ file: p.file, tier: p.tier }] : [])),
    changedFiles: files,
  });
  const invalidPhrs = phrs.flatMap((p) => p.faults);

  let state: GateState;
  let description: string;
  let approval: ApprovalEvaluation | undefined;
  if (invalidPhrs.length > 0) {
    const f = invalidPhrs[0] as PhrFault;
    state = "failure";
    description = capDescription(
      `invalid PHR ${f.file}${f.line ? `:${f.line}` : ""}: ${f.field ? `${f.field}: ` : ""}${f.message} (kopt phr lint)`,
    );
  } else if (tier.tier === null) {
    state = "success";
    description = "no kopt-governed change";
  } else {
    const groups = needsGroups(tier.tier)
      ? await approverGroups(new TeamCache(conn), conn.owner, loaded.config.policy.approval, loaded.file)
      : NO_GROUPS;
    approval = evaluateApproval({
      tier: tier.tier,
      author: pull.user?.login ?? "",
      headSha,
      reviews: await readReviews(conn, pr),
      ...groups,
    });
    state = approval.state;
    description = approval.description;
  }
  description = capDescription(description, STATUS_DESCRIPTION_MAX);

  const previous = await latestStatus(conn, headSha, APPROVAL_CONTEXT);
  const changed = !(previous && previous.state === state && (previous.description ?? "") === description);
  if (changed) {
    try {
      await conn.octokit.repos.createCommitStatus({
        owner: conn.owner,
        repo: conn.repo,
        sha: headSha,
        state,
        context: APPROVAL_CONTEXT,
        description,
        target_url: pull.html_url,
      });
    } catch (e) {
      throw gitHubError(e, `setting the ${APPROVAL_CONTEXT} status on ${headSha.slice(0, 7)}`);
    }
  }
  return {
    pr,
    headSha,
    cluster,
    tier: tier.tier,
    tierReasons: tier.reasons,
    state,
    description,
    changed,
    targetUrl: pull.html_url,
    approval,
    invalidPhrs,
  };
}

/** `--pr N` as a number, or a usage error. */
export function parsePullNumber(value: string): number {
  const n = /^#?\d+$/.test(value.trim()) ? Number(value.trim().replace(/^#/, "")) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) {
    throw new KoptError("usage", `--pr is not a pull request number: ${value}`, { hint: "e.g. --pr 12" });
  }
  return n;
}
