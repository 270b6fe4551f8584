// `kopt report health` (issue 17): the week's health report of the cluster plan's pipeline observed, built by
// the section builders (ports.health), rendered (ports.healthMarkdown), and published (issue, report PHR, job
// summary) when a cluster config is given and publishing is not turned off.
import { reportPhrPath } from "../../formats/phr.ts";
import { type HealthReport, ISSUE_BODY_MAX, type RenderedReport } from "../../model/report.ts";
import { weekMonday } from "../../model/week.ts";
import { reportTitle } from "../../propose/report/issue-marker.ts";
import { openReportContext, type ReportCommandOptions } from "./open.ts";
import type { ReportPorts } from "./ports.ts";
import { type PublishOutcome, publishReport } from "./publish.ts";

export interface HealthReportOutcome {
  report: HealthReport;
  rendered: RenderedReport;
  /** Absent with a bare --snapshot or --no-publish. */
  published?: PublishOutcome;
  warnings: string[];
}

/** The health report ready to publish: its title, capped body, and the headlines next week compares with. */
export function renderHealthReport(report: HealthReport, markdown: string): RenderedReport {
  return {
    kind: "health",
    cluster: report.cluster,
    period: report.week.id,
    title: reportTitle("health", report.cluster, weekMonday(report.week)),
    body: markdown,
    record: { headlines: Object.fromEntries(report.headlines.map((h) => [h.id, h.value])) },
    critical: report.flags.filter((f) => f.severity === "critical").length,
  };
}

export async function healthReport(
  opts: ReportCommandOptions & { publish: boolean },
  ports: Pick<ReportPorts, "health" | "healthMarkdown">,
): Promise<HealthReportOutcome> {
  const ctx = await openReportContext(opts, "health");
  const report = await ports.health(ctx);
  const markdown = ports.healthMarkdown(report, {
    maxChars: ISSUE_BODY_MAX,
    ...(ctx.forge ? { phrLink: reportPhrPath(ctx.cluster, "health", ctx.week.id) } : {}),
  });
  const rendered = renderHealthReport(report, markdown);
  const warnings = [...ctx.run.observation.warnings];
  if (!opts.publish || !ctx.forge || !ctx.repo || !ctx.loaded) return { report, rendered, warnings };
  const published = await publishReport(
    { repo: ctx.repo, loaded: ctx.loaded, forge: ctx.forge, env: ctx.env, now: opts.now },
    rendered,
  );
  return { report, rendered, published, warnings: [...warnings, ...published.warnings] };
}
