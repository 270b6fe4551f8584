// The approval gate's rules (DESIGN.md, "Tiers"): which tier a pull request is, and whether its reviews
// meet that tier's rule. Pure: the reviews, the team members and the changed files are passed in.
//
// evaluateApproval:
//   trivial  no approval needed
//   low      one approval
//   medium   one approval by an architect
//   critical two distinct people: one security reviewer and one architect. A person in both groups
//            counts once, as either, so two people are always needed: alice (architects + security)
//            alone is not enough; alice plus any other architect or security reviewer is.
// Each reviewer's state is their latest APPROVED, CHANGES_REQUESTED or DISMISSED review (GitHub's
// semantics: COMMENTED and PENDING change nothing, a later approval replaces a change request, a
// dismissal clears either). An approval of an older commit than the head is stale and does not count.
// The pull request's author and bots (userType Bot, or a login ending in [bot]) neither approve nor
// block. An outstanding change request (on any commit) fails the gate in every tier, trivial included:
// a person asked for changes. Logins compare case-insensitively.
//
// gateTier: the highest of the kopt/tier:<t> labels, the tiers of the PHRs the pull request adds or
// changes, and the path rules (kopt's own policy is critical; clusters/ or helm/ without a PHR is
// critical; PHR-only changes are trivial).
import { TIERS, type Tier } from "../model/tier.ts";

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";

export interface ReviewInput {
  user: string;
  userType: "User" | "Bot";
  state: ReviewState;
  /** The commit the review was submitted on (null for a pending review). */
  commitId: string | null;
  /** RFC 3339 (null for a pending review). */
  submittedAt: string | null;
}

/** A group of approvers: its display name (e.g. "@acme/architects") and its members' logins. */
export interface ApproverGroupInput {
  name: string;
  members: readonly string[];
}

export interface ApprovalInput {
  tier: Tier;
  /** The pull request author's login. */
  author: string;
  headSha: string;
  /** In any order; sorted by submittedAt (list order breaks ties). */
  reviews: readonly ReviewInput[];
  architects: ApproverGroupInput;
  security: ApproverGroupInput;
}

export type ApprovalRole = "architects" | "security";

export interface CountedApproval {
  user: string;
  /** The groups the approver is in (empty for a plain reviewer). */
  as: ApprovalRole[];
  /** When the approval was submitted. */
  at: string;
}

export interface ApprovalEvaluation {
  state: "success" | "pending" | "failure";
  /** At most 140 characters (GitHub's limit for a commit status): what is missing, exactly. */
  description: string;
  /** Every valid approval (the latest state of a human other than the author, on the head commit), in the order of their latest reviews. */
  counted: CountedApproval[];
  /** Logins whose latest approval is of an older commit. */
  stale: string[];
  /** Reviewers whose approvals or change requests never count. */
  ignored: { user: string; why: string }[];
  /** What the tier's rule still needs, e.g. "1 approval from @acme/security"; empty on success. */
  missing: string[];
  /** Logins whose latest review requests changes. */
  changesRequested: string[];
}

/** GitHub's maximum length of a commit status description. */
export const STATUS_DESCRIPTION_MAX = 140;

/** Cuts text to `max` characters, ending in "…" when cut. */
export function capDescription(text: string, max = STATUS_DESCRIPTION_MAX): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

const lower = (s: string) => s.toLowerCase();

export function isBot(login: string, userType: "User" | "Bot"): boolean {
  return userType === "Bot" || /\[bot\]$/i.test(login);
}

function names(users: readonly string[]): string {
  return users.join(", ");
}

