// A report's issue (issue 17), like Renovate's Dependency Dashboard: one issue per cluster, kind and period,
// found again by its exact title among kopt's own report issues, its body edited only when it changed, and
// the older periods' issues still open closed with a comment linking the new one.
import type { RenderedReport } from "../../model/report.ts";
import type { Forge, ReportIssue } from "../../propose/forge.ts";
import { REPORT_LABEL, withReportMarker } from "../../propose/report/issue-marker.ts";

export interface ReportIssueOutcome {
  status: "created" | "updated" | "unchanged";
  issue: ReportIssue;
  /** Older report issues closed in favour of this one, by number. */
  closed: number[];
}

export const REPORT_LABELS = ["kopt", REPORT_LABEL];

/** Creates or edits this period's issue, then closes the earlier periods' still open. */
export async function publishReportIssue(forge: Forge, report: RenderedReport): Promise<ReportIssueOutcome> {
  const key = { cluster: report.cluster, kind: report.kind, period: report.period };
  const body = withReportMarker(report.body, key);
  const known = await forge.reportIssues(report.cluster, report.kind);
  const found = known.find((i) => i.title === report.title && i.period === report.period);
  let status: ReportIssueOutcome["status"];
  let issue: ReportIssue;
  if (!found) {
    issue = await forge.openReportIssue({ ...key, title: report.title, body, labels: REPORT_LABELS });
    status = "created";
  } else if (sameBody(found.body, body)) {
    issue = found;
    status = "unchanged";
  } else {
    issue = await forge.editReportIssue(found.number, body);
    status = "updated";
  }
  const closed: number[] = [];
  for (const old of known) {
    if (old.state !== "open" || old.number === issue.number || old.period >= report.period) continue;
    await forge.closeReportIssue(
      old.number,
      `Superseded by the ${report.period} report: [${report.title}](${issue.url}).`,
    );
    closed.push(old.number);
  }
  return { status, issue, closed };
}

/** Equal but for line ends and trailing space (a forge may store either). */
function sameBody(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\r\n/g, "\n").trimEnd();
  return norm(a) === norm(b);
}
