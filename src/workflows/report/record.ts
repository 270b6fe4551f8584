// A weekly report's PHR (issue 17): `phr/<cluster>/reports/<period>-<kind>.md`, the report as published and
// the record next week's report compares with. Landed like after-merge's records (a trivial PHR-only pull
// request kopt merges, or a direct commit with afterMerge.record: commit); a rerun with the same report
// lands nothing. Last week's record is read back from the base branch.
import { createHash } from "node:crypto";
import {
  parseReportPhr,
  type ReportPhrFrontMatter,
  renderReportPhr,
  reportPhrPath,
} from "../../formats/phr.ts";
import type { IsoWeek, RenderedReport, ReportKind } from "../../model/report.ts";
import { previousWeek } from "../../model/week.ts";
import type { Forge } from "../../propose/forge.ts";
import { type AfterMergeOutcome, landRecord, type RecordContext } from "../after-merge.ts";
import type { ReportContext } from "./context.ts";

/** The report PHR's id: stable for a cluster, kind and period. */
export function reportPhrId(cluster: string, kind: ReportKind, period: string): string {
  return createHash("sha256").update(`${cluster}\0${kind}\0${period}`).digest("hex").slice(0, 8);
}

/** The report PHR's path and text; `createdAt` RFC 3339. */
export function reportPhr(report: RenderedReport, createdAt: string): { path: string; content: string } {
  const front: ReportPhrFrontMatter = {
    id: reportPhrId(report.cluster, report.kind, report.period),
    cluster: report.cluster,
    kind: "report",
    report: report.kind,
    period: report.period,
    createdAt,
    title: report.title,
    record: { ...report.record, critical: report.critical },
  };
  return {
    path: reportPhrPath(report.cluster, report.kind, report.period),
    content: renderReportPhr(front, report.body),
  };
}

/** Last week's record of this kind, from its report PHR on the base branch; null when there is none. */
export async function readPreviousRecord(
  forge: Forge,
  cluster: string,
  kind: ReportKind,
  week: IsoWeek,
): Promise<ReportContext["previous"]> {
  const path = reportPhrPath(cluster, kind, previousWeek(week).id);
  const text = await forge.readBase(path);
  if (text === undefined) return null;
  const { front } = parseReportPhr(text, path);
  if (!front) return null;
  const { headlines, findings } = front.record;
  return { ...(headlines ? { headlines } : {}), ...(findings ? { findings } : {}) };
}

export interface LandedReportPhr {
  path: string;
  /** unchanged: the base already holds this report. */
  status: "created" | "updated" | "unchanged";
  record: AfterMergeOutcome["record"];
}

/** Lands the report PHR unless the base holds the same report (its first createdAt is kept). */
export async function landReportPhr(
  ctx: RecordContext,
  report: RenderedReport,
  now: Date,
): Promise<LandedReportPhr> {
  const path = reportPhrPath(report.cluster, report.kind, report.period);
  const old = await ctx.forge.readBase(path);
  const oldFront = old === undefined ? undefined : parseReportPhr(old, path).front;
  const createdAt = oldFront?.createdAt ?? now.toISOString().replace(/\.\d{3}Z$/, "Z");
  const { content } = reportPhr(report, createdAt);
  if (old === content) return { path, status: "unchanged", record: null };
  const what = `the ${report.kind} report of ${report.period}`;
  const record = await landRecord(ctx, {
    files: [{ path, content }],
    message: `kopt: record ${what}\n\nPHR: ${path}\n`,
    date: createdAt,
    branch: `kopt/${report.cluster}/report-${report.kind}`,
    title: `kopt: record ${what} (${report.cluster})`,
    body: [
      `## kopt: ${report.title}`,
      "",
      "**Tier:** `trivial` — PHR-only record of a weekly report, no approval needed · **Cost:** none",
      "",
      `Adds or updates ${path}: the report as published, and what next week's report compares with.`,
    ].join("\n"),
    kind: "record",
  });
  return { path, status: old === undefined ? "created" : "updated", record };
}
