// The health report's pull requests section: kopt's pull requests of the week (opened, merged, closed
// unmerged), those open and waiting for approval past their tier's SLA (judged by src/workflows/sla.ts
// slaStanding), and the approval latency per tier (the PHRs' merge.approvalLatencyMinutes) against the SLA.
// Counted: kopt's proposals and reverts (each carries a PHR), not the after-merge record pull requests. Pure.
import { formatMinutes } from "../../model/format.ts";
import type { HealthFlag, Spread } from "../../model/report.ts";
import type { Tier } from "../../model/tier.ts";
import type { StatsPhr } from "../outcome-stats.ts";
import { percentile, sortNumbers } from "../stats.ts";
import {
  headline,
  inRange,
  type PreviousHeadlines,
  round2,
  type SectionFigures,
  unixOf,
  type WeekRange,
} from "./process-common.ts";

export const SLA_TIERS = ["low", "medium", "critical"] as const;
export type SlaTier = (typeof SLA_TIERS)[number];

/** A pull request as the section reads it (Unix seconds). */
export interface ReportPull {
  number: number;
  title: string;
  url: string;
  tier: Tier | null;
  createdAt: number;
  /** When it was closed unmerged; absent while open. */
  closedAt?: number;
}

/** A PHR on the base branch: what stats reads, with its title and the merge's approval latency. */
export interface ReportPhr extends StatsPhr {
  id: string;
  title: string;
  merge?: { pullRequest: number; at: string; openedAt?: string; approvalLatencyMinutes?: number | null };
}

/** An open pull request waiting for its approvals past its tier's SLA. */
export interface LatePull {
  pr: number;
  tier: Tier;
  waitedMinutes: number;
  slaMinutes: number;
  missing: string[];
  title: string;
  url: string;
}

export interface LatencyRow {
  tier: SlaTier;
  slaMinutes: number;
  /** Approval latency of the week's merges, minutes; null with none recorded. */
  latency: Spread | null;
  withinSla: number;
}

export interface PullsData {
  opened: number[];
  merged: number[];
  closedUnmerged: number[];
  open: ReportPull[];
  pastSla: LatePull[];
  latency: LatencyRow[];
}

export interface PullsInput {
  range: WeekRange;
  /** kopt's open and closed-unmerged pull requests of the cluster; null without a forge. */
  pulls: { open: readonly ReportPull[]; closed: readonly ReportPull[] } | null;
  /** Open pull requests past their SLA; null when they could not be judged (say why in `notes`). */
  late: readonly LatePull[] | null;
  /** The PHRs on the base branch; null without a repository. */
  phrs: readonly ReportPhr[] | null;
  slaMinutes: Record<SlaTier, number>;
  previous: PreviousHeadlines;
  notes?: readonly string[];
}

export function pullsFigures(input: PullsInput): SectionFigures<PullsData> {
  const { range, pulls, phrs, previous } = input;
  const notes = [...(input.notes ?? [])];
  if (pulls === null || phrs === null) {
    notes.push(
      "kopt's pull requests need the forge and the repository's PHRs: run with --cluster in the repository, not a bare --snapshot",
    );
  }
  const merges = (phrs ?? []).filter((p) => inRange(unixOf(p.merge?.at), range));
  const merged = unique(merges.flatMap((p) => (p.merge ? [p.merge.pullRequest] : [])));
  const opened = unique([
    ...[...(pulls?.open ?? []), ...(pulls?.closed ?? [])]
      .filter((p) => inRange(p.createdAt, range))
      .map((p) => p.number),
    ...(phrs ?? []).flatMap((p) =>
      p.merge && inRange(unixOf(p.merge.openedAt), range) ? [p.merge.pullRequest] : [],
    ),
  ]);
  const closedUnmerged = unique([
    ...(pulls?.closed ?? []).filter((p) => inRange(p.closedAt, range)).map((p) => p.number),
    ...(phrs ?? []).flatMap((p) =>
      p.rejection && inRange(unixOf(p.rejection.closedAt), range) ? [p.rejection.pullRequest] : [],
    ),
  ]);
  const latency = SLA_TIERS.map((tier) => latencyRow(tier, input.slaMinutes[tier], merges));
  const known = pulls !== null && phrs !== null;
  const pastSla = [...(input.late ?? [])];
  const count = (xs: readonly unknown[]) => (known ? xs.length : null);
  return {
    id: "pull-requests",
    title: "kopt's pull requests",
    data: { opened, merged, closedUnmerged, open: [...(pulls?.open ?? [])], pastSla, latency },
    headlines: [
      headline(previous, {
        id: "pullRequests.opened",
        label: "Pull requests opened",
        value: count(opened),
        unit: "count",
        better: "neither",
      }),
      headline(previous, {
        id: "pullRequests.merged",
        label: "Pull requests merged",
        value: count(merged),
        unit: "count",
        better: "higher",
      }),
      headline(previous, {
        id: "pullRequests.closedUnmerged",
        label: "Pull requests closed unmerged",
        value: count(closedUnmerged),
        unit: "count",
        better: "lower",
      }),
      headline(previous, {
        id: "pullRequests.open",
        label: "Pull requests open",
        value: pulls ? pulls.open.length : null,
        unit: "count",
        better: "neither",
      }),
      headline(previous, {
        id: "pullRequests.pastSla",
        label: "Pull requests waiting past their SLA",
        value: input.late ? pastSla.length : null,
        unit: "count",
        better: "lower",
      }),
      ...latency.map((r) =>
        headline(previous, {
          id: `pullRequests.approvalLatency.${r.tier}`,
          label: `Approval latency, ${r.tier} tier (median)`,
          value: known ? (r.latency?.median ?? null) : null,
          unit: "minutes",
          better: "lower",
        }),
      ),
    ],
    flags: pastSla.map(lateFlag),
    notes,
  };
}

function latencyRow(tier: SlaTier, slaMinutes: number, merges: readonly ReportPhr[]): LatencyRow {
  const values = merges.flatMap((p) =>
    p.tier === tier && typeof p.merge?.approvalLatencyMinutes === "number"
      ? [p.merge.approvalLatencyMinutes]
      : [],
  );
  return {
    tier,
    slaMinutes,
    latency: spread(values),
    withinSla: values.filter((v) => v <= slaMinutes).length,
  };
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = sortNumbers(values);
  return {
    count: values.length,
    median: round2(percentile(sorted, 50)),
    p90: round2(percentile(sorted, 90)),
  };
}

function lateFlag(p: LatePull): HealthFlag {
  return {
    severity: p.tier === "critical" ? "high" : "medium",
    subject: `Pull request #${p.pr}`,
    finding: `${p.tier}-tier change has waited ${formatMinutes(p.waitedMinutes)} for its approvals; its SLA is ${formatMinutes(p.slaMinutes)}`,
    recommendation: `Review it: missing ${p.missing.join(" and ")}`,
    link: p.url,
  };
}

function unique(xs: readonly number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}
