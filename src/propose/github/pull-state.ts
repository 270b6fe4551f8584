// What a kopt pull request should carry besides its branch and body — kopt's labels and the tier's
// review requests — against what it carries. Every run writes only the difference, so what a run that
// died half-way (or whose label or review call failed) left out is done by the next one, and a run with
// nothing left to do writes nothing.
//
// Review requests follow one rule: ask each of the tier's reviewers once per pull request. Someone kopt
// asked before is never asked again — whether they reviewed since (GitHub then drops the request) or a
// person withdrew the request — and neither is a user who already reviewed. GitHub's issue events say
// whom kopt asked (review_requested by kopt's login); they are read only when one of the tier's reviewers
// is not requested at the moment.
import { KIND_LABEL_PREFIX, TIER_LABEL_PREFIX } from "../labels.ts";

export interface Reviewers {
  users: string[];
  teams: string[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const among = (list: readonly string[], x: string) => list.some((y) => same(x, y));

/** kopt's own labels, which it replaces; any other label (kopt/hold, kopt/sla-breached, people's) stays. */
export function isKoptOwnedLabel(name: string): boolean {
  const n = name.toLowerCase();
  return n === "kopt" || n.startsWith(TIER_LABEL_PREFIX) || n.startsWith(KIND_LABEL_PREFIX);
}

/** The labels to add (wanted, missing) and to remove (kopt's own that are not wanted, e.g. a stale tier). */
export function labelDiff(
  current: readonly string[],
  wanted: readonly string[],
): { add: string[]; remove: string[] } {
  return {
    add: wanted.filter((w) => !among(current, w)),
    remove: current.filter((c) => isKoptOwnedLabel(c) && !among(wanted, c)),
  };
}

/** The wanted reviewers who are not requested at the moment. */
export function notRequested(wanted: Reviewers, requested: Reviewers): Reviewers {
  return {
    users: wanted.users.filter((u) => !among(requested.users, u)),
    teams: wanted.teams.filter((t) => !among(requested.teams, t)),
  };
}

/** Of `candidates`, those kopt never asked on this pull request; users also only if they have not reviewed. */
export function stillToAsk(
  candidates: Reviewers,
  askedBefore: Reviewers,
  reviewed: readonly string[],
): Reviewers {
  return {
    users: candidates.users.filter((u) => !among(askedBefore.users, u) && !among(reviewed, u)),
    teams: candidates.teams.filter((t) => !among(askedBefore.teams, t)),
  };
}

export function noReviewers(r: Reviewers): boolean {
  return r.users.length === 0 && r.teams.length === 0;
}

/** "alice, team architects" */
export function describeReviewers(r: Reviewers): string {
  return [...r.users, ...r.teams.map((t) => `team ${t}`)].join(", ");
}

/** An issue event as GitHub lists it, reduced to what tells whom kopt asked. */
export interface ReviewRequestEvent {
  event: string;
  actor?: { login: string } | null;
  requested_reviewer?: { login: string } | null;
  requested_team?: { slug: string } | null;
}

/** Whom `login` asked for a review, from a pull request's issue events. */
export function askedBy(login: string, events: readonly ReviewRequestEvent[]): Reviewers {
  const asked: Reviewers = { users: [], teams: [] };
  for (const e of events) {
    if (e.event !== "review_requested" || !e.actor || !same(e.actor.login, login)) continue;
    if (e.requested_reviewer) asked.users.push(e.requested_reviewer.login);
    if (e.requested_team) asked.teams.push(e.requested_team.slug);
  }
  return asked;
}
