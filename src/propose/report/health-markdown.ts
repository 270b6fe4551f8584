// The weekly health report as an issue body: a summary first (every flag, most severe first, with its
// recommendation; then every headline number this week, last week and the change, worded by whether a rise
// is good), then each section under its heading with its notes. Capped by capMarkdown: the longest tables
// lose rows first, saying so in place with a link to the report PHR.
import {
  formatCores,
  formatDecimal,
  formatMemoryDescription,
  formatMinutes,
  formatPercent,
  formatUtcMinute,
} from "../../model/format.ts";
import type { Headline, HealthFlag, HealthReport, ReportSection } from "../../model/report.ts";
import { mdCell, mdCode, mdLink, mdText } from "../markdown.ts";
import { capMarkdown } from "./cap.ts";
import { latency } from "./cluster-format.ts";
import { mdTable } from "./process-markdown.ts";

export interface HealthMarkdownOptions {
  maxChars: number;
  /** The report PHR, linked from every cut. */
  phrLink?: string;
}

export function healthMarkdown(report: HealthReport, opts: HealthMarkdownOptions): string {
  const parts = [summary(report), ...report.sections.map(sectionMarkdown)];
  // Where the audit trail keeps it: the report PHR on the base branch (with a forge).
  if (opts.phrLink) parts.push(`Kept in [${opts.phrLink}](${opts.phrLink}).`);
  return capMarkdown(`${parts.join("\n\n")}\n`, opts);
}

function summary(r: HealthReport): string {
  const day = (t: number) => formatUtcMinute(t).slice(0, 10);
  const lines = [
    "## Summary",
    "",
    `Cluster ${mdCode(r.cluster)}, week ${r.week.id} (${day(r.week.start)} to ${day(r.week.end - 1)}), observed ${formatUtcMinute(r.observedAt)}.`,
    "",
    "### Flagged",
    "",
    r.flags.length === 0 ? "Nothing is flagged this week." : r.flags.map(flagLine).join("\n"),
  ];
  // A number unknown both weeks (no forge with a bare --snapshot) has nothing to show: its section's notes say why.
  const shown = r.headlines.filter((h) => h.value !== null || h.previous !== null);
  if (shown.length > 0) {
    lines.push(
      "",
      "### Headlines",
      "",
      mdTable(
        ["", "This week", "Last week", "Change"],
        shown.map((h) => [
          mdCell(h.label),
          valueText(h.value, h.unit),
          valueText(h.previous, h.unit),
          deltaText(h),
        ]),
      ),
    );
  }
  return lines.join("\n");
}

function flagLine(f: HealthFlag): string {
  const severity = f.severity === "critical" ? "**CRITICAL**" : `**${f.severity}**`;
  const link = f.link ? ` (${mdLink("details", f.link)})` : "";
  return `- ${severity} ${mdText(f.subject)}: ${mdText(f.finding.replace(/\.$/, ""))}. Recommendation: ${mdText(f.recommendation)}${link}`;
}

/** A headline's number as people read it. */
export function valueText(v: number | null, unit: Headline["unit"]): string {
  if (v === null) return "—";
  switch (unit) {
    case "count":
      return formatDecimal(v, 2);
    case "share":
      return formatPercent(v);
    case "cores":
      return formatCores(v);
    case "bytes":
      return formatMemoryDescription(v);
    case "money":
      return v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    case "seconds":
      return latency(v);
    case "minutes":
      return formatMinutes(v);
    case "hours":
      return `${formatDecimal(v, 1)} h`;
  }
}

/** "+3 (worse)", "−2.5 pp (better)", "no change", "—" when either week is unknown. */
export function deltaText(h: Headline): string {
  if (h.value === null || h.previous === null) return "—";
  const d = h.value - h.previous;
  if (Math.abs(d) < 1e-9) return "no change";
  const sign = d > 0 ? "+" : "−";
  const size =
    h.unit === "share" ? `${formatDecimal(Math.abs(d) * 100, 1)} pp` : valueText(Math.abs(d), h.unit);
  const good = h.better === "neither" ? null : d > 0 === (h.better === "higher");
  return `${sign}${size}${good === null ? "" : good ? " (better)" : " (worse)"}`;
}

function sectionMarkdown(s: ReportSection): string {
  const parts = [`## ${mdText(s.title)}`, s.markdown.trim()];
  if (s.notes.length > 0) {
    parts.push(`Notes:\n\n${s.notes.map((n) => `- ${n.replace(/\s*\n\s*/g, " ")}`).join("\n")}`);
  }
  return parts.filter((p) => p !== "").join("\n\n");
}
