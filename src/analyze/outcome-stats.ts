// `kopt stats`: the specification's success measures, from data. From the PHRs on the base branch (merged,
// verified, rolled back, rejected) and kopt's incident issues: acceptance rate, time to merge, regression and
// rollback rate per kind and tier, savings realized vs proposed, MTTD and MTTR. Pure: the records and the
// time range are passed in. A figure without the data behind it is null, with a note saying why.
import { PROPOSAL_KINDS } from "../model/tier.ts";
import { isFailure, type PastProposal } from "./outcomes.ts";
import { percentile, sortNumbers } from "./stats.ts";

/** A PHR as stats reads it: the learning loop's view plus the cost and the merge's opening time. */
export interface StatsPhr extends PastProposal {
  cost?: { currency: string; monthlyDelta: number };
  merge?: { pullRequest: number; at: string; openedAt?: string };
}

/** One of kopt's incident issues: when the failure was first seen, detected (the issue opened), resolved. */
export interface StatsIncident {
  number: number;
  /** Unix seconds; null when the issue does not say. */
  firstFailure: number | null;
  detectedAt: number | null;
  /** When the issue was closed (kopt closes it when the failure is gone); null while open. */
  resolvedAt: number | null;
}

export interface Distribution {
  count: number;
  median: number;
  p90: number;
}

export interface OutcomeRow {
  kind: string;
  tier: string;
  merged: number;
  validated: number;
  regressed: number;
  rolledBack: number;
  /** Regressed or rolled back, over merged; null with nothing merged. */
  regressionRate: number | null;
  rollbackRate: number | null;
}

export interface OutcomeStats {
  /** Unix seconds: the range measured. */
  since: number;
  until: number;
  proposals: { merged: number; rejected: number };
  /** Merged over merged + rejected. */
  acceptanceRate: number | null;
  /** Hours from opening the pull request to its merge. */
  timeToMergeHours: Distribution | null;
  outcomes: OutcomeRow[];
  /** Monthly cost delta (negative: saving): of every proposal decided in the range, of the validated ones. */
  savings: { currency: string | null; proposedMonthly: number; realizedMonthly: number; validated: number };
  incidents: {
    count: number;
    /** Minutes from the first failure to the issue. */
    mttdMinutes: Distribution | null;
    /** Minutes from the issue to its close. */
    mttrMinutes: Distribution | null;
  };
  /** What could not be computed, and why. */
  notes: string[];
}

/** The changes kopt proposes (rollbacks are counted with the change they undo, not on their own). */
const KINDS: ReadonlySet<string> = new Set(PROPOSAL_KINDS);

/** When a PHR's proposal was decided: merged or closed; else when it was made. */
function decidedAt(p: StatsPhr): number {
  return Date.parse(p.merge?.at ?? p.rejection?.closedAt ?? p.createdAt) / 1000;
}

export function outcomeStats(
  phrs: readonly StatsPhr[],
  incidents: readonly StatsIncident[],
  range: { since: number; until: number },
): OutcomeStats {
  const notes: string[] = [];
  const inRange = phrs.filter(
    (p) => KINDS.has(p.kind) && decidedAt(p) >= range.since && decidedAt(p) <= range.until,
  );
  const merged = inRange.filter((p) => p.merge !== undefined);
  const rejected = inRange.filter((p) => p.status === "rejected");
  const decided = merged.length + rejected.length;
  if (decided === 0) notes.push("acceptance rate: no kopt pull request was merged or rejected in the range");

  const waits = merged.flatMap((p) =>
    p.merge?.openedAt ? [(Date.parse(p.merge.at) - Date.parse(p.merge.openedAt)) / 3_600_000] : [],
  );
  if (merged.length > 0 && waits.length < merged.length) {
    notes.push(
      `time to merge: ${merged.length - waits.length} merged PHR(s) do not record when the pull request opened`,
    );
  }
  const verified = merged.filter((p) => p.status !== "approved" && p.status !== "proposed");
  if (merged.length > 0 && verified.length < merged.length) {
    notes.push(
      `regression rates: ${merged.length - verified.length} of ${merged.length} merged change(s) have no outcome yet (not verified): counted as not regressed`,
    );
  }

  const currencies = [...new Set(inRange.flatMap((p) => (p.cost ? [p.cost.currency] : [])))];
  if (currencies.length > 1)
    notes.push(`savings: several currencies (${currencies.join(", ")}); summed as they are`);
  const validated = merged.filter((p) => p.status === "validated");
  if (merged.length > 0 && validated.length === 0) {
    notes.push("savings realized: no merged change has been validated yet (kopt verify)");
  }
  const sum = (ps: readonly StatsPhr[]) => round2(ps.reduce((s, p) => s + (p.cost?.monthlyDelta ?? 0), 0));

  return {
    since: range.since,
    until: range.until,
    proposals: { merged: merged.length, rejected: rejected.length },
    acceptanceRate: decided === 0 ? null : round3(merged.length / decided),
    timeToMergeHours: distribution(waits),
    outcomes: outcomeRows(merged),
    savings: {
      currency: currencies[0] ?? null,
      proposedMonthly: sum([...merged, ...rejected]),
      realizedMonthly: sum(validated),
      validated: validated.length,
    },
    incidents: incidentStats(incidents, range, notes),
    notes,
  };
}

function outcomeRows(merged: readonly StatsPhr[]): OutcomeRow[] {
  const groups = new Map<string, StatsPhr[]>();
  for (const p of merged) {
    const key = `${p.kind}|${p.tier}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, ps]) => {
      const [kind = "", tier = ""] = key.split("|");
      const regressed = ps.filter(isFailure).length;
      const rolledBack = ps.filter((p) => p.status === "rolled-back" || p.rolledBackBy !== undefined).length;
      return {
        kind,
        tier,
        merged: ps.length,
        validated: ps.filter((p) => p.status === "validated").length,
        regressed,
        rolledBack,
        regressionRate: round3(regressed / ps.length),
        rollbackRate: round3(rolledBack / ps.length),
      };
    });
}

function incidentStats(
  incidents: readonly StatsIncident[],
  range: { since: number; until: number },
  notes: string[],
): OutcomeStats["incidents"] {
  const within = incidents.filter(
    (i) => i.detectedAt === null || (i.detectedAt >= range.since && i.detectedAt <= range.until),
  );
  const detect = within.flatMap((i) =>
    i.firstFailure !== null && i.detectedAt !== null ? [(i.detectedAt - i.firstFailure) / 60] : [],
  );
  const resolve = within.flatMap((i) =>
    i.detectedAt !== null && i.resolvedAt !== null ? [(i.resolvedAt - i.detectedAt) / 60] : [],
  );
  if (within.length === 0) notes.push("MTTD / MTTR: no incident issue in the range");
  else {
    const noFirst = within.filter((i) => i.firstFailure === null || i.detectedAt === null).length;
    if (noFirst > 0)
      notes.push(`MTTD: ${noFirst} incident issue(s) do not say when the failure was first seen or opened`);
    const open = within.filter((i) => i.resolvedAt === null).length;
    if (open > 0) notes.push(`MTTR: ${open} incident issue(s) still open (not resolved): left out`);
  }
  return {
    count: within.length,
    mttdMinutes: distribution(detect.map((m) => Math.max(0, m))),
    mttrMinutes: distribution(resolve.map((m) => Math.max(0, m))),
  };
}

function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = sortNumbers(values);
  return {
    count: values.length,
    median: round2(percentile(sorted, 50)),
    p90: round2(percentile(sorted, 90)),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
