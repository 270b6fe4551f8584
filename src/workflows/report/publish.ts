// Publishing a rendered report (issue 17): its PHR on the base branch, its issue (one per cluster, kind and
// week), and the Actions job summary. The PHR first: the issue's cut tables point at it.
import type { LoadedConfig } from "../../config/load.ts";
import type { RenderedReport } from "../../model/report.ts";
import type { Forge } from "../../propose/forge.ts";
import type { GitRepo } from "../../propose/git-repo.ts";
import { publishReportIssue, type ReportIssueOutcome } from "./issue.ts";
import { type LandedReportPhr, landReportPhr } from "./record.ts";
import { appendJobSummary } from "./summary.ts";

export interface PublishTarget {
  repo: GitRepo;
  loaded: LoadedConfig;
  forge: Forge;
  env: NodeJS.ProcessEnv;
  now: Date;
}

export interface PublishOutcome {
  phr: LandedReportPhr;
  issue: ReportIssueOutcome;
  /** The job summary file appended to, or null outside Actions. */
  summary: string | null;
  warnings: string[];
}

export async function publishReport(t: PublishTarget, report: RenderedReport): Promise<PublishOutcome> {
  const warnings: string[] = [];
  const phr = await landReportPhr(
    { repo: t.repo, loaded: t.loaded, forge: t.forge, warnings },
    report,
    t.now,
  );
  const issue = await publishReportIssue(t.forge, report);
  const summary = await appendJobSummary(t.env, `# ${report.title}\n\n${report.body}`);
  return { phr, issue, summary, warnings };
}

/** One line per thing published, for stderr. */
export function publishLines(o: PublishOutcome): string[] {
  const landed = o.phr.record
    ? `${o.phr.record.mode === "commit" ? "committed" : `pull request ${o.phr.record.status}`}${o.phr.record.merged ? ", merged" : ", not merged"} (${o.phr.record.location})`
    : "already on the base branch";
  return [
    `report PHR ${o.phr.path}: ${o.phr.status}, ${landed}`,
    `report issue #${o.issue.issue.number} ${o.issue.status}: ${o.issue.issue.url}`,
    ...o.issue.closed.map((n) => `report issue #${n} closed: superseded by #${o.issue.issue.number}`),
    ...(o.summary ? [`job summary: appended to ${o.summary}`] : []),
  ];
}
