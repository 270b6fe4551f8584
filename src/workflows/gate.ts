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
  STATUS_DESCRIPTION_MAX,
} from "../decide/approval.ts";
import { KoptError } from "../errors.ts";
import type { ApproverGroup } from "../formats/config.ts";
import type { Tier } from "../formats/phr.ts";
import type { ApprovalPolicy } from "../model/policy.ts";
import type { Forge, PullRequest } from "../propose/forge.ts";
import { openRepository } from "../propose/git-repo.ts";
import { clockOf, ForgeSessions } from "./open-forge.ts";
import { lintPhr, type PhrFault } from "./phr-lint.ts";

export { APPROVAL_CONTEXT };

export interface GateOptions {
  /** The GitOps repository: clusters/<name>/kopt.yaml is read from here. */
  repoDir: string;
  pr: number;
  /** Used when neither the head branch nor a PHR of the pull request names the cluster. */
  cluster?: string;
  env: NodeJS.ProcessEnv;
  /** Overrides forge.type. */
  forge?: "local" | "github";
  /** When the run happens: the local forge's clock for the status it sets; default now. */
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

/** What the gate judges a pull request by: its cluster's approval policy, and the file it came from. */
export interface GatePolicy {
  cluster: string;
  approval: ApprovalPolicy;
  /** The cluster's kopt.yaml: named in errors about the policy (an unreadable team). */
  file: string;
}

export function gatePolicy(loaded: LoadedConfig): GatePolicy {
  return { cluster: loaded.config.cluster, approval: loaded.policy.approval, file: loaded.file };
}

// ---------------------------------------------------------------------------------------------------------
// Shared with sla.ts and after-merge.ts: finding the cluster, approver groups.

/**
 * The config to open the forge with before the pull request names its cluster: the named cluster's, the
 * only one's, or (several clusters, none named) the first one's — they share one repository.
 */
export async function bootstrapConfig(root: string, cluster: string | undefined): Promise<LoadedConfig> {
  if (cluster) return loadClusterConfig(root, cluster);
  const all = await listClusters(root);
  if (all.length > 1) return loadClusterConfig(root, all[0] as string);
  return loadClusterConfig(root, await resolveClusterName(root, undefined));
}

/** `kopt/<cluster>/...` -> cluster. */
export function clusterOfBranch(branch: string): string | undefined {
  return /^kopt\/([a-z0-9-]+)\//.exec(branch)?.[1];
}

/** How a group is named in descriptions and comments: the forge's team name, or the role and the people. */
export function groupName(forge: Forge, g: ApproverGroup, role: "architects" | "security"): string {
  return "team" in g ? forge.teamName(g.team) : `${role} (${g.users.join(", ")})`;
}

/** Who an escalation mentions: the forge's team name, or @a @b. */
export function groupMention(forge: Forge, g: ApproverGroup): string {
  return "team" in g ? forge.teamName(g.team) : g.users.map((u) => `@${u}`).join(" ");
}

/** The architects and security groups of a policy, with their members (teams read through the forge). */
export async function approverGroups(
  forge: Forge,
  policy: ApprovalPolicy,
  file: string,
): Promise<{ architects: ApproverGroupInput; security: ApproverGroupInput }> {
  const read = async (role: "architects" | "security"): Promise<ApproverGroupInput> => {
    const g = policy[role];
    const members =
      "team" in g
        ? await forge.teamMembers(g.team, { file, field: `policy.approval.${role}` })
        : [...g.users];
    return { name: groupName(forge, g, role), members };
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

// ---------------------------------------------------------------------------------------------------------

interface PhrRead {
  file: string;
  tier?: Tier;
  cluster?: string;
  faults: PhrFault[];
}

/** A pull request with what the gate reads of it: its changed files and the PHRs among them at its head. */
export interface GatePull {
  pull: PullRequest;
  files: ChangedFile[];
  phrs: PhrRead[];
}

async function readPhr(forge: Forge, path: string, ref: string): Promise<PhrRead> {
  const text = await forge.readFileAt(path, ref);
  if (text === undefined) return { file: path, faults: [{ file: path, message: "not a file" }] };
  const { front, faults } = lintPhr(text, path);
  if (!front) return { file: path, faults };
  return { file: path, tier: front.tier, cluster: front.cluster, faults: [] };
}

export async function readGatePull(forge: Forge, number: number): Promise<GatePull> {
  const pull = await forge.pullRequest(number);
  const files = await forge.changedFiles(number);
  const phrs: PhrRead[] = [];
  for (const f of files) {
    if (isPhrPath(f.path) && f.status !== "removed") phrs.push(await readPhr(forge, f.path, pull.headSha));
  }
  return { pull, files, phrs };
}

/** The cluster a pull request names: its head branch's, else its PHRs'. */
export function clusterOfPull(read: GatePull): string | undefined {
  return clusterOfBranch(read.pull.branch) ?? read.phrs.find((p) => p.cluster)?.cluster;
}

interface Verdict {
  state: GateState;
  description: string;
  approval?: ApprovalEvaluation;
}

async function verdictOf(
  forge: Forge,
  policy: GatePolicy,
  pull: PullRequest,
  tier: Tier | null,
  invalidPhrs: PhrFault[],
): Promise<Verdict> {
  if (invalidPhrs.length > 0) {
    const f = invalidPhrs[0] as PhrFault;
    return {
      state: "failure",
      description: capDescription(
        `invalid PHR ${f.file}${f.line ? `:${f.line}` : ""}: ${f.field ? `${f.field}: ` : ""}${f.message} (kopt phr lint)`,
      ),
    };
  }
  if (tier === null) return { state: "success", description: "no kopt-governed change" };
  const groups = needsGroups(tier) ? await approverGroups(forge, policy.approval, policy.file) : NO_GROUPS;
  const approval = evaluateApproval({
    tier,
    author: pull.author,
    headSha: pull.headSha,
    reviews: await forge.reviews(pull.number),
    ...groups,
  });
  return { state: approval.state, description: approval.description, approval };
}

/**
 * Judges a pull request by `policy` and sets kopt/approval on its head unless the latest status already
 * says the same. Shared by `kopt gate` and `kopt plan` (the first word on the heads it pushes); `pr` is a
 * number, or what readGatePull read of it.
 */
export async function judgePullRequest(
  forge: Forge,
  policy: GatePolicy,
  pr: number | GatePull,
): Promise<GateOutcome> {
  const { pull, files, phrs } = typeof pr === "number" ? await readGatePull(forge, pr) : pr;
  const tier = gateTier({
    labels: pull.labels,
    phrTiers: phrs.flatMap((p) => (p.tier ? [{ file: p.file, tier: p.tier }] : [])),
    changedFiles: files,
  });
  const invalidPhrs = phrs.flatMap((p) => p.faults);
  const verdict = await verdictOf(forge, policy, pull, tier.tier, invalidPhrs);
  const { state } = verdict;
  const description = capDescription(verdict.description, STATUS_DESCRIPTION_MAX);

  const previous = await forge.latestStatus(pull.headSha, APPROVAL_CONTEXT);
  const changed = !(previous && previous.state === state && (previous.description ?? "") === description);
  if (changed) {
    await forge.setStatus(pull.headSha, APPROVAL_CONTEXT, { state, description, targetUrl: pull.url });
  }
  return {
    pr: pull.number,
    headSha: pull.headSha,
    cluster: policy.cluster,
    tier: tier.tier,
    tierReasons: tier.reasons,
    state,
    description,
    changed,
    targetUrl: pull.url,
    approval: verdict.approval,
    invalidPhrs,
  };
}

export async function gate(opts: GateOptions): Promise<GateOutcome> {
  const { pr } = opts;
  if (!Number.isInteger(pr) || pr < 1) {
    throw new KoptError("usage", `not a pull request number: ${pr}`, { hint: "pass --pr N, e.g. --pr 12" });
  }
  const repo = await openRepository(opts.repoDir);
  const sessions = new ForgeSessions(repo, { ...opts, ...clockOf(opts.now) }, { branches: false });
  const first = await bootstrapConfig(repo.root, opts.cluster);
  const read = await readGatePull(await sessions.forgeOf(first), pr);
  const cluster = clusterOfPull(read) ?? opts.cluster ?? (await resolveClusterName(repo.root, undefined));
  // The cluster's own policy; its forge is the one already open when its config points at the same repository.
  const loaded = cluster === first.config.cluster ? first : await loadClusterConfig(repo.root, cluster);
  return judgePullRequest(await sessions.forgeOf(loaded), gatePolicy(loaded), read);
}

/** `--pr N` as a number, or a usage error. */
export function parsePullNumber(value: string): number {
  const n = /^#?\d+$/.test(value.trim()) ? Number(value.trim().replace(/^#/, "")) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) {
    throw new KoptError("usage", `--pr is not a pull request number: ${value}`, { hint: "e.g. --pr 12" });
  }
  return n;
}
