// The health report's incidents section: what kopt diagnose sees failing now, and kopt's incident issues of
// the week (opened, resolved, still open) with MTTD and MTTR measured as `kopt stats` measures them
// (src/analyze/outcome-stats.ts: detection from the first failure to the issue, resolution from the issue to
// its close, over the issues opened in the week). Pure.
import type { Diagnosis } from "../../model/finding.ts";
import type { HealthFlag, WeekIncidents } from "../../model/report.ts";
import { outcomeStats, type StatsIncident } from "../outcome-stats.ts";
import {
  headline,
  inRange,
  type PreviousHeadlines,
  type SectionFigures,
  type WeekRange,
} from "./process-common.ts";

/** One of kopt's incident issues, timed (workflows/stats.ts incidentTimes) and named. */
export interface ReportIncidentIssue extends StatsIncident {
  fingerprint: string;
  title: string;
  url: string;
}

/** An incident kopt diagnose sees now, with its issue when kopt opened one. */
export interface CurrentIncident {
  fingerprint: string;
  title: string;
  cause: string;
  /** How it is fixed: values (a pull request), incident (an issue), ... */
  fix: string;
  workloads: number;
  firstSeen: number | null;
  recommendation: string;
  issue: { number: number; url: string } | null;
}

export interface IncidentsData {
  since: number;
  until: number;
  current: CurrentIncident[];
  /** Null without a forge (a bare --snapshot): kopt's incident issues cannot be read. */
  week: WeekIncidents | null;
  /** The issues opened, resolved or open during the week. */
  issues: (ReportIncidentIssue & { openedInWeek: boolean; resolvedInWeek: boolean })[];
}

export interface IncidentsInput {
  range: WeekRange;
  diagnosis: Pick<Diagnosis, "incidents" | "findings">;
  /** kopt's incident issues of the cluster; null without a forge. */
  issues: readonly ReportIncidentIssue[] | null;
  previous: PreviousHeadlines;
}

export function incidentsFigures(input: IncidentsInput): SectionFigures<IncidentsData> {
  const { range, issues, previous } = input;
  const current = currentIncidents(input);
  const notes: string[] = [];
  let week: WeekIncidents | null = null;
  let listed: IncidentsData["issues"] = [];
  if (issues === null) {
    notes.push(
      "Incident issues, MTTD and MTTR need the forge (kopt's incident issues): run with --cluster in the repository, not a bare --snapshot",
    );
  } else {
    ({ week, listed } = weekOf(issues, range, notes));
  }
  const h = (id: string, label: string, value: number | null, unit: "count" | "minutes") =>
    headline(previous, { id, label, value, unit, better: "lower" });
  return {
    id: "incidents",
    title: "Incidents",
    data: { since: range.since, until: range.until, current, week, issues: listed },
    headlines: [
      h("incidents.failingNow", "Incidents failing now", current.length, "count"),
      h("incidents.opened", "Incidents opened", week?.opened ?? null, "count"),
      headline(previous, {
        id: "incidents.resolved",
        label: "Incidents resolved",
        value: week?.resolved ?? null,
        unit: "count",
        better: "higher",
      }),
      h("incidents.stillOpen", "Incidents still open", week?.stillOpen ?? null, "count"),
      h("incidents.mttdMedian", "MTTD (median)", week?.mttdMinutes?.median ?? null, "minutes"),
      h("incidents.mttrMedian", "MTTR (median)", week?.mttrMinutes?.median ?? null, "minutes"),
    ],
    flags: current.map(flagOf),
    notes,
  };
}

function currentIncidents(input: IncidentsInput): CurrentIncident[] {
  const byFingerprint = new Map(input.diagnosis.findings.map((f) => [f.fingerprint, f]));
  const issueOf = new Map<string, ReportIncidentIssue>();
  // The open issue of a fingerprint, else its newest.
  for (const i of input.issues ?? []) {
    const had = issueOf.get(i.fingerprint);
    if (!had || had.resolvedAt !== null) issueOf.set(i.fingerprint, i);
  }
  return input.diagnosis.incidents.map((i) => {
    const issue = issueOf.get(i.fingerprint);
    const first = i.findings.map((f) => byFingerprint.get(f)).find((f) => f !== undefined);
    return {
      fingerprint: i.fingerprint,
      title: i.title,
      cause: i.cause,
      fix: i.fix,
      workloads: i.workloads.length,
      firstSeen: i.firstSeen,
      recommendation: first?.suggestedFix ?? "see kopt diagnose",
      issue: issue ? { number: issue.number, url: issue.url } : null,
    };
  });
}

function weekOf(
  issues: readonly ReportIncidentIssue[],
  range: WeekRange,
  notes: string[],
): { week: WeekIncidents; listed: IncidentsData["issues"] } {
  const openAtEnd = (i: ReportIncidentIssue) =>
    i.detectedAt !== null &&
    i.detectedAt < range.until &&
    (i.resolvedAt === null || i.resolvedAt >= range.until);
  const listed = issues
    .map((i) => ({
      ...i,
      openedInWeek: inRange(i.detectedAt, range),
      resolvedInWeek: inRange(i.resolvedAt, range),
    }))
    .filter((i) => i.openedInWeek || i.resolvedInWeek || openAtEnd(i));
  const opened = listed.filter((i) => i.openedInWeek);
  // MTTD and MTTR exactly as kopt stats measures them, over the issues opened in the week.
  const stats = outcomeStats([], opened, { since: range.since, until: range.until - 1 });
  notes.push(...stats.notes.filter((n) => n.startsWith("MTT")));
  return {
    week: {
      opened: opened.length,
      resolved: listed.filter((i) => i.resolvedInWeek).length,
      stillOpen: listed.filter(openAtEnd).length,
      mttdMinutes: stats.incidents.mttdMinutes,
      mttrMinutes: stats.incidents.mttrMinutes,
    },
    listed,
  };
}

/**
 * An incident's cause as a person reads it, and as the other sections name the same thing (so the report's
 * flags can be merged): `workload:todo/Deployment/worker` -> "Deployment todo/worker", `node:b` -> "Node b",
 * `secret:todo/smtp` -> "Secret todo/smtp"; anything else as it is.
 */
export function causeLabel(cause: string): string {
  const workload = /^workload:([^/]+)\/([^/]+)\/(.+)$/.exec(cause);
  if (workload) return `${workload[2]} ${workload[1]}/${workload[3]}`;
  const other = /^([a-z]+):(.+)$/.exec(cause);
  if (!other) return cause;
  const kind = (other[1] ?? "").replace(/^./, (c) => c.toUpperCase());
  return `${kind} ${other[2]}`;
}

/** A failure kopt sees now is flagged: high, critical when it takes down more than one workload. */
function flagOf(i: CurrentIncident): HealthFlag {
  return {
    severity: i.workloads > 1 ? "critical" : "high",
    subject: causeLabel(i.cause),
    finding: i.title,
    recommendation: i.recommendation,
    ...(i.issue ? { link: i.issue.url } : {}),
  };
}
