// The health report's outcomes section: what kopt verify found this week about merged changes (validated,
// regressed, not applied), the changes rolled back this week, and the merged changes still waiting for their
// verdict. A PHR's outcome counts in the week its verdict was recorded (validation.checkedAt); a rollback in
// the week its revert merged. Pure.
import type { HealthFlag } from "../../model/report.ts";
import {
  headline,
  inRange,
  type PreviousHeadlines,
  type SectionFigures,
  unixOf,
  type WeekRange,
} from "./process-common.ts";
import type { ReportPhr } from "./process-pulls.ts";

export type OutcomeKind = "validated" | "regressed" | "not-applied" | "rolled-back";

export interface OutcomeRowOfWeek {
  id: string;
  title: string;
  kind: string;
  tier: string;
  outcome: OutcomeKind;
  /** Unix seconds: when the verdict was recorded or the revert merged. */
  at: number;
  pullRequest: number | null;
  monthlyDelta: number | null;
  /** The change has been reverted (status rolled-back, or a rollback names it). */
  undone: boolean;
}

export interface OutcomesData {
  rows: OutcomeRowOfWeek[];
  counts: Record<OutcomeKind, number>;
  /** Merged changes with no verdict yet (status approved or applied). */
  awaiting: number;
}

export interface OutcomesInput {
  range: WeekRange;
  /** The PHRs on the base branch; null without a repository. */
  phrs: readonly ReportPhr[] | null;
  previous: PreviousHeadlines;
}

export function outcomesFigures(input: OutcomesInput): SectionFigures<OutcomesData> {
  const { range, phrs, previous } = input;
  const notes: string[] = [];
  if (phrs === null) {
    notes.push(
      "Outcomes are read from the PHRs on the base branch: run with --cluster in the repository, not a bare --snapshot",
    );
  }
  const rows = (phrs ?? [])
    .flatMap((p) => rowsOf(p, phrs ?? [], range))
    .sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  const counts = { validated: 0, regressed: 0, "not-applied": 0, "rolled-back": 0 };
  for (const r of rows) counts[r.outcome]++;
  // A revert is not verified: only changes await a verdict.
  const awaiting = (phrs ?? []).filter(
    (p) => p.merge && p.kind !== "rollback" && (p.status === "approved" || p.status === "applied"),
  ).length;
  const value = (n: number) => (phrs === null ? null : n);
  const h = (id: string, label: string, n: number, better: "higher" | "lower" | "neither") =>
    headline(previous, { id, label, value: value(n), unit: "count", better });
  return {
    id: "outcomes",
    title: "Outcomes of merged changes",
    data: { rows, counts, awaiting },
    headlines: [
      h("outcomes.validated", "Changes validated", counts.validated, "higher"),
      h("outcomes.regressed", "Changes regressed", counts.regressed, "lower"),
      h("outcomes.rolledBack", "Changes rolled back", counts["rolled-back"], "lower"),
      h("outcomes.notApplied", "Changes not applied", counts["not-applied"], "lower"),
      h("outcomes.awaiting", "Merged changes awaiting verification", awaiting, "neither"),
    ],
    flags: rows.flatMap(flagOf),
    notes,
  };
}

function rowsOf(p: ReportPhr, all: readonly ReportPhr[], range: WeekRange): OutcomeRowOfWeek[] {
  const base = {
    id: p.id,
    title: p.title,
    kind: p.kind,
    tier: p.tier,
    pullRequest: p.merge?.pullRequest ?? null,
    monthlyDelta: p.cost?.monthlyDelta ?? null,
    undone: p.status === "rolled-back" || p.rolledBackBy !== undefined,
  };
  const out: OutcomeRowOfWeek[] = [];
  const checked = unixOf(p.validation?.checkedAt);
  const verdict = p.validation?.outcome;
  if (
    inRange(checked, range) &&
    (verdict === "validated" || verdict === "regressed" || verdict === "not-applied")
  ) {
    out.push({ ...base, outcome: verdict, at: checked });
  }
  if (p.rolledBackBy) {
    const revert = all.find((r) => r.id === p.rolledBackBy?.id && r.kind === "rollback");
    const at = unixOf(revert?.merge?.at);
    if (inRange(at, range)) out.push({ ...base, outcome: "rolled-back", at });
  }
  return out;
}

/** A regression no revert has undone yet is flagged; so is a change the GitOps tool never applied. */
function flagOf(r: OutcomeRowOfWeek): HealthFlag[] {
  const subject = `${r.kind} ${r.id}${r.pullRequest ? ` (#${r.pullRequest})` : ""}`;
  if (r.outcome === "regressed" && !r.undone) {
    return [
      {
        severity: "high",
        subject,
        finding: `${r.title}: regressed after it was applied`,
        recommendation: "Merge the revert pull request kopt verify opened, or run kopt rollback",
      },
    ];
  }
  if (r.outcome === "not-applied") {
    return [
      {
        severity: "medium",
        subject,
        finding: `${r.title}: merged but not applied by the GitOps tool`,
        recommendation: "Check that Argo CD / Flux syncs the base branch, then run kopt verify",
      },
    ];
  }
  return [];
}
