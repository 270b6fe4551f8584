// The hidden note in a report issue's body (issue 17): which cluster, kind and period the issue is for, so a
// later run tells kopt's report issues from others' (an issue a person titled the same has none). Pure.
import { z } from "zod";
import type { ReportIssueKey } from "../forge.ts";

export const REPORT_LABEL = "kopt/report";

const MARKER = /<!-- kopt:report (\{.*?\}) -->/s;

const Key = z.object({
  cluster: z.string().min(1),
  kind: z.enum(["health", "security"]),
  period: z.string().regex(/^\d{4}-W\d{2}$/),
});

/** The body with the marker appended (an older one replaced). */
export function withReportMarker(body: string, key: ReportIssueKey): string {
  const clean = body.replace(MARKER, "").trimEnd();
  const note = { cluster: key.cluster, kind: key.kind, period: key.period };
  return `${clean}\n\n<!-- kopt:report ${JSON.stringify(note)} -->\n`;
}

/** The key in a body, or undefined (not kopt's report issue, or edited beyond recognition). */
export function readReportMarker(body: string | null | undefined): ReportIssueKey | undefined {
  const m = MARKER.exec(body ?? "");
  if (!m?.[1]) return undefined;
  try {
    const parsed = Key.safeParse(JSON.parse(m[1]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The report issue's exact title, how kopt finds it again: `kopt health report: demo, week of 2026-11-30`,
 * `kopt security audit: demo, week of 2026-11-30` (`monday`: the ISO week's Monday, YYYY-MM-DD).
 */
export function reportTitle(kind: "health" | "security", cluster: string, monday: string): string {
  return `${kind === "health" ? "kopt health report" : "kopt security audit"}: ${cluster}, week of ${monday}`;
}
