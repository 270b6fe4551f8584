// What the health report's process sections (incidents, pull requests, outcomes, savings) share: the range a
// week's figures are measured over, and headlines with last week's value beside them. Pure.
import type { Headline, IsoWeek, ReportSection } from "../../model/report.ts";

/** A section's figures before rendering: src/propose/report/process-markdown.ts turns `data` into Markdown. */
export type SectionFigures<D> = Omit<ReportSection, "markdown" | "data"> & { data: D };

/** Last week's headline values by id (the report PHR's record), or nothing. */
export type PreviousHeadlines = Readonly<Record<string, number | null>> | undefined;

/** Unix seconds [since, until): the week, up to `now` when the week is not over yet. */
export interface WeekRange {
  since: number;
  until: number;
}

export function weekRange(week: IsoWeek, now: number): WeekRange {
  return { since: week.start, until: Math.min(week.end, Math.max(week.start, now)) };
}

export function inRange(t: number | null | undefined, r: WeekRange): t is number {
  return t !== null && t !== undefined && t >= r.since && t < r.until;
}

/** RFC 3339 to Unix seconds; null when absent or unreadable. */
export function unixOf(iso: string | null | undefined): number | null {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** A headline with last week's value (null when last week's report did not have it). */
export function headline(previous: PreviousHeadlines, h: Omit<Headline, "previous">): Headline {
  const before = previous?.[h.id];
  return { ...h, previous: typeof before === "number" ? before : null };
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
