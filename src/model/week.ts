// ISO 8601 weeks (Monday 00:00 UTC to the next Monday): the period of the weekly reports (issue 17). Pure.
import type { IsoWeek } from "./report.ts";

const DAY = 86_400;
const WEEK = 7 * DAY;

/** Unix seconds of the Monday 00:00 UTC that starts the week holding `seconds`. */
function mondayOf(seconds: number): number {
  const midnight = Math.floor(seconds / DAY) * DAY;
  // 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0.
  const weekday = (Math.floor(midnight / DAY) + 3) % 7;
  return midnight - ((weekday + 7) % 7) * DAY;
}

/** The ISO week holding `date`: its year is the year of its Thursday. */
export function isoWeek(date: Date): IsoWeek {
  const start = mondayOf(Math.floor(date.getTime() / 1000));
  const thursday = new Date((start + 3 * DAY) * 1000);
  const year = thursday.getUTCFullYear();
  const dayOfYear = (thursday.getTime() - Date.UTC(year, 0, 1)) / 1000 / DAY;
  const week = Math.floor(dayOfYear / 7) + 1;
  return { id: `${year}-W${String(week).padStart(2, "0")}`, start, end: start + WEEK };
}

/** "2026-W49" as an IsoWeek; undefined when it is not one (W53 exists only in long years). */
export function parseIsoWeek(id: string): IsoWeek | undefined {
  const m = /^(\d{4})-W(\d{2})$/.exec(id);
  if (!m) return undefined;
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (week < 1 || week > 53) return undefined;
  // January 4th is always in week 1.
  const start = mondayOf(Date.UTC(year, 0, 4) / 1000) + (week - 1) * WEEK;
  const found = isoWeek(new Date(start * 1000));
  return found.id === id ? found : undefined;
}

/** The week before. */
export function previousWeek(week: IsoWeek): IsoWeek {
  return isoWeek(new Date((week.start - WEEK) * 1000));
}

/** The week's Monday as YYYY-MM-DD (what report titles say: "week of 2026-11-30"). */
export function weekMonday(week: IsoWeek): string {
  return new Date(week.start * 1000).toISOString().slice(0, 10);
}