export function evaluateApproval(input: ApprovalInput): ApprovalEvaluation {
  const author = lower(input.author);
  const head = lower(input.headSha);
  const inGroup = (g: ApproverGroupInput, login: string) => g.members.some((m) => lower(m) === lower(login));

  const ignored: { user: string; why: string }[] = [];
  const ignoredKeys = new Set<string>();
  // Latest deciding review per person, keyed by lower-case login.
  const latest = new Map<string, ReviewInput>();
  const ordered = input.reviews
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.state === "APPROVED" || r.state === "CHANGES_REQUESTED" || r.state === "DISMISSED")
    .sort((a, b) => (a.r.submittedAt ?? "").localeCompare(b.r.submittedAt ?? "") || a.i - b.i);
  for (const { r } of ordered) {
    const key = lower(r.user);
    const why =
      key === author ? "author of the pull request" : isBot(r.user, r.userType) ? "a bot" : undefined;
    if (why) {
      if (!ignoredKeys.has(key) && r.state !== "DISMISSED") {
        ignoredKeys.add(key);
        ignored.push({ user: r.user, why });
      }
      continue;
    }
    // Deleted and re-set, so the map lists people in the order of their latest reviews.
    latest.delete(key);
    latest.set(key, r);
  }

  const counted: CountedApproval[] = [];
  const stale: string[] = [];
  const changesRequested: string[] = [];
  for (const r of latest.values()) {
    if (r.state === "CHANGES_REQUESTED") changesRequested.push(r.user);
    else if (r.state === "APPROVED") {
      if (lower(r.commitId ?? "") !== head) stale.push(r.user);
      else {
        const as: ApprovalRole[] = [];
        if (inGroup(input.architects, r.user)) as.push("architects");
        if (inGroup(input.security, r.user)) as.push("security");
        counted.push({ user: r.user, as, at: r.submittedAt ?? "" });
      }
    }
  }

  const missing = missingFor(input, counted);
  const tier = input.tier;
  const approvedBy = counted.map((c) => (c.as.length ? `${c.user} (${c.as.join(", ")})` : c.user));
  let state: ApprovalEvaluation["state"];
  let text: string;
  if (changesRequested.length > 0) {
    state = "failure";
    text = `${tier}: changes requested by ${names(changesRequested)}`;
    if (missing.length > 0) text += `; also needs ${joinNeeds(missing)}`;
  } else if (missing.length === 0) {
    state = "success";
    text =
      tier === "trivial" && counted.length === 0
        ? "trivial: no approval needed"
        : `${tier}: approved by ${names(approvedBy)}`;
  } else {
    state = "pending";
    const parts: string[] = [];
    if (stale.length > 0) {
      parts.push(
        stale.length === 1
          ? `1 approval by ${stale[0]} is for an older commit`
          : `${stale.length} approvals by ${names(stale)} are for an older commit`,
      );
    }
    const approved = counted.length > 0 ? ` (approved: ${names(counted.map((c) => c.user))})` : "";
    const needs = (suffix: string) =>
      `${tier}: ${[...parts, `needs ${joinNeeds(missing)}${suffix}`].join("; ")}${approved}`;
    // "on the latest commit" only where it fits in the status.
    text = needs(stale.length > 0 ? " on the latest commit" : "");
    if ([...text].length > STATUS_DESCRIPTION_MAX) text = needs("");
  }
  return {
    state,
    description: capDescription(text),
    counted,
    stale,
    ignored,
    missing,
    changesRequested,
  };
}

/** "1 approval from A", "1 approval from B" -> "1 approval from A and 1 from B". */
function joinNeeds(missing: readonly string[]): string {
  return missing.map((m, i) => (i === 0 ? m : m.replace(/ approval from /, " from "))).join(" and ");
}

/** What the tier's rule still needs, given the valid approvals. */
function missingFor(input: ApprovalInput, counted: readonly CountedApproval[]): string[] {
  const arch = input.architects.name;
  const sec = input.security.name;
  const more = counted.length > 0 ? " more" : "";
  switch (input.tier) {
    case "trivial":
      return [];
    case "low":
      return counted.length >= 1 ? [] : ["1 approval"];
    case "medium":
      return counted.some((c) => c.as.includes("architects")) ? [] : [`1${more} approval from ${arch}`];
    case "critical": {
      const archs = counted.filter((c) => c.as.includes("architects")).map((c) => lower(c.user));
      const secs = counted.filter((c) => c.as.includes("security")).map((c) => lower(c.user));
      const met = secs.some((s) => archs.some((a) => a !== s));
      if (met) return [];
      if (secs.length === 0 && archs.length === 0)
        return [`1${more} approval from ${sec}`, `1${more} approval from ${arch}`];
      if (secs.length === 0) return [`1 more approval from ${sec}`];
      if (archs.length === 0) return [`1 more approval from ${arch}`];
      // One person in both groups: any second architect or security reviewer completes it.
      const only = counted.find((c) => lower(c.user) === secs[0])?.user ?? secs[0];
      return [`1 more approval from ${arch} or ${sec} (besides ${only})`];
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// gateTier

export interface ChangedFile {
  path: string;
  /** GitHub's file status: added, removed, modified, renamed, copied, changed, unchanged. */
  status?: string;
}

export interface GateTierInput {
  /** The pull request's label names. */
  labels: readonly string[];
  /** The tiers of the PHRs the pull request adds or changes, read at its head. */
  phrTiers: readonly { file: string; tier: Tier }[];
  /** Every path the pull request touches (for a rename, both names). */
  changedFiles: readonly (string | ChangedFile)[];
}

export interface GateTier {
  /** null: the pull request changes nothing kopt governs and has no kopt tier label. */
  tier: Tier | null;
  /** Why, one line per source, e.g. "label kopt/tier:critical". */
  reasons: string[];
}

export const TIER_LABEL_PREFIX = "kopt/tier:";
/** The commit status the gate sets on a pull request's head (and branch protection requires). */
export const APPROVAL_CONTEXT = "kopt/approval";

const rank = (t: Tier) => TIERS.indexOf(t);
export function highestTier(tiers: readonly Tier[]): Tier | null {
  return tiers.reduce<Tier | null>((hi, t) => (hi === null || rank(t) > rank(hi) ? t : hi), null);
}

/** A tier label's tier ("kopt/tier:critical" -> critical); undefined for other labels. */
export function tierOfLabel(label: string): Tier | undefined {
  if (!label.toLowerCase().startsWith(TIER_LABEL_PREFIX)) return undefined;
  const t = label.slice(TIER_LABEL_PREFIX.length).trim().toLowerCase();
  return (TIERS as readonly string[]).includes(t) ? (t as Tier) : undefined;
}

/** A PHR: `phr/<cluster>/<file>.md` (README.md files are not PHRs). */
export function isPhrPath(path: string): boolean {
  return /^phr\/.+\.md$/.test(path) && !/(^|\/)README\.md$/.test(path);
}

/** kopt's own policy: a cluster's kopt.yaml or anything under .github/. */
export function isPolicyPath(path: string): boolean {
  return /^clusters\/[^/]+\/kopt\.ya?ml$/.test(path) || path.startsWith(".github/");
}

/** Files kopt changes only with a PHR beside them. */
export function isGovernedPath(path: string): boolean {
  return path.startsWith("clusters/") || path.startsWith("helm/");
}

export function gateTier(input: GateTierInput): GateTier {
  const files = input.changedFiles.map((f) => (typeof f === "string" ? { path: f } : f));
  const tiers: Tier[] = [];
  const reasons: string[] = [];
  for (const l of input.labels) {
    const t = tierOfLabel(l);
    if (t) {
      tiers.push(t);
      reasons.push(`label ${l}`);
    }
  }
  const policy = [...new Set(files.filter((f) => isPolicyPath(f.path)).map((f) => f.path))];
  const governed = [
    ...new Set(files.filter((f) => isGovernedPath(f.path) && !isPolicyPath(f.path)).map((f) => f.path)),
  ];
  const phrs = files.filter((f) => isPhrPath(f.path));
  const removedPhrs = phrs.filter((f) => f.status === "removed").map((f) => f.path);
  const livePhrs = phrs.filter((f) => f.status !== "removed");

  if (policy.length > 0) {
    tiers.push("critical");
    reasons.push(`${listed(policy)} ${policy.length === 1 ? "is" : "are"} kopt's own policy: critical`);
  }
  if (removedPhrs.length > 0) {
    tiers.push("critical");
    reasons.push(`removes the audit record ${listed(removedPhrs)}: critical`);
  }
  // The PHRs a pull request adds describe its own change; one it only edits is the record of an earlier
  // change (a rollback marks the original rolled-back), whose tier is not this change's.
  // (A path given without a status counts as added.)
  const added = new Set(
    phrs.filter((f) => f.status === undefined || f.status === "added").map((f) => f.path),
  );
  if (governed.length > 0) {
    if (added.size === 0) {
      tiers.push("critical");
      reasons.push(`${listed(governed)} changed without a PHR in the pull request: critical`);
    }
    for (const p of input.phrTiers.filter((x) => added.has(x.file))) {
      tiers.push(p.tier);
      reasons.push(`${p.file}: tier ${p.tier}`);
    }
  } else if (livePhrs.length > 0 && policy.length === 0) {
    // Only records change (an after-merge update): their tiers describe changes already merged.
    tiers.push("trivial");
    reasons.push("only PHRs change: trivial");
  }
  const tier = highestTier(tiers);
  return { tier, reasons: tier === null ? ["no kopt-governed change"] : reasons };
}

function listed(paths: readonly string[]): string {
  return paths.length <= 2
    ? paths.join(", ")
    : `${paths.slice(0, 2).join(", ")} and ${paths.length - 2} more`;
}
